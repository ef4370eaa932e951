// RFC 6121: roster management, a full subscription handshake, presence broadcast to subscribers
// and unavailable presence when a session ends.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';
import type { Element } from '@ferry/protocol/xml/element';

const ROSTER = 'jabber:iq:roster';

function rosterItem(iq: Element, jid: string): Element | undefined {
  return iq
    .getChild('query', ROSTER)
    ?.getChildren('item')
    .find((item: Element) => item.attrs.jid === jid);
}

describe('roster and presence', () => {
  let ferry: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  before(async () => {
    ferry = await startTestServer();
    await ferry.addUser('alice');
    await ferry.addUser('bob');
    alice = await connectClient({ port: ferry.ports.c2s, username: 'alice', resource: 'a' });
    bob = await connectClient({ port: ferry.ports.c2s, username: 'bob', resource: 'b' });
    for (const client of [alice, bob]) {
      await client.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })), 5_000);
    }
  });
  after(async () => {
    await alice.stop();
    await bob.stop();
    await ferry.stop();
  });

  it('adds a contact with a roster set and pushes it', async () => {
    await alice.xmpp.iqCaller.request(
      xml(
        'iq',
        { type: 'set' },
        xml(
          'query',
          { xmlns: ROSTER },
          xml('item', { jid: 'bob@localhost', name: 'Bob' }, xml('group', null, 'Friends')),
        ),
      ),
      5_000,
    );
    const push = await alice.waitFor(
      (s) => s.is('iq') && s.attrs.type === 'set' && rosterItem(s, 'bob@localhost') !== undefined,
      'roster push',
    );
    const item = rosterItem(push, 'bob@localhost')!;
    assert.equal(item.attrs.name, 'Bob');
    assert.equal(item.attrs.subscription, 'none');
    assert.equal(item.getChildText('group'), 'Friends');
  });

  it('runs a subscription handshake and then broadcasts presence to the subscriber', async () => {
    await alice.xmpp.send(xml('presence', { to: 'bob@localhost', type: 'subscribe' }));
    const request = await bob.waitFor((s) => s.is('presence') && s.attrs.type === 'subscribe', 'subscription request');
    assert.equal(request.attrs.from, 'alice@localhost');
    await bob.xmpp.send(xml('presence', { to: 'alice@localhost', type: 'subscribed' }));
    await alice.waitFor((s) => s.is('presence') && s.attrs.type === 'subscribed', 'subscribed');
    // On approval alice also receives bob's current presence (RFC 6121 §3.1.5).
    await alice.waitFor(
      (s) => s.is('presence') && !s.attrs.type && s.attrs.from === 'bob@localhost/b',
      "bob's presence",
    );

    const roster = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })),
      5_000,
    );
    assert.equal(rosterItem(roster, 'bob@localhost')?.attrs.subscription, 'to');
    const bobRoster = await bob.xmpp.iqCaller.request(
      xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })),
      5_000,
    );
    assert.equal(rosterItem(bobRoster, 'alice@localhost')?.attrs.subscription, 'from');

    await bob.xmpp.send(xml('presence', { id: 'away-1' }, xml('show', null, 'away')));
    const away = await alice.waitFor((s) => s.is('presence') && s.attrs.id === 'away-1', 'broadcast presence');
    assert.equal(away.attrs.from, 'bob@localhost/b');
    assert.equal(away.getChildText('show'), 'away');
  });

  it('sends unavailable presence to subscribers when a session ends', async () => {
    const second = await connectClient({ port: ferry.ports.c2s, username: 'bob', resource: 'second' });
    await alice.waitFor(
      (s) => s.is('presence') && s.attrs.from === 'bob@localhost/second' && !s.attrs.type,
      'second resource online',
    );
    await second.stop();
    await alice.waitFor(
      (s) => s.is('presence') && s.attrs.from === 'bob@localhost/second' && s.attrs.type === 'unavailable',
      'unavailable',
    );
  });

  it('answers an unchanged roster version with an empty result', async () => {
    const first = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER, ver: '' })),
      5_000,
    );
    const ver = first.getChild('query', ROSTER)?.attrs.ver as string;
    assert.ok(ver);
    const second = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER, ver })),
      5_000,
    );
    assert.equal(second.getChild('query'), undefined);
  });

  it("forbids reading someone else's roster", async () => {
    await assert.rejects(
      alice.xmpp.iqCaller.request(
        xml('iq', { type: 'get', to: 'bob@localhost' }, xml('query', { xmlns: ROSTER })),
        5_000,
      ),
      (error: { condition?: string }) => error.condition === 'forbidden',
    );
  });

  it('removes a contact, cancelling the subscription', async () => {
    await alice.xmpp.iqCaller.request(
      xml(
        'iq',
        { type: 'set' },
        xml('query', { xmlns: ROSTER }, xml('item', { jid: 'bob@localhost', subscription: 'remove' })),
      ),
      5_000,
    );
    await alice.waitFor(
      (s) => s.is('iq') && rosterItem(s, 'bob@localhost')?.attrs.subscription === 'remove',
      'remove push',
    );
    const bobRoster = await bob.xmpp.iqCaller.request(
      xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })),
      5_000,
    );
    assert.equal(rosterItem(bobRoster, 'alice@localhost')?.attrs.subscription ?? 'none', 'none');
  });
});
