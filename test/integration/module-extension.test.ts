// A module written with nothing but the extension points — its own store, an HTTP route, an
// outbound filter and a disco form — loaded beside the built-in modules without any change to
// the core. It counts the messages delivered to each account, persists the counts, serves them
// over HTTPS and announces itself in the server's disco#info.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NS } from '@ferry/protocol/namespaces';
import { decodeDiscoInfo, extensionForm, findExtensionForm } from '@ferry/protocol/payloads/disco';
import { findField } from '@ferry/protocol/payloads/data-form';
import { defineModule } from '../../src/server/core/module.js';
import { KeyedQueue } from '../../src/server/core/keyed-queue.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';

const FORM_TYPE = 'urn:example:delivery-stats';

const deliveryStats = defineModule({
  name: 'delivery_stats',
  spec: { rfc: 6120, title: 'example: delivery statistics', status: 'complete' },
  depends: ['disco'],
  async setup(ctx) {
    const counts = await ctx.openKeyValue<{ delivered: number }>({ name: 'counts' });
    const writes = new KeyedQueue();
    ctx.onTeardown(() => writes.idle());

    ctx.addOutboundFilter((stanza, to) => {
      if (stanza.name !== 'message') return stanza;
      const user = to.jid.local;
      void writes.run(user, async () => {
        const delivered = ((await counts.get(user, 'messages'))?.delivered ?? 0) + 1;
        await counts.set(user, 'messages', { delivered });
      });
      return stanza;
    });

    ctx.http.route({
      method: 'GET',
      prefix: '/delivery-stats',
      secureOnly: true,
      handler: async (request, response) => {
        const user = request.segments[0] ?? '';
        await writes.idle();
        const entry = await counts.get(user, 'messages');
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ user, delivered: entry?.delivered ?? 0 }));
      },
    });

    ctx
      .require('disco')
      .addServerForm(extensionForm(FORM_TYPE, [{ var: 'path', values: ['/delivery-stats/'], options: [] }]));
  },
});

function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    // Trust the test server's self-signed certificate for this request only.
    const request = get({ host: '127.0.0.1', port, path, rejectUnauthorized: false, timeout: 5_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} timed out`)));
    request.on('error', reject);
  });
}

describe('a module built only from extension points', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-extension-'));
  let ferry: TestServer;
  let alice: TestClient;
  let bob: TestClient;

  const start = () => startTestServer({ data_dir: dataDir }, { extraModules: [deliveryStats] });

  before(async () => {
    ferry = await start();
    await ferry.addUser('alice');
    await ferry.addUser('bob');
    alice = await connectClient({ port: ferry.ports.c2s, username: 'alice', resource: 'a' });
    bob = await connectClient({ port: ferry.ports.c2s, username: 'bob', resource: 'b' });
  });
  after(async () => {
    await alice?.stop();
    await bob?.stop();
    await ferry?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sees every message on its way out and counts it in its own store, served over its own route', async () => {
    for (const id of ['m1', 'm2']) {
      await alice.xmpp.send(xml('message', { to: 'bob@localhost/b', type: 'chat', id }, xml('body', null, id)));
      await bob.waitFor((stanza) => stanza.attrs.id === id, `message ${id}`);
    }
    assert.deepEqual(await getJson(ferry.ports.https, '/delivery-stats/bob'), {
      status: 200,
      body: { user: 'bob', delivered: 2 },
    });
    assert.deepEqual((await getJson(ferry.ports.https, '/delivery-stats/alice')).body, { user: 'alice', delivered: 0 });
  });

  it("announces itself with a XEP-0128 form in the server's disco#info", async () => {
    const answer = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })),
      5_000,
    );
    const form = findExtensionForm(decodeDiscoInfo(answer.getChild('query', NS.DISCO_INFO)!), FORM_TYPE);
    assert.deepEqual(form && findField(form, 'path')?.values, ['/delivery-stats/']);
  });

  it('keeps its data across a restart', async () => {
    await alice.stop();
    await bob.stop();
    await ferry.stop();
    ferry = await start();
    alice = await connectClient({ port: ferry.ports.c2s, username: 'alice', resource: 'a' });
    bob = await connectClient({ port: ferry.ports.c2s, username: 'bob', resource: 'b' });
    assert.deepEqual((await getJson(ferry.ports.https, '/delivery-stats/bob')).body, { user: 'bob', delivered: 2 });
  });
});
