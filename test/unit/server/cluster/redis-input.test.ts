// Everything read from Redis is checked before use: session entries, session events, inbox entries.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Jid } from '@ferry/protocol/jid';
import { xml } from '@ferry/protocol/xml/element';
import {
  MAX_PRESENCE_BYTES,
  decodeEntry,
  decodeEvent,
  encodeEntry,
  encodeEvent,
  storedPresence,
  type SessionEntry,
} from '../../../../src/server/cluster/session-entry.js';
import { closeFields, decodeEnvelope, stanzaFields } from '../../../../src/server/cluster/envelope.js';

const entry: SessionEntry = {
  node: 'node-a',
  sid: 'f3c1',
  priority: 5,
  presence: '<presence><show>away</show></presence>',
  isRosterRequested: true,
};
const alice = Jid.parse('alice@localhost/phone');

describe('session entries and events from Redis', () => {
  it('round-trip what this node writes', () => {
    assert.deepEqual(decodeEntry(encodeEntry(entry)), entry);
    const event = decodeEvent(encodeEvent({ op: 'set', jid: alice, entry }), 'localhost');
    assert.equal(event?.op, 'set');
    assert.deepEqual(event?.op === 'set' ? [event.jid.toString(), event.entry] : [], [alice.toString(), entry]);
    assert.deepEqual(decodeEvent(encodeEvent({ op: 'gone', node: 'node-b' }), 'localhost'), {
      op: 'gone',
      node: 'node-b',
    });
  });

  for (const [what, text] of [
    ['not JSON', '{"s":'],
    ['an array', '[1,2]'],
    ['a priority out of range', JSON.stringify({ s: 'x', n: 'a', p: 300, x: '', r: 0 })],
    ['a node id with a space', JSON.stringify({ s: 'x', n: 'a b', p: 0, x: '', r: 0 })],
    ['an oversized presence', JSON.stringify({ s: 'x', n: 'a', p: 0, x: 'x'.repeat(MAX_PRESENCE_BYTES + 1), r: 0 })],
    ['a wrong flag', JSON.stringify({ s: 'x', n: 'a', p: 0, x: '', r: 'yes' })],
  ] as const) {
    it(`drops an entry that is ${what}`, () => assert.equal(decodeEntry(text), undefined));
  }

  for (const [what, text] of [
    ['for another domain', encodeEvent({ op: 'set', jid: Jid.parse('alice@evil.example/x'), entry })],
    ['for a bare JID', JSON.stringify({ o: 'set', j: 'alice@localhost', e: encodeEntry(entry) })],
    ['of an unknown kind', JSON.stringify({ o: 'flush', n: 'a' })],
    ['with a broken entry', JSON.stringify({ o: 'set', j: 'alice@localhost/x', e: '{' })],
  ] as const) {
    it(`drops an event ${what}`, () => assert.equal(decodeEvent(text, 'localhost'), undefined));
  }

  it('stores a large presence reduced to show, status, priority and caps', () => {
    const presence = xml(
      'presence',
      {},
      xml('show', null, 'dnd'),
      xml('c', { xmlns: 'http://jabber.org/protocol/caps', ver: 'abc' }),
      xml('x', { xmlns: 'urn:example:big' }, 'y'.repeat(MAX_PRESENCE_BYTES)),
    );
    const stored = storedPresence(presence)!;
    assert.ok(Buffer.byteLength(stored) <= MAX_PRESENCE_BYTES);
    assert.match(stored, /<show>dnd<\/show>/);
    assert.match(stored, /ver="abc"/);
    assert.doesNotMatch(stored, /urn:example:big/);
    assert.equal(presence.getChildElements().length, 3, 'the session keeps its own presence whole');
  });
});

describe('inbox entries from Redis', () => {
  const stanza = xml('message', { to: 'alice@localhost', id: 'm1' }, xml('body', null, 'hi'));

  it('round-trip a forwarded stanza and a close request', () => {
    const decoded = decodeEnvelope(stanzaFields(alice, stanza), 'localhost', 10_000);
    assert.equal(decoded?.kind, 'stanza');
    assert.equal(decoded?.to.toString(), alice.toString());
    assert.equal(decoded?.kind === 'stanza' ? decoded.stanza.toString() : '', stanza.toString());
    assert.equal(decoded?.kind === 'stanza' ? decoded.hops : -1, 0);
    const again = decodeEnvelope(stanzaFields(alice, stanza, 1), 'localhost', 10_000);
    assert.equal(again?.kind === 'stanza' ? again.hops : -1, 1);
    const close = decodeEnvelope(closeFields(alice, 'sid1', 'not-authorized', 'account removed'), 'localhost', 10_000);
    assert.deepEqual(close, {
      kind: 'close',
      to: alice,
      sid: 'sid1',
      condition: 'not-authorized',
      text: 'account removed',
    });
  });

  for (const [what, fields] of [
    ['not a list', 'v'],
    ['of odd length', ['v', '1', 'k']],
    ['of another version', ['v', '2', 'k', 'stanza', 'to', 'alice@localhost/phone', 's', '<message/>']],
    ['for another domain', ['v', '1', 'k', 'stanza', 'to', 'alice@evil.example/phone', 's', '<message/>']],
    ['not XML', ['v', '1', 'k', 'stanza', 'to', 'alice@localhost/phone', 's', '<message']],
    ['not a stanza', ['v', '1', 'k', 'stanza', 'to', 'alice@localhost/phone', 's', '<stream:features/>']],
    [
      'too large',
      ['v', '1', 'k', 'stanza', 'to', 'alice@localhost/phone', 's', `<message>${'x'.repeat(30_000)}</message>`],
    ],
    [
      'a close with an unknown condition',
      ['v', '1', 'k', 'close', 'to', 'alice@localhost/phone', 'sid', 'x', 'c', 'boom'],
    ],
    ['forwarded too often', ['v', '1', 'k', 'stanza', 'to', 'alice@localhost/phone', 'h', '2', 's', '<message/>']],
    [
      'with a hop count that is not one',
      ['v', '1', 'k', 'stanza', 'to', 'alice@localhost/phone', 'h', '-1', 's', '<message/>'],
    ],
    ['with a non-string value', ['v', '1', 'k', 'stanza', 'to', 7, 's', '<message/>']],
  ] as const) {
    it(`drops an entry ${what}`, () => assert.equal(decodeEnvelope(fields, 'localhost', 10_000), undefined));
  }
});
