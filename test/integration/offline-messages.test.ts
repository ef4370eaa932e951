// RFC 6121 §8.5.2.2 / XEP-0160: a message to an offline account is stored and delivered, with a
// delay stamp, when the account next sends available presence.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml } from '../helpers/xmpp-client.js';

describe('offline messages', () => {
  let ferry: TestServer;
  before(async () => {
    ferry = await startTestServer();
    await ferry.addUser('alice');
    await ferry.addUser('bob');
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
    assert.equal(await ferry.server.storage.offline.count('bob'), 1);
    await alice.stop();

    const bob = await connectClient({ port: ferry.ports.c2s, username: 'bob' });
    const message = await bob.waitFor((s) => s.is('message') && s.attrs.id === 'offline-1', 'offline message');
    assert.equal(message.getChildText('body'), 'while you were out');
    assert.match(message.attrs.from as string, /^alice@localhost\//);
    const delay = message.getChild('delay', 'urn:xmpp:delay');
    assert.ok(delay, 'carries a XEP-0203 delay');
    assert.ok(!Number.isNaN(Date.parse(delay.attrs.stamp as string)));
    assert.equal(await ferry.server.storage.offline.count('bob'), 0);
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
});
