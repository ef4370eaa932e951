// XEP-0030 replies derived from loaded modules; XEP-0199 ping; XEP-0092 version; unhandled IQs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';
import type { Element } from '@ferry/protocol/xml/element';

describe('disco, ping, version', () => {
  let ferry: TestServer;
  let alice: TestClient;
  before(async () => {
    ferry = await startTestServer();
    await ferry.addUser('alice');
    alice = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
  });
  after(async () => {
    await alice.stop();
    await ferry.stop();
  });

  it('lists the features of loaded modules in disco#info', async () => {
    const result = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })),
      5_000,
    );
    const query = result.getChild('query')!;
    const features = query.getChildren('feature').map((f: Element) => f.attrs.var);
    for (const feature of [
      'urn:xmpp:ping',
      'jabber:iq:version',
      'jabber:iq:roster',
      'http://jabber.org/protocol/disco#items',
    ]) {
      assert.ok(features.includes(feature), `advertises ${feature}`);
    }
    assert.ok(!features.includes('jabber:iq:register'), 'in-band registration is off by default');
    const identity = query.getChild('identity')!;
    assert.deepEqual([identity.attrs.category, identity.attrs.type], ['server', 'im']);
  });

  it('answers a ping to the server and to an account', async () => {
    for (const to of ['localhost', 'alice@localhost']) {
      const pong = await alice.xmpp.iqCaller.request(
        xml('iq', { type: 'get', to }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
        5_000,
      );
      assert.equal(pong.attrs.type, 'result');
    }
  });

  it('tells its software version', async () => {
    const result = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'jabber:iq:version' })),
      5_000,
    );
    assert.equal(result.getChild('query')?.getChildText('name'), 'Ferry');
  });

  it('answers an unknown IQ to the server with service-unavailable', async () => {
    await assert.rejects(
      alice.xmpp.iqCaller.request(
        xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'urn:example:nothing' })),
        5_000,
      ),
      (error: { condition?: string }) => error.condition === 'service-unavailable',
    );
  });

  it('answers an IQ to a foreign domain with remote-server-not-found', async () => {
    await assert.rejects(
      alice.xmpp.iqCaller.request(
        xml('iq', { type: 'get', to: 'example.org' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
        5_000,
      ),
      (error: { condition?: string }) => error.condition === 'remote-server-not-found',
    );
  });

  it('answers an IQ with two payloads with bad-request', async () => {
    await assert.rejects(
      alice.xmpp.iqCaller.request(
        xml(
          'iq',
          { type: 'get', to: 'localhost' },
          xml('ping', { xmlns: 'urn:xmpp:ping' }),
          xml('ping', { xmlns: 'urn:xmpp:ping' }),
        ),
        5_000,
      ),
      (error: { condition?: string }) => error.condition === 'bad-request',
    );
  });
});
