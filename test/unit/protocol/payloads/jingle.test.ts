import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import {
  decodeJingle,
  encodeJingle,
  jingleErrorCondition,
  jingleErrors,
  jingleOf,
  type Jingle,
} from '@ferry/protocol/payloads/jingle';
import { assertStanzaError, parseXml, reparse } from './fixtures.js';

const JINGLE = 'urn:xmpp:jingle:1';

function jingle(attributes: string, children = ''): ReturnType<typeof parseXml> {
  return parseXml(`<jingle xmlns="${JINGLE}" ${attributes}>${children}</jingle>`);
}

// XEP-0234 §5.1 example 1 (session-initiate with a file offer over s5b), as the XEP prints it.
const XEP0234_INITIATE = `<iq from='romeo@montague.example/dr4hcr0st3lup4c' id='nzu25s8' to='juliet@capulet.example/yn0cl4bnw0yr3vym' type='set'>
  <jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' initiator='romeo@montague.example/dr4hcr0st3lup4c' sid='851ba2'>
    <content creator='initiator' name='a-file-offer' senders='initiator'>
      <description xmlns='urn:xmpp:jingle:apps:file-transfer:5'>
        <file>
          <date>1969-07-21T02:56:15Z</date>
          <desc>This is a test. If this were a real file...</desc>
          <media-type>text/plain</media-type>
          <name>test.txt</name>
          <range/>
          <size>6144</size>
          <hash xmlns='urn:xmpp:hashes:2' algo='sha-1'>w0mcJylzCn+AfvuGdqkty2+KP48=</hash>
        </file>
      </description>
      <transport xmlns='urn:xmpp:jingle:transports:s5b:1' mode='tcp' sid='vj3hs98y'>
        <candidate cid='hft54dqy' host='192.168.4.1' jid='romeo@montague.example/dr4hcr0st3lup4c' port='5086' priority='8257636' type='direct'/>
      </transport>
    </content>
  </jingle>
</iq>`;

// XEP-0166 §6.7: terminating with an alternative session.
const XEP0166_ALTERNATIVE = `<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='a73sjjvkla37jfea'>
    <reason>
      <alternative-session>
        <sid>b84tkkwlmb48kgfb</sid>
      </alternative-session>
    </reason>
  </jingle>`;

// XEP-0234 §9.1: a content-reject whose reason carries an application-specific condition.
const XEP0234_FILE_NOT_AVAILABLE = `<jingle xmlns='urn:xmpp:jingle:1' action='content-reject' sid='uj3b2'>
    <content creator='initiator' name='requesting-file' senders='initiator'/>
    <reason>
      <failed-application />
      <file-not-available xmlns='urn:xmpp:jingle:apps:file-transfer:errors:0' />
    </reason>
  </jingle>`;

// Libervia 0.9: the checksum session-info it sends after the bytes.
const LIBERVIA_CHECKSUM = `<jingle xmlns="urn:xmpp:jingle:1" action="session-info" sid="f5a2c8">
  <checksum xmlns="urn:xmpp:jingle:apps:file-transfer:5" creator="initiator" name="f.bin"><file>
    <hash xmlns="urn:xmpp:hashes:2" algo="sha-256">OGU1MjU5MmIxYjNhNTQ4ZDg3Nzc1OTI0NjVlMGY4ZDQ2YzFkNzg1ODcxYzdhNjU2ZjBkMDU1NTgxMmMyYmI4Yw==</hash>
  </file></checksum></jingle>`;

