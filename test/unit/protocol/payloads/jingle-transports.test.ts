import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeIbbTransport, encodeIbbTransport, answerIbbTransport } from '@ferry/protocol/payloads/jingle-ibb';
import { decodeS5bTransport, encodeS5bTransport, type S5bTransport } from '@ferry/protocol/payloads/jingle-s5b';
import { assertStanzaError, parseXml, reparse } from './fixtures.js';

const S5B = 'urn:xmpp:jingle:transports:s5b:1';
const IBB = 'urn:xmpp:jingle:transports:ibb:1';

// XEP-0260 §2.2 example 1: the initiator's candidates, with dstaddr because one is a proxy.
const XEP_INITIATOR_TRANSPORT = `<transport xmlns='urn:xmpp:jingle:transports:s5b:1'
                 dstaddr='972b7bf47291ca609517f67f86b5081086052dad'
        	 mode='tcp'
                 sid='vj3hs98y'>
        <candidate cid='hft54dqy' host='192.168.4.1' jid='romeo@montague.lit/orchard' port='5086' priority='8257636' type='direct'/>
        <candidate cid='hutr46fe' host='24.24.24.1' jid='romeo@montague.lit/orchard' port='5087' priority='8258636' type='direct'/>
        <candidate cid='xmdh4b7i' host='123.456.7.8' jid='streamer.shakespeare.lit' port='7625' priority='7878787' type='proxy'/>
      </transport>`;

// Libervia 0.9's session-initiate transport, ports filled in.
const LIBERVIA_TRANSPORT = `<transport xmlns="urn:xmpp:jingle:transports:s5b:1" sid="3bba1b3e" dstaddr="6c5bb8d3a6ad1e5e0a1ec0b4e8d7c1a6cf0d5ab2" mode="tcp">
      <candidate cid="c1" host="127.0.0.1" jid="alice@lv.localhost/libervia" port="41293" priority="8267536" type="direct"/>
      <candidate cid="c2" host="127.0.0.1" jid="proxy.lv.localhost" port="23777" priority="655360" type="proxy"/>
    </transport>`;

function s5b(attributes: string, children = ''): ReturnType<typeof parseXml> {
  return parseXml(`<transport xmlns="${S5B}" ${attributes}>${children}</transport>`);
}

describe('XEP-0260 <transport/>', () => {
  it('decodes the XEP offer', () => {
    const transport = decodeS5bTransport(parseXml(XEP_INITIATOR_TRANSPORT));
    assert.equal(transport.sid, 'vj3hs98y');
    assert.equal(transport.mode, 'tcp');
    assert.equal(transport.dstaddr, '972b7bf47291ca609517f67f86b5081086052dad');
    assert.deepEqual(transport.candidates[2], {
      cid: 'xmdh4b7i',
      host: '123.456.7.8',
      jid: 'streamer.shakespeare.lit',
      port: 7625,
      priority: 7878787,
      type: 'proxy',
    });
    assert.equal(transport.notification, undefined);
  });

  it("decodes Libervia's direct + proxy offer", () => {
    const transport = decodeS5bTransport(parseXml(LIBERVIA_TRANSPORT));
    assert.deepEqual(
      transport.candidates.map((candidate) => [candidate.type, candidate.priority]),
      [
        ['direct', 8267536],
        ['proxy', 655360],
      ],
    );
  });

  it('decodes each transport-info notification of §2.3–§2.4', () => {
    const cases: [string, S5bTransport['notification']][] = [
      [`<candidate-used cid='hr65dqyd'/>`, { kind: 'candidate-used', cid: 'hr65dqyd' }],
      ['<candidate-error/>', { kind: 'candidate-error' }],
      [`<activated cid='xmdh4b7i'/>`, { kind: 'activated', cid: 'xmdh4b7i' }],
      ['<proxy-error/>', { kind: 'proxy-error' }],
    ];
    for (const [child, notification] of cases) {
      assert.deepEqual(decodeS5bTransport(s5b("sid='vj3hs98y'", child)), {
        sid: 'vj3hs98y',
        mode: 'tcp',
        candidates: [],
        notification,
      });
    }
  });

  it('defaults a missing port to 1080 and a missing type to direct', () => {
    const [candidate] = decodeS5bTransport(
      s5b('sid="s"', '<candidate cid="c" host="h" jid="a@b/c" priority="1"/>'),
    ).candidates;
    assert.deepEqual(candidate, { cid: 'c', host: 'h', jid: 'a@b/c', port: 1080, priority: 1, type: 'direct' });
  });

  it('keeps mode udp for the caller to refuse', () => {
    assert.equal(decodeS5bTransport(s5b('sid="s" mode="udp"')).mode, 'udp');
  });

  it('encodes candidates and notifications, and round-trips', () => {
    const transport = decodeS5bTransport(parseXml(XEP_INITIATOR_TRANSPORT));
    assert.deepEqual(decodeS5bTransport(reparse(encodeS5bTransport(transport))), transport);
    assert.equal(
      encodeS5bTransport({
        sid: 'vj3hs98y',
        mode: 'tcp',
        candidates: [],
        notification: { kind: 'candidate-used', cid: 'x' },
      }).toString(),
      `<transport xmlns="${S5B}" sid="vj3hs98y"><candidate-used cid="x"/></transport>`,
    );
  });

  describe('refuses hostile input with bad-request', () => {
    const cases: [string, string, string, RegExp][] = [
      ['no sid', '', '', /'sid'/],
      ['an unknown mode', 'sid="s" mode="sctp"', '', /tcp or udp/],
      ['a dstaddr that is not SHA-1 hex', 'sid="s" dstaddr="../../x"', '', /SHA-1/],
      ['a host with a space', 'sid="s"', '<candidate cid="c" host="a b" jid="a@b" priority="1"/>', /not a host/],
      ['a port of 0', 'sid="s"', '<candidate cid="c" host="h" jid="a@b" port="0" priority="1"/>', /out of range/],
      [
        'a port of 70000',
        'sid="s"',
        '<candidate cid="c" host="h" jid="a@b" port="70000" priority="1"/>',
        /out of range/,
      ],
      ['a negative priority', 'sid="s"', '<candidate cid="c" host="h" jid="a@b" priority="-1"/>', /not a decimal/],
      ['no priority', 'sid="s"', '<candidate cid="c" host="h" jid="a@b"/>', /'priority'/],
      [
        'an unknown type',
        'sid="s"',
        '<candidate cid="c" host="h" jid="a@b" priority="1" type="magic"/>',
        /candidate type/,
      ],
      ['no jid', 'sid="s"', '<candidate cid="c" host="h" priority="1"/>', /'jid'/],
      [
        'two candidates with one cid',
        'sid="s"',
        '<candidate cid="c" host="h" jid="a@b" priority="1"/><candidate cid="c" host="i" jid="a@b" priority="2"/>',
        /share the cid/,
      ],
      ['candidate-used without cid', 'sid="s"', '<candidate-used/>', /'cid'/],
      ['two notifications', 'sid="s"', '<candidate-error/><proxy-error/>', /two notifications/],
    ];
    for (const [what, attributes, children, pattern] of cases) {
      it(what, () => {
        assertStanzaError(() => decodeS5bTransport(s5b(attributes, children)), pattern);
      });
    }
  });
});

