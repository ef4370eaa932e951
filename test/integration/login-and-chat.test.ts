// Two xmpp.js clients log in over each transport and exchange messages, presence and IQs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';

describe('login and chat', () => {
  let ferry: TestServer;
  before(async () => {
    ferry = await startTestServer({ 'http.require_tls': false });
    await ferry.addUser('alice');
    await ferry.addUser('bob');
  });
  after(() => ferry.stop());

  const pairs = [
    { name: 'TCP with STARTTLS', transport: 'tcp' as const, port: () => ferry.ports.c2s },
    { name: 'WebSocket (RFC 7395)', transport: 'websocket' as const, port: () => ferry.ports.http },
  ];

  for (const { name, transport, port } of pairs) {
    describe(name, () => {
      let alice: TestClient;
      let bob: TestClient;
      before(async () => {
        alice = await connectClient({ port: port(), username: 'alice', resource: 'laptop', transport });
        bob = await connectClient({ port: port(), username: 'bob', resource: 'phone', transport });
      });
      after(async () => {
        await alice.stop();
        await bob.stop();
      });

      it('binds the requested resource', () => {
        assert.equal(alice.jid, 'alice@localhost/laptop');
        assert.equal(bob.jid, 'bob@localhost/phone');
      });

      it('delivers a chat message to the bare JID with from stamped by the server', async () => {
        await alice.xmpp.send(
          xml('message', { to: 'bob@localhost', type: 'chat', id: `m-${transport}` }, xml('body', null, 'hello bob')),
        );
        const message = await bob.waitFor((s) => s.is('message') && s.attrs.id === `m-${transport}`, 'message');
        assert.equal(message.attrs.from, 'alice@localhost/laptop');
        assert.equal(message.getChildText('body'), 'hello bob');
      });

      it('routes an IQ to a full JID and the result back', async () => {
        bob.xmpp.iqCallee.get('urn:example:echo', 'echo', ({ element }) =>
          xml('echo', { xmlns: 'urn:example:echo' }, element.getText()),
        );
        const result = await alice.xmpp.iqCaller.request(
          xml(
            'iq',
            { type: 'get', to: 'bob@localhost/phone', id: `iq-${transport}` },
            xml('echo', { xmlns: 'urn:example:echo' }, 'ping'),
          ),
          5_000,
        );
        assert.equal(result.attrs.from, 'bob@localhost/phone');
        assert.equal(result.getChild('echo')?.getText(), 'ping');
      });

      it('answers service-unavailable for an IQ to an offline resource', async () => {
        await assert.rejects(
          alice.xmpp.iqCaller.request(
            xml('iq', { type: 'get', to: 'bob@localhost/nowhere' }, xml('query', { xmlns: 'urn:example:x' })),
            5_000,
          ),
          (error: { condition?: string }) => error.condition === 'service-unavailable',
        );
      });

      it('delivers directed presence', async () => {
        await alice.xmpp.send(
          xml('presence', { to: 'bob@localhost/phone', id: `p-${transport}` }, xml('status', null, 'here')),
        );
        const presence = await bob.waitFor(
          (s) => s.is('presence') && s.attrs.id === `p-${transport}`,
          'directed presence',
        );
        assert.equal(presence.attrs.from, 'alice@localhost/laptop');
        assert.equal(presence.getChildText('status'), 'here');
      });
    });
  }

  it('logs in over direct TLS (XEP-0368)', async () => {
    const { client } = await import('@xmpp/client');
    const xmpp = client({
      service: `xmpps://127.0.0.1:${ferry.ports.directTls}`,
      domain: 'localhost',
      username: 'alice',
      password: 'correct horse battery staple',
      resource: 'tls',
    });
    xmpp.reconnect.stop();
    xmpp.on('error', () => {});
    const address = await xmpp.start();
    assert.equal(address.toString(), 'alice@localhost/tls');
    await xmpp.stop();
  });

  it('refuses a wrong password with not-authorized', async () => {
    await assert.rejects(
      connectClient({ port: ferry.ports.c2s, username: 'alice', password: 'wrong password' }),
      (error: { condition?: string }) => error.condition === 'not-authorized',
    );
  });

  it('refuses an unknown account with not-authorized', async () => {
    await assert.rejects(
      connectClient({ port: ferry.ports.c2s, username: 'mallory' }),
      (error: { condition?: string }) => error.condition === 'not-authorized',
    );
  });
});