describe('XEP-0166 <jingle/>', () => {
  it("decodes XEP-0234's session-initiate, keeping description and transport as elements", () => {
    const decoded = decodeJingle(jingleOf(parseXml(XEP0234_INITIATE)));
    assert.equal(decoded.action, 'session-initiate');
    assert.equal(decoded.sid, '851ba2');
    assert.equal(decoded.initiator, 'romeo@montague.example/dr4hcr0st3lup4c');
    assert.equal(decoded.contents.length, 1);
    const [content] = decoded.contents;
    assert.deepEqual(
      { creator: content?.creator, name: content?.name, senders: content?.senders },
      { creator: 'initiator', name: 'a-file-offer', senders: 'initiator' },
    );
    assert.equal(content?.description?.getNS(), 'urn:xmpp:jingle:apps:file-transfer:5');
    assert.equal(content?.transport?.getNS(), 'urn:xmpp:jingle:transports:s5b:1');
  });

  it('round-trips through XML text', () => {
    const original = decodeJingle(jingleOf(parseXml(XEP0234_INITIATE)));
    const again = decodeJingle(reparse(encodeJingle(original)));
    assert.equal(again.contents[0]?.description?.toString(), original.contents[0]?.description?.toString());
    assert.deepEqual({ ...again, contents: [] }, { ...original, contents: [] });
  });

  it('encodes a session-terminate with reason and text as XEP-0166 §6.7 prints it', () => {
    const terminate: Jingle = {
      action: 'session-terminate',
      sid: 'a73sjjvkla37jfea',
      contents: [],
      reason: { condition: 'success', text: 'done' },
      payloads: [],
    };
    assert.equal(
      encodeJingle(terminate).toString(),
      `<jingle xmlns="${JINGLE}" action="session-terminate" sid="a73sjjvkla37jfea"><reason><success/><text>done</text></reason></jingle>`,
    );
  });

  it('decodes <alternative-session><sid/></alternative-session> (§6.7)', () => {
    assert.deepEqual(decodeJingle(parseXml(XEP0166_ALTERNATIVE)).reason, {
      condition: 'alternative-session',
      alternativeSid: 'b84tkkwlmb48kgfb',
    });
  });

  it('keeps the application-specific condition of a reason (XEP-0234 §9.1)', () => {
    const reason = decodeJingle(parseXml(XEP0234_FILE_NOT_AVAILABLE)).reason;
    assert.equal(reason?.condition, 'failed-application');
    assert.equal(reason?.application?.getName(), 'file-not-available');
  });

  it('collects session-info payloads in other namespaces (Libervia checksum)', () => {
    const decoded = decodeJingle(parseXml(LIBERVIA_CHECKSUM));
    assert.equal(decoded.payloads.length, 1);
    assert.equal(decoded.payloads[0]?.getName(), 'checksum');
  });

  it('decodes an empty session-info (the §6.8 ping)', () => {
    assert.deepEqual(decodeJingle(jingle('action="session-info" sid="s1"')), {
      action: 'session-info',
      sid: 's1',
      contents: [],
      payloads: [],
    });
  });

  it("reads a content without 'creator' as the initiator's (COMPAT, §7.3 default)", () => {
    const decoded = decodeJingle(jingle('action="transport-info" sid="s1"', '<content name="f"/>'));
    assert.equal(decoded.contents[0]?.creator, 'initiator');
  });

  it('reads a reason without a known condition as general-error (COMPAT)', () => {
    assert.deepEqual(
      decodeJingle(jingle('action="session-terminate" sid="s1"', '<reason><went-fishing/><text>bye</text></reason>'))
        .reason,
      { condition: 'general-error', text: 'bye' },
    );
  });

  describe('refuses hostile or broken input with bad-request', () => {
    const cases: [string, string, string, RegExp][] = [
      ['an unknown action', 'action="session-hijack" sid="s"', '', /unknown Jingle action/],
      ['no action', 'sid="s"', '', /missing the 'action'/],
      ['no sid', 'action="session-info"', '', /missing the 'sid'/],
      ['a sid with a newline', 'action="session-info" sid="a&#10;b"', '', /not a usable stream id/],
      ['an initiator that is not a JID', 'action="session-initiate" sid="s" initiator=" x"', '', /not a JID/],
      ['a content without name', 'action="transport-info" sid="s"', '<content creator="initiator"/>', /'name'/],
      ['a bad creator', 'action="transport-info" sid="s"', '<content creator="me" name="a"/>', /'creator'/],
      [
        'a bad senders',
        'action="content-modify" sid="s"',
        '<content creator="initiator" name="a" senders="all"/>',
        /'senders'/,
      ],
      [
        'two contents with one identity',
        'action="session-initiate" sid="s"',
        '<content creator="initiator" name="a"/><content creator="initiator" name="a"/>',
        /both 'a'/,
      ],
      [
        'two transports in a content',
        'action="transport-info" sid="s"',
        `<content creator="initiator" name="a"><transport xmlns="urn:x"/><transport xmlns="urn:y"/></content>`,
        /two <transport\/>s/,
      ],
      [
        'two reasons',
        'action="session-terminate" sid="s"',
        '<reason><success/></reason><reason><busy/></reason>',
        /more than one/,
      ],
    ];
    for (const [what, attributes, children, pattern] of cases) {
      it(what, () => {
        assertStanzaError(() => decodeJingle(jingle(attributes, children)), pattern);
      });
    }
    it('an iq without <jingle/>', () => {
      assertStanzaError(() => jingleOf(parseXml('<iq type="set"><query xmlns="urn:x"/></iq>')), /no <jingle/);
    });
  });
});

describe('XEP-0166 §8 errors', () => {
  it('builds unknown-session as item-not-found, the §6.7 example', () => {
    const error = jingleErrors.unknownSession();
    assert.equal(
      error.toElement().toString(),
      '<error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><unknown-session xmlns="urn:xmpp:jingle:errors:1"/></error>',
    );
  });

  it('maps each Jingle condition to its XMPP condition', () => {
    assert.equal(jingleErrors.outOfOrder().condition, 'unexpected-request');
    assert.equal(jingleErrors.tieBreak().condition, 'conflict');
    assert.equal(jingleErrors.unsupportedInfo().condition, 'feature-not-implemented');
  });

  it('reads the Jingle condition back from an error stanza', () => {
    const error = StanzaError.fromStanza(
      parseXml(
        `<iq type="error"><error type="cancel"><conflict xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><tie-break xmlns="urn:xmpp:jingle:errors:1"/></error></iq>`,
      ),
    );
    assert.equal(jingleErrorCondition(error), 'tie-break');
    assert.equal(jingleErrorCondition(new StanzaError('conflict')), undefined);
  });
});
