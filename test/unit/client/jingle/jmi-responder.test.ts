// The XEP-0353 responder on a fake connection: message in, messages out, as XML. A proposal for
// file transfer is answered <proceed/> to the initiator's full JID while the application listens
// for offers, <reject/> otherwise or past the table's bound; other applications' proposals,
// rooms, errors and ourselves get nothing; a retract marks the proposal for the session-initiate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Jid } from '@ferry/protocol/jid';
import type { XmppConnection } from '@ferry/client/internal/connection';
import { JmiResponder } from '@ferry/client/internal/jingle/jmi-responder';
import type { Element } from '@ferry/protocol/xml/element';
import { parseXml } from '../../protocol/payloads/fixtures.js';

const SELF = 'juliet@capulet.example/balcony';
const ROMEO = 'romeo@montague.example/orchard';
const JMI = 'urn:xmpp:jingle-message:0';

function fakeConnection() {
  const sent: Element[] = [];
  let listener: ((message: Element) => void) | undefined;
  const connection: XmppConnection = {
    jid: Jid.parse(SELF),
    localAddress: undefined,
    send: async (stanza) => {
      sent.push(stanza);
    },
    request: () => Promise.reject(new Error('no requests here')),
    onIq: () => () => {},
    onDisconnect: () => () => {},
    onMessage: (next) => {
      listener = next;
      return () => (listener = undefined);
    },
    onPresence: () => () => {},
    addPresenceFilter: () => () => {},
    stop: async () => {},
  };
  return { connection, sent, deliver: (xml: string) => listener?.(parseXml(xml)) };
}

const propose = (id: string, from = ROMEO, description = 'urn:xmpp:jingle:apps:file-transfer:5', type = 'chat') =>
  `<message from='${from}' to='juliet@capulet.example' type='${type}'><propose xmlns='${JMI}' id='${id}'><description xmlns='${description}'/></propose><store xmlns='urn:xmpp:hints'/></message>`;

/** The sent message without its random id, as text. */
const shown = (stanza: Element | undefined) => {
  assert.ok(stanza, 'a message was sent');
  const copy = parseXml(stanza.toString());
  delete copy.attrs.id;
  return copy.toString();
};

describe('JmiResponder', () => {
  it('proceeds to the full JID while offers are listened for; the session-initiate then finds it pending', () => {
    const fake = fakeConnection();
    const responder = new JmiResponder(fake.connection, { wantsOffers: () => true, now: () => 0 });
    fake.deliver(propose('a'));
    assert.equal(
      shown(fake.sent[0]),
      `<message type="chat" to="${ROMEO}"><proceed xmlns="${JMI}" id="a"/><store xmlns="urn:xmpp:hints"/></message>`,
    );
    fake.deliver(propose('a')); // a repeat is answered once
    assert.equal(fake.sent.length, 1);
    assert.equal(responder.initiated(ROMEO, 'a'), 'pending');
    assert.equal(responder.initiated(ROMEO, 'a'), undefined);
    responder.close();
  });

  it('rejects with <busy/> when nobody listens for offers', () => {
    const fake = fakeConnection();
    new JmiResponder(fake.connection, { wantsOffers: () => false });
    fake.deliver(propose('b'));
    assert.equal(
      shown(fake.sent[0]),
      `<message type="chat" to="${ROMEO}"><reject xmlns="${JMI}" id="b"><reason xmlns="urn:xmpp:jingle:1"><busy/><text>not taking files now</text></reason></reject><store xmlns="urn:xmpp:hints"/></message>`,
    );
  });

  it('a retract before the session-initiate: that sid is reported retracted', () => {
    const fake = fakeConnection();
    const responder = new JmiResponder(fake.connection, { wantsOffers: () => true, now: () => 0 });
    fake.deliver(propose('c'));
    fake.deliver(
      `<message from='${ROMEO}' type='chat'><retract xmlns='${JMI}' id='c'><reason xmlns='urn:xmpp:jingle:1'><cancel/></reason></retract></message>`,
    );
    assert.equal(responder.initiated(ROMEO, 'c'), 'retracted');
  });

  it('past the bound per account, further proposals are rejected', () => {
    const fake = fakeConnection();
    new JmiResponder(fake.connection, { wantsOffers: () => true, now: () => 0, limits: { maxPerPeer: 2 } });
    for (const id of ['1', '2', '3']) fake.deliver(propose(id));
    assert.deepEqual(
      fake.sent.map((stanza) => stanza.getChildElements()[0]?.getName()),
      ['proceed', 'proceed', 'reject'],
    );
    assert.equal(fake.sent[2]?.getChildElements()[0]?.getChild('reason')?.getChildText('text'), 'too many proposals');
  });

  it('answers nothing for calls, rooms, bare or own JIDs, and malformed payloads', () => {
    const fake = fakeConnection();
    new JmiResponder(fake.connection, { wantsOffers: () => true });
    fake.deliver(propose('rtp', ROMEO, 'urn:xmpp:jingle:apps:rtp:1'));
    fake.deliver(propose('muc', 'room@muc.example/romeo', undefined, 'groupchat'));
    fake.deliver(propose('bare', 'romeo@montague.example'));
    fake.deliver(propose('self', SELF));
    fake.deliver(`<message from='${ROMEO}' type='chat'><propose xmlns='${JMI}'/></message>`);
    fake.deliver(`<message from='${ROMEO}' type='error'>${propose('err')}</message>`);
    assert.deepEqual(fake.sent, []);
  });

  it('COMPAT: an empty file-transfer <description/> (Libervia 0.9) is enough', () => {
    const fake = fakeConnection();
    new JmiResponder(fake.connection, { wantsOffers: () => true });
    fake.deliver(propose('lv', ROMEO, 'urn:xmpp:jingle:apps:file-transfer:5'));
    assert.equal(fake.sent[0]?.getChildElements()[0]?.getName(), 'proceed');
  });
});
