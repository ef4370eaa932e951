// An account with the largest roster allowed (modules.roster.max_items, default 1,000): the next
// item is refused with not-allowed; its presence broadcasts and its roster result do not hold up
// another user, whose pings are all answered (the worst round trip is the figure).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';

const MAX_ITEMS = 1_000;
const BROADCASTS = 20;

const rosterSet = (jid: string) =>
  xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid })));

describe('an account with the largest roster allowed', () => {
  let ferry: TestServer;
  let big: TestClient;
  let other: TestClient;
  before(async () => {
    ferry = await startTestServer();
    for (const user of ['big', 'other']) await ferry.addUser(user);
    big = await connectClient({ port: ferry.ports.c2s, username: 'big' });
    other = await connectClient({ port: ferry.ports.c2s, username: 'other' });
  });
  after(async () => {
    await big.stop();
    await other.stop();
    await ferry.stop();
  });

  it('refuses the item past the cap with not-allowed, and its broadcasts do not hold up another user', async (t) => {
    // Filled over the wire, 100 requests in flight at a time; `other` is one of the contacts.
    const jids = ['other@localhost', ...Array.from({ length: MAX_ITEMS - 1 }, (_, i) => `contact${i}@example.org`)];
    for (let i = 0; i < jids.length; i += 100) {
      await Promise.all(jids.slice(i, i + 100).map((jid) => big.xmpp.iqCaller.request(rosterSet(jid), 30_000)));
    }
    await assert.rejects(big.xmpp.iqCaller.request(rosterSet('one-too-many@example.org'), 10_000), {
      condition: 'not-allowed',
    });
    // Every contact a subscriber, so that each presence goes through the whole roster.
    for (const item of await ferry.server.storage.roster.items('big')) {
      await ferry.server.storage.roster.put('big', { ...item, subscription: 'from' });
    }

    const rosterStarted = performance.now();
    const result = await big.xmpp.iqCaller.request(
      xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })),
      30_000,
    );
    const rosterMs = performance.now() - rosterStarted;
    const rosterItems = result.getChild('query')!.getChildren('item').length;
    const rosterBytes = result.toString().length;

    const received = () => other.received.filter((s) => s.is('presence') && s.attrs.from === big.jid).length;
    const before = received();
    for (let i = 0; i < BROADCASTS; i++) void big.xmpp.send(xml('presence', {}, xml('status', {}, `update ${i}`)));
    const rounds: number[] = [];
    for (let i = 0; i < 2 * BROADCASTS; i++) {
      const started = performance.now();
      await other.xmpp.iqCaller.request(
        xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
        10_000,
      );
      rounds.push(performance.now() - started);
    }
    await other.waitFor(() => received() - before >= BROADCASTS, `${BROADCASTS} presence updates from big`, 30_000);
    t.diagnostic(
      `roster of ${rosterItems} items (${(rosterBytes / 1024).toFixed(0)} KiB) answered in ${rosterMs.toFixed(0)} ms; ` +
        `${rounds.length} pings during ${BROADCASTS} broadcasts to ${MAX_ITEMS} subscribers: worst round trip ` +
        `${Math.max(...rounds).toFixed(1)} ms, median ${rounds.sort((a, b) => a - b)[rounds.length >> 1]!.toFixed(1)} ms`,
    );
    assert.equal(rosterItems, MAX_ITEMS);
    assert.equal(rounds.length, 2 * BROADCASTS, 'every ping answered');
  });
});
