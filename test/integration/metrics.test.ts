// The metrics module on a real server: /metrics is off by default, refused (403) to addresses
// outside `allow` and to requests without the token when one is set, served to loopback; its
// counters move as a login, a message, a SOCKS5 relay, IBB stanzas and an HTTP upload happen; and the text is
// valid Prometheus exposition format (checked by a strict parser, test/helpers/prometheus-text.ts).
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NS } from '@ferry/protocol/namespaces';
import { https, iqGet, readSlot } from '../helpers/http-upload-client.js';
import { parsePrometheusText, valueOf, type Family } from '../helpers/prometheus-text.js';
import { proxyTransfer } from '../helpers/proxy-transfer.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';

const TOKEN = 'a-scrape-token-of-some-length';

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** GET on the plain HTTP listener, from 127.0.0.1 (or ::1 with `host`). */
function get(port: number, path: string, headers: Record<string, string> = {}, host = '127.0.0.1'): Promise<Answer> {
  const done = new Promise<Answer>((resolve, reject) => {
    const outgoing = request({ host, port, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: response.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
  return withTimeout(done, 10_000, `GET ${path}`);
}

async function scrape(ts: TestServer, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const answer = await get(ts.ports.http, '/metrics', headers);
  assert.equal(answer.status, 200, answer.body);
  assert.match(answer.contentType ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(answer.body);
}

describe('metrics: access', () => {
  it('is off by default: no /metrics route', async () => {
    const ts = await startTestServer();
    try {
      assert.equal((await get(ts.ports.http, '/metrics')).status, 404);
    } finally {
      await ts.stop();
    }
  });

  it('serves loopback by default, over IPv4 and IPv6', async () => {
    const ts = await startTestServer({ 'modules.metrics.enabled': true });
    try {
      const families = await scrape(ts);
      assert.equal(families.get('ferry_sessions')?.type, 'gauge');
      const v6 = await get(ts.ports.http, '/metrics', {}, '::1').catch(() => undefined);
      // The listener may be IPv4-only on this machine; when it answers on ::1, ::1 is allowed.
      if (v6) assert.equal(v6.status, 200);
    } finally {
      await ts.stop();
    }
  });

  it('refuses an address outside `allow` with 403', async () => {
    const ts = await startTestServer({ 'modules.metrics.enabled': true, 'modules.metrics.allow': '10.0.0.0/8' });
    try {
      const answer = await get(ts.ports.http, '/metrics');
      assert.equal(answer.status, 403);
      assert.doesNotMatch(answer.body, /ferry_/);
    } finally {
      await ts.stop();
    }
  });

  it('with a token, refuses requests without it or with another one, and serves the right one', async () => {
    const ts = await startTestServer({ 'modules.metrics.enabled': true, 'modules.metrics.token': TOKEN });
    try {
      assert.equal((await get(ts.ports.http, '/metrics')).status, 403);
      assert.equal((await get(ts.ports.http, '/metrics', { authorization: `Bearer ${TOKEN}x` })).status, 403);
      assert.equal((await get(ts.ports.http, '/metrics', { authorization: `Basic ${TOKEN}` })).status, 403);
      await scrape(ts, { authorization: `Bearer ${TOKEN}` });
    } finally {
      await ts.stop();
    }
  });

  it('stops start-up on an allow entry that is not an address or a CIDR range, naming the key', async () => {
    await assert.rejects(
      startTestServer({ 'modules.metrics.enabled': true, 'modules.metrics.allow': '10.0.0.0/33' }),
      /modules\.metrics\.allow/,
    );
  });
});

describe('metrics: counters move as the server works', () => {
  let ts: TestServer;
  let alice: TestClient;
  let bob: TestClient;

  before(async () => {
    ts = await startTestServer({ 'modules.metrics.enabled': true });
    await ts.addUser('alice');
    await ts.addUser('bob');
  });

  after(async () => {
    await alice?.stop();
    await bob?.stop();
    await ts.stop();
  });

  it('counts logins, failed logins, connections and sessions', async () => {
    const before = await scrape(ts);
    assert.equal(valueOf(before, 'ferry_authentications_total', { outcome: 'success' }), 0);
    assert.equal(valueOf(before, 'ferry_sessions'), 0);
    alice = await connectClient({ port: ts.ports.c2s, username: 'alice' });
    bob = await connectClient({ port: ts.ports.c2s, username: 'bob' });
    await assert.rejects(connectClient({ port: ts.ports.c2s, username: 'bob', password: 'wrong', resource: 'x' }));
    const after = await scrape(ts);
    assert.equal(valueOf(after, 'ferry_authentications_total', { outcome: 'success' }), 2);
    assert.equal(valueOf(after, 'ferry_authentications_total', { outcome: 'failure' }), 1);
    assert.equal(valueOf(after, 'ferry_authentication_failures_total', { condition: 'not-authorized' }), 1);
    assert.equal(valueOf(after, 'ferry_connections_total', { transport: 'tcp' }), 3);
    assert.equal(valueOf(after, 'ferry_sessions'), 2);
    assert.ok((valueOf(after, 'ferry_connections', { transport: 'tcp' }) ?? 0) >= 2);
  });

  it('counts a message in and out, and a routing error', async () => {
    const before = await scrape(ts);
    await alice.xmpp.send(xml('message', { to: bob.jid, type: 'chat', id: 'm1' }, xml('body', {}, 'hi')));
    await bob.waitFor((stanza) => stanza.name === 'message' && stanza.attrs.id === 'm1', 'the message');
    await alice.xmpp.send(
      xml('message', { to: 'carol@elsewhere.example', type: 'chat', id: 'm2' }, xml('body', {}, 'x')),
    );
    await alice.waitFor((stanza) => stanza.attrs.id === 'm2' && stanza.attrs.type === 'error', 'the bounce');
    const after = await scrape(ts);
    const moved = (name: string, labels: Record<string, string>) =>
      (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);
    assert.equal(moved('ferry_stanzas_received_total', { kind: 'message' }), 2);
    assert.equal(moved('ferry_stanzas_sent_total', { kind: 'message' }), 2); // to bob, and the bounce
    assert.equal(moved('ferry_routing_errors_total', { condition: 'remote-server-not-found' }), 1);
  });

  it('counts a SOCKS5 relay and the bytes it relayed', async () => {
    const proxy = ts.server.service('proxy65')!;
    const relayed = new Promise<void>((resolve) => {
      const off = ts.server.events.on('proxy65-relay', () => {
        off();
        resolve();
      });
    });
    await proxyTransfer({ jid: proxy.jid, port: proxy.listening.port }, alice, bob, 100_000);
    await withTimeout(relayed, 10_000, 'the relay record');
    const families = await scrape(ts);
    assert.equal(valueOf(families, 'ferry_transfers_total', { method: 'socks5', outcome: 'completed' }), 1);
    assert.equal(valueOf(families, 'ferry_transfer_bytes_total', { method: 'socks5' }), 100_000);
  });

  it('counts IBB stanzas routed between two sessions, and the bytes their <data/> carries', async () => {
    const ibb = (id: string, child: ReturnType<typeof xml>) =>
      alice.xmpp.send(xml('iq', { type: 'set', to: bob.jid, id }, child));
    await ibb('i1', xml('open', { xmlns: NS.IBB, sid: 'ibb1', 'block-size': 4096 }));
    await ibb('i2', xml('data', { xmlns: NS.IBB, sid: 'ibb1', seq: 0 }, randomBytes(3_000).toString('base64')));
    await ibb('i3', xml('close', { xmlns: NS.IBB, sid: 'ibb1' }));
    await bob.waitFor((stanza) => stanza.attrs.id === 'i3', 'the IBB close');
    const families = await scrape(ts);
    assert.equal(valueOf(families, 'ferry_ibb_stanzas_total', { element: 'data' }), 1);
    assert.equal(valueOf(families, 'ferry_ibb_stanzas_total', { element: 'open' }), 1);
    assert.equal(valueOf(families, 'ferry_transfers_total', { method: 'ibb', outcome: 'completed' }), 1);
    assert.equal(valueOf(families, 'ferry_transfer_bytes_total', { method: 'ibb' }), 3_000);
  });

  it('counts an HTTP upload, its download, their bytes and the storage used', async () => {
    const data = randomBytes(5_000);
    const reply = await iqGet(
      alice,
      'upload.localhost',
      xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'a.bin', size: data.length }),
    );
    const slot = readSlot(reply);
    const put = await https(slot.putUrl, {
      method: 'PUT',
      headers: { authorization: slot.authorization, 'content-length': data.length },
      body: data,
    });
    assert.equal(put.status, 201);
    const got = await https(slot.getUrl, { method: 'GET' });
    assert.equal(got.body.length, data.length);
    // The served record is emitted once the response has finished: wait (up to 10 s, a loaded
    // machine is slow to get there) for the scrape to see it.
    let families = await scrape(ts);
    for (let i = 0; i < 500 && valueOf(families, 'ferry_transfers_total', downloaded) !== 1; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      families = await scrape(ts);
    }
    assert.equal(valueOf(families, 'ferry_transfers_total', { method: 'http_upload', outcome: 'completed' }), 1);
    assert.equal(valueOf(families, 'ferry_transfers_total', downloaded), 1);
    assert.equal(valueOf(families, 'ferry_transfer_bytes_total', { method: 'http_upload' }), 5_000);
    assert.equal(valueOf(families, 'ferry_transfer_bytes_total', { method: 'http_download' }), 5_000);
    assert.equal(valueOf(families, 'ferry_upload_storage_bytes'), 5_000);
  });

  it('exposes the event-loop lag and the process metrics from its own registry', async () => {
    const families = await scrape(ts);
    assert.equal(families.get('nodejs_eventloop_lag_seconds')?.type, 'gauge');
    assert.equal(families.get('process_cpu_seconds_total')?.type, 'counter');
    for (const name of ['ferry_transfers_total', 'ferry_stanzas_sent_total', 'ferry_ibb_stanzas_total']) {
      assert.equal(families.get(name)?.type, 'counter', name);
    }
  });
});

const downloaded = { method: 'http_download', outcome: 'completed' };