describe('XEP-0261 <transport/>', () => {
  it('decodes the XEP offer and Libervia’s', () => {
    assert.deepEqual(decodeIbbTransport(parseXml(`<transport xmlns='${IBB}' block-size='4096' sid='ch3d9s71'/>`)), {
      sid: 'ch3d9s71',
      blockSize: 4096,
      stanza: 'iq',
    });
    assert.equal(
      decodeIbbTransport(parseXml(`<transport xmlns="${IBB}" block-size="4096" sid="x" stanza="message"/>`)).stanza,
      'message',
    );
  });

  it('answers with the smaller block-size (§2)', () => {
    assert.deepEqual(answerIbbTransport({ sid: 'ch3d9s71', blockSize: 4096, stanza: 'iq' }, 2048), {
      sid: 'ch3d9s71',
      blockSize: 2048,
      stanza: 'iq',
    });
  });

  it('encodes without the default stanza attribute, and round-trips', () => {
    const transport = { sid: 'ch3d9s71', blockSize: 2048, stanza: 'iq' as const };
    assert.equal(
      encodeIbbTransport(transport).toString(),
      `<transport xmlns="${IBB}" block-size="2048" sid="ch3d9s71"/>`,
    );
    assert.deepEqual(decodeIbbTransport(reparse(encodeIbbTransport(transport))), transport);
  });

  it('refuses a missing or absurd block-size, a bad stanza and a missing sid', () => {
    assertStanzaError(() => decodeIbbTransport(parseXml(`<transport xmlns="${IBB}" sid="s"/>`)), /'block-size'/);
    assertStanzaError(
      () => decodeIbbTransport(parseXml(`<transport xmlns="${IBB}" sid="s" block-size="0"/>`)),
      /out of range/,
    );
    assertStanzaError(
      () => decodeIbbTransport(parseXml(`<transport xmlns="${IBB}" sid="s" block-size="65536"/>`)),
      /out of range/,
    );
    assertStanzaError(
      () => decodeIbbTransport(parseXml(`<transport xmlns="${IBB}" sid="s" block-size="1" stanza="presence"/>`)),
      /iq or message/,
    );
    assertStanzaError(() => decodeIbbTransport(parseXml(`<transport xmlns="${IBB}" block-size="1"/>`)), /'sid'/);
  });
});
