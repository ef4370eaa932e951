import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeJingleMessage,
  encodeJingleMessage,
  encodeJingleMessageStanza,
  jingleMessageOf,
  type JingleMessage,
} from '@ferry/protocol/payloads/jingle-message';
import { assertStanzaError, parseXml, reparse } from './fixtures.js';

const JMI = 'urn:xmpp:jingle-message:0';
const ID = 'ca3cf894-5325-482f-a412-a6e9f832298d';

// XEP-0353 §3.1, with a file-transfer description as Conversations and Libervia send it.
const PROPOSE = `<message from='romeo@montague.example/orchard' to='juliet@capulet.example' type='chat'>
  <propose xmlns='urn:xmpp:jingle-message:0' id='${ID}'>
    <description xmlns='urn:xmpp:jingle:apps:file-transfer:5'/>
  </propose>
  <store xmlns="urn:xmpp:hints"/>
</message>`;

const RETRACT = `<message from='romeo@montague.example/orchard' to='juliet@capulet.example' type='chat'>
  <retract xmlns='urn:xmpp:jingle-message:0' id='${ID}'>
    <reason xmlns="urn:xmpp:jingle:1">
      <cancel/>
      <text>Retracted</text>
    </reason>
  </retract>
  <store xmlns="urn:xmpp:hints"/>
</message>`;

const REJECT_TIE_BREAK = `<message type='chat'><reject xmlns='${JMI}' id='${ID}'><reason xmlns="urn:xmpp:jingle:1"><expired/></reason><tie-break/></reject></message>`;

// Conversations adds a device element to <proceed/>: ignored.
const PROCEED = `<message type='chat'><proceed xmlns='${JMI}' id='${ID}'><device xmlns='http://gultsch.de/xmpp/drafts/omemo/dlts-srtp-verification' id='1'/></proceed></message>`;

describe('XEP-0353 Jingle Message Initiation', () => {
  it('decodes a propose with its description', () => {
    const message = jingleMessageOf(parseXml(PROPOSE));
    assert.equal(message?.kind, 'propose');
    assert.equal(message?.id, ID);
    assert.equal(
      message?.kind === 'propose' && message.descriptions[0]?.getNS(),
      'urn:xmpp:jingle:apps:file-transfer:5',
    );
  });

  it('decodes retract and reject with their reasons', () => {
    assert.deepEqual(jingleMessageOf(parseXml(RETRACT)), {
      kind: 'retract',
      id: ID,
      reason: { condition: 'cancel', text: 'Retracted' },
    });
    assert.deepEqual(jingleMessageOf(parseXml(REJECT_TIE_BREAK)), {
      kind: 'reject',
      id: ID,
      reason: { condition: 'expired' },
      isTieBreak: true,
    });
  });

  it('decodes proceed, ringing, accept and finish', () => {
    assert.deepEqual(jingleMessageOf(parseXml(PROCEED)), { kind: 'proceed', id: ID });
    for (const kind of ['ringing', 'accept'] as const) {
      assert.deepEqual(decodeJingleMessage(parseXml(`<${kind} xmlns='${JMI}' id='x'/>`)), { kind, id: 'x' });
    }
    assert.deepEqual(
      decodeJingleMessage(
        parseXml(
          `<finish xmlns='${JMI}' id='x'><reason xmlns='urn:xmpp:jingle:1'><success/></reason><migrated to='y'/></finish>`,
        ),
      ),
      { kind: 'finish', id: 'x', reason: { condition: 'success' }, migratedTo: 'y' },
    );
  });

  it('ignores messages without a JMI payload', () => {
    assert.equal(jingleMessageOf(parseXml('<message type="chat"><body>hi</body></message>')), undefined);
  });

  it('encodes the message stanza: type chat, store hint (§3)', () => {
    assert.equal(
      encodeJingleMessageStanza('juliet@capulet.example', {
        kind: 'retract',
        id: ID,
        reason: { condition: 'cancel' },
      }).toString(),
      `<message type="chat" to="juliet@capulet.example"><retract xmlns="${JMI}" id="${ID}"><reason xmlns="urn:xmpp:jingle:1"><cancel/></reason></retract><store xmlns="urn:xmpp:hints"/></message>`,
    );
  });

  it('round-trips every kind', () => {
    const description = parseXml(`<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'/>`);
    const messages: JingleMessage[] = [
      { kind: 'propose', id: ID, descriptions: [description] },
      { kind: 'proceed', id: ID },
      { kind: 'reject', id: ID, reason: { condition: 'busy' }, isTieBreak: true },
      { kind: 'retract', id: ID },
      { kind: 'finish', id: ID, reason: { condition: 'success' } },
    ];
    for (const message of messages) {
      const again = decodeJingleMessage(reparse(encodeJingleMessage(message)));
      assert.equal(encodeJingleMessage(again).toString(), encodeJingleMessage(message).toString());
    }
  });

  it('refuses a missing id, a propose without description, and a bad migrated', () => {
    assertStanzaError(() => decodeJingleMessage(parseXml(`<proceed xmlns='${JMI}'/>`)), /'id'/);
    assertStanzaError(() => decodeJingleMessage(parseXml(`<propose xmlns='${JMI}' id='x'/>`)), /no <description/);
    assertStanzaError(
      () => decodeJingleMessage(parseXml(`<finish xmlns='${JMI}' id='x'><migrated/></finish>`)),
      /'to'/,
    );
  });
});
