// The operations service on a real server: the sessions bound over each transport, transfers seen
// while they run (a SOCKS5 relay, an IBB session, an HTTP upload and download held open by the test),
// totals, listeners, and kick.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NS } from '@ferry/protocol/namespaces';
import { connectSocks5, dstAddrHash } from '@ferry/protocol/socks5';
import type { Operations, TransferView } from '../../src/server/modules/operations/operations-service.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';
import { openRawSession, type RawStream } from '../helpers/raw-stream.js';
import { https, iqGet, readSlot } from '../helpers/http-upload-client.js';

/** Resolves once `check` returns a value (it is asked after each turn of the event loop), or fails naming `what`. */
async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('operations service', () => {
  let ts: TestServer;
  let ops: Operations;
  let alice: TestClient;
  let bob: TestClient;
  let carol: RawStream | undefined;

  const transfer = (method: TransferView['method']) => () => ops.transfers().find((t) => t.method === method);

  before(async () => {
    ts = await startTestServer({ 'http.require_tls': false }); // bob logs in over plain ws:
    for (const user of ['alice', 'bob', 'carol']) await ts.addUser(user);
    ops = ts.server.service('operations')!;
    alice = await connectClient({ port: ts.ports.c2s, username: 'alice', resource: 'laptop' });
    bob = await connectClient({ port: ts.ports.http, username: 'bob', resource: 'web', transport: 'websocket' });
  });

  after(async () => {
    carol?.destroy();
    await alice?.stop();
    await bob?.stop();
    await ts.stop();
  });

  it('lists every session with its transport, TLS and presence', async () => {
    carol = await openRawSession(ts.ports.directTls, 'carol', 'phone');
    const sessions = ops.sessions().sort((a, b) => a.jid.localeCompare(b.jid));
    assert.deepEqual(
      sessions.map(({ jid, transport, tls, available }) => ({ jid, transport, tls, available })),
      [
        { jid: 'alice@localhost/laptop', transport: 'tcp', tls: true, available: true },
        { jid: 'bob@localhost/web', transport: 'websocket', tls: false, available: true },
        { jid: 'carol@localhost/phone', transport: 'direct-tls', tls: true, available: false },
      ],
    );
    // Address and port: each client's own source port, over TCP, TLS and WebSocket alike.
    assert.equal(new Set(sessions.map((session) => session.address)).size, sessions.length);
    for (const session of sessions) {
      assert.match(session.address, /^127\.0\.0\.1:\d+$/);
      assert.ok(Date.parse(session.since) <= Date.now());
    }
  });

  it('reports status: version, domain, pid, counts and what listens where', () => {
    const status = ops.status();
    assert.equal(status.domain, 'localhost');
    assert.equal(status.pid, process.pid);
    assert.equal(status.sessions, ops.sessions().length);
    assert.match(status.version, /^\d+\.\d+\.\d+/);
    assert.ok(status.uptimeSeconds >= 0);
    assert.equal(status.listeners.c2s, `127.0.0.1:${ts.ports.c2s}`);
    assert.equal(status.listeners.https, `127.0.0.1:${ts.ports.https}`);
    assert.equal(status.listeners.proxy65, `127.0.0.1:${ts.server.service('proxy65')!.listening.port}`);
    assert.equal(status.listeners.control, `${ts.dataDir}/ferry.sock`);
  });

  it('shows a SOCKS5 relay while it runs, with its bytes, and counts it once finished', async () => {
    const proxy = ts.server.service('proxy65')!;
    const sid = 'ops-relay';
    const hash = dstAddrHash(sid, alice.jid, bob.jid);
    const connect = () => connectSocks5({ host: '127.0.0.1', port: proxy.listening.port, hash, timeoutMs: 10_000 });
    const target = await connect();
    const initiator = await connect();
    try {
      await alice.xmpp.iqCaller.request(
        xml(
          'iq',
          { type: 'set', to: proxy.jid },
          xml('query', { xmlns: NS.BYTESTREAMS, sid }, xml('activate', {}, bob.jid)),
        ),
        10_000,
      );
      initiator.write(randomBytes(10_000));
      await readBytes(target, 10_000);
      const relay = await eventually(() => {
        const seen = transfer('socks5-relay')();
        return seen?.bytes === 10_000 ? seen : undefined;
      }, 'the relay with 10000 bytes');
      assert.equal(relay.id, hash);
      assert.equal(relay.from, alice.jid);
      assert.equal(relay.to, bob.jid);
      assert.ok(relay.bytesPerSecond >= 0);
      const finished = new Promise<void>((resolve) => {
        const off = ts.server.events.on('proxy65-relay', () => {
          off();
          resolve();
        });
      });
      initiator.end();
      target.end();
      await withTimeout(finished, 10_000, 'the relay to finish');
      assert.equal(transfer('socks5-relay')(), undefined);
      assert.equal(ops.status().totals.bytesRelayed, 10_000);
    } finally {
      initiator.destroy();
      target.destroy();
    }
  });

  it('shows an IBB session between two clients from <open/> to <close/>', async () => {
    for (const name of ['open', 'data', 'close']) bob.xmpp.iqCallee.set(NS.IBB, name, () => true);
    const ibb = (child: ReturnType<typeof xml>) =>
      alice.xmpp.iqCaller.request(xml('iq', { type: 'set', to: bob.jid }, child), 10_000);
    await ibb(xml('open', { xmlns: NS.IBB, sid: 'ops-ibb', 'block-size': 4096 }));
    await ibb(xml('data', { xmlns: NS.IBB, sid: 'ops-ibb', seq: 0 }, randomBytes(3_000).toString('base64')));
    const seen = transfer('ibb')();
    assert.ok(seen, 'the IBB session is listed');
    assert.equal(seen.id, 'ops-ibb');
    assert.equal(seen.from, alice.jid);
    assert.equal(seen.to, bob.jid);
    assert.equal(seen.bytes, 3_000);
    await ibb(xml('close', { xmlns: NS.IBB, sid: 'ops-ibb' }));
    assert.equal(transfer('ibb')(), undefined);
  });

  it('counts an IBB session whose data rides in <message/>s (stanza="message")', async () => {
    for (const name of ['open', 'close']) bob.xmpp.iqCallee.set(NS.IBB, name, () => true);
    const ibb = (child: ReturnType<typeof xml>) =>
      alice.xmpp.iqCaller.request(xml('iq', { type: 'set', to: bob.jid }, child), 10_000);
    await ibb(xml('open', { xmlns: NS.IBB, sid: 'ops-msg', 'block-size': 4096, stanza: 'message' }));
    for (const seq of [0, 1]) {
      const id = `ibb-msg-${seq}`;
      const data = xml('data', { xmlns: NS.IBB, sid: 'ops-msg', seq }, randomBytes(2_000).toString('base64'));
      await alice.xmpp.send(xml('message', { to: bob.jid, id }, data));
      await bob.waitFor((stanza) => stanza.name === 'message' && stanza.attrs.id === id, `message ${id}`);
    }
    const seen = transfer('ibb')();
    assert.equal(seen?.id, 'ops-msg');
    assert.equal(seen.bytes, 4_000);
    await ibb(xml('close', { xmlns: NS.IBB, sid: 'ops-msg' }));
    assert.equal(transfer('ibb')(), undefined);
  });

  it('forgets an IBB <open/> the receiver refused', async () => {
    assert.ok(carol);
    const refused = alice.xmpp.iqCaller.request(
      xml(
        'iq',
        { type: 'set', to: 'carol@localhost/phone' },
        xml('open', { xmlns: NS.IBB, sid: 'no', 'block-size': 4096 }),
      ),
      10_000,
    );
    refused.catch(() => {});
    const text = await carol.waitForText(/<iq [^>]*type=["']set["'][^>]*>\s*<open /);
    const id = /<iq [^>]*id=["']([^"']+)["'][^>]*>\s*<open /.exec(text)?.[1];
    assert.ok(id, text);
    assert.equal(transfer('ibb')()?.id, 'no');
    carol.write(
      `<iq type='error' id='${id}' to='${alice.jid}'><error type='cancel'>` +
        "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
    );
    await assert.rejects(refused);
    assert.equal(transfer('ibb')(), undefined);
  });

  it('shows an HTTP upload while its body arrives, then the download while the reader holds back', async () => {
    // Larger than what the loopback socket buffers take, so the download cannot finish unread.
    const size = 24 * 1024 * 1024;
    const data = randomBytes(size);
    const slot = readSlot(
      await iqGet(alice, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'big.bin', size })),
    );
    const body = new PassThrough();
    const put = https(slot.putUrl, {
      method: 'PUT',
      headers: { authorization: slot.authorization, 'content-length': size },
      body,
    });
    body.write(data.subarray(0, 1_000_000));
    const upload = await eventually(() => {
      const seen = transfer('upload')();
      return seen !== undefined && seen.bytes >= 1_000_000 ? seen : undefined;
    }, 'the upload with its first megabyte');
    assert.equal(upload.from, 'alice@localhost');
    assert.equal(upload.size, size);
    assert.equal(upload.bytes, 1_000_000);
    assert.equal(upload.address, '127.0.0.1');
    body.end(data.subarray(1_000_000));
    assert.equal((await put).status, 201);
    assert.equal(transfer('upload')(), undefined);

    // A reader that takes nothing until told: the server fills the socket buffers and waits.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        void held.then(() => callback());
      },
    });
    const get = https(slot.getUrl, { method: 'GET', sink });
    const download = await eventually(transfer('download'), 'the download');
    assert.equal(download.size, size);
    assert.ok(download.bytes < size);
    release();
    assert.equal((await get).status, 200);
    await eventually(() => (transfer('download')() === undefined ? true : undefined), 'the download to end');
    assert.equal(ops.status().totals.bytesUploaded, size);
  });

  it('kicks a session with policy-violation and the reason, and a bare JID kicks every session', async () => {
    assert.ok(carol);
    const closed = await ops.kick('carol@localhost/phone', 'spamming');
    assert.equal(closed, 1);
    await withTimeout(carol.closed, 10_000, 'carol disconnected');
    assert.match(carol.text(), /<policy-violation[^>]*\/>/);
    assert.match(carol.text(), /<text[^>]*>spamming<\/text>/);
    assert.ok(!ops.sessions().some((session) => session.jid.startsWith('carol@')));

    const second = await openRawSession(ts.ports.directTls, 'carol', 'tablet');
    const third = await openRawSession(ts.ports.directTls, 'carol', 'desk');
    assert.equal(await ops.kick('carol@localhost'), 2);
    await withTimeout(Promise.all([second.closed, third.closed]), 10_000, 'both disconnected');
    assert.equal(await ops.kick('carol@localhost'), 0);
    await assert.rejects(ops.kick('not a jid@@'), { code: 'bad-request' });
  });
});

function readBytes(socket: Socket, count: number): Promise<void> {
  let received = 0;
  return withTimeout(
    new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= count) resolve();
      });
      socket.resume(); // connectSocks5 hands the socket over paused
    }),
    10_000,
    `${count} relayed bytes`,
  );
}
