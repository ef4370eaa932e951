// RFC 6121 §8.5.2.2 / XEP-0160: a message to an offline account is stored and delivered, with a
// delay stamp, when the account next sends available presence.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';
import { openRawSession } from '../helpers/raw-stream.js';

/** Checks `condition` until it holds, for at most 5 s (the server acts on the client's answer). */
async function waitUntil(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('offline messages', () => {
  let ferry: TestServer;
  before(async () => {
    ferry = await startTestServer({ 'modules.message.max_offline_bytes_per_user': 1024 * 1024 });
    for (const user of ['alice', 'bob', 'carol', 'dave']) await ferry.addUser(user);
  });
  after(() => ferry.stop());

  it('stores a message for an offline account and delivers it at next login with a delay', async () => {
    const alice = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
    await alice.xmpp.send(
      xml('message', { to: 'bob@localhost', type: 'chat', id: 'offline-1' }, xml('body', null, 'while you were out')),
    );
    // The server has it once the message round-trips behind a ping.
    await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      5_000,
    );
    assert.equal((await ferry.server.storage.offline.usage('bob')).count, 1);
    await alice.stop();

    const bob = await connectClient({ port: ferry.ports.c2s, username: 'bob' });
    const message = await bob.waitFor((s) => s.is('message') && s.attrs.id === 'offline-1', 'offline message');
    assert.equal(message.getChildText('body'), 'while you were out');
    assert.match(message.attrs.from as string, /^alice@localhost\//);
    const delay = message.getChild('delay', 'urn:xmpp:delay');
    assert.ok(delay, 'carries a XEP-0203 delay');
    assert.ok(!Number.isNaN(Date.parse(delay.attrs.stamp as string)));
    // Deleted once bob's client answered the ping that followed the batch (xmpp.js answers pings).
    await waitUntil(
      async () => (await ferry.server.storage.offline.usage('bob')).count === 0,
      'deletion after the ack',
    );
    await bob.stop();
  });

  it('bounces a message to an unknown account with service-unavailable', async () => {
    const alice = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
    await alice.xmpp.send(
      xml('message', { to: 'nobody@localhost', type: 'chat', id: 'lost-1' }, xml('body', null, 'hello?')),
    );
    const bounce = await alice.waitFor((s) => s.is('message') && s.attrs.id === 'lost-1', 'bounce');
    assert.equal(bounce.attrs.type, 'error');
    assert.ok(bounce.getChild('error')?.getChild('service-unavailable', 'urn:ietf:params:xml:ns:xmpp-stanzas'));
    await alice.stop();
  });

  it('keeps every offline message when the connection drops during delivery', async (t) => {
    const alice = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
    const count = 1_000;
    for (let i = 0; i < count; i++) {
      await alice.xmpp.send(
        xml('message', { to: 'carol@localhost', type: 'chat', id: `m${i}` }, xml('body', null, `n${i}`)),
      );
    }
    await pingServer(alice);
    assert.equal((await ferry.server.storage.offline.usage('carol')).count, count);

    // Carol's first client goes available, reads the start of the batch, and its connection drops.
    const raw = await openRawSession(ferry.ports.directTls, 'carol', 'flaky');
    raw.write('<presence/>');
    await raw.waitForText('id="m0"');
    raw.socket.destroy();
    await raw.closed;
    const kept = (await ferry.server.storage.offline.usage('carol')).count;
    t.diagnostic(`messages kept after the dropped delivery: ${kept} of ${count}`);
    assert.equal(kept, count);

    // At the next login every one of them arrives, in order, and only then is the store emptied.
    const carol = await connectClient({ port: ferry.ports.c2s, username: 'carol', resource: 'again' });
    const ids: string[] = [];
    await carol.waitFor((s) => {
      if (s.is('message') && s.getChild('delay', 'urn:xmpp:delay')) ids.push(s.attrs.id as string);
      return ids.length === count;
    }, 'the whole batch');
    assert.deepEqual(
      ids,
      Array.from({ length: count }, (_, i) => `m${i}`),
    );
    await waitUntil(
      async () => (await ferry.server.storage.offline.usage('carol')).count === 0,
      'deletion after the ack',
    );
    await carol.stop();
    await alice.stop();
  });

  it('caps what one account stores offline by bytes, bouncing the rest with service-unavailable', async (t) => {
    const alice = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
    const body = 'x'.repeat(200_000);
    for (let i = 0; i < 8; i++) {
      await alice.xmpp.send(
        xml('message', { to: 'dave@localhost', type: 'chat', id: `big${i}` }, xml('body', null, body)),
      );
    }
    const bounce = await alice.waitFor((s) => s.is('message') && s.attrs.type === 'error', 'a bounce');
    assert.ok(bounce.getChild('error')?.getChild('service-unavailable', 'urn:ietf:params:xml:ns:xmpp-stanzas'));
    await pingServer(alice);
    const { count, bytes } = await ferry.server.storage.offline.usage('dave');
    t.diagnostic(`stored for dave: ${count} messages, ${bytes} bytes (cap 1 MiB)`);
    assert.equal(count, 5);
    assert.ok(bytes <= 1024 * 1024);
    await alice.stop();
  });
});

async function pingServer(client: TestClient): Promise<void> {
  await client.xmpp.iqCaller.request(
    xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
    10_000,
  );
}
