// A client that never reads: its unread output is bounded. Requests it keeps sending are no
// longer read once its answers pile up, and when others keep sending to it, it is closed with
// policy-violation, while everyone else stays served.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { openRawSession, type RawStream } from '../helpers/raw-stream.js';
import { connectClient, xml } from '../helpers/xmpp-client.js';
import type { LocalSession } from '../../src/server/core/session.js';
import { WebSocket } from 'ws';

const MiB = 1024 * 1024;

/**
 * Writes `stanza(i)` for i < limit, respecting the socket's own back-pressure; stops when a write
 * has not drained within `stallMs` (the server stopped reading). Returns how many were written.
 */
async function flood(raw: RawStream, stanza: (i: number) => string, limit: number, stallMs = 2_000): Promise<number> {
  let sent = 0;
  while (sent < limit) {
    let batch = '';
    for (let i = 0; i < 100 && sent < limit; i++, sent++) batch += stanza(sent);
    if (raw.socket.write(batch)) continue;
    const drained = once(raw.socket, 'drain').then(() => true);
    const stalled = new Promise<boolean>((resolve) => setTimeout(resolve, stallMs, false).unref());
    if (!(await Promise.race([drained, stalled]))) break;
  }
  return sent;
}

const FRAMING_OPEN = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>";

/** The same login over secure WebSocket (RFC 7395: one element per frame). */
async function webSocketLogin(port: number, username: string): Promise<WebSocket> {
  const socket = new WebSocket(`wss://127.0.0.1:${port}/xmpp-websocket`, 'xmpp', { rejectUnauthorized: false });
  let received = '';
  const waiters = new Set<() => void>();
  socket.on('message', (data: Buffer) => {
    received += data.toString();
    for (const waiter of [...waiters]) waiter();
  });
  const waitFor = (needle: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(needle)}: ${received}`)), 5_000);
      const check = () => {
        if (!needle.test(received)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  await once(socket, 'open');
  socket.send(FRAMING_OPEN);
  await waitFor(/<\/stream:features>/);
  const credentials = Buffer.from(`\u0000${username}\u0000${PASSWORD}`).toString('base64');
  socket.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`);
  await waitFor(/<success/);
  socket.send(FRAMING_OPEN);
  await waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
  socket.send(
    "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>ws</resource></bind></iq>",
  );
  await waitFor(/\/ws<\/jid>/);
  return socket;
}

async function pingAnswered(port: number, username: string): Promise<void> {
  const client = await connectClient({ port, username, resource: 'check' });
  try {
    await client.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      10_000,
    );
  } finally {
    await client.stop();
  }
}

describe('output back-pressure', () => {
  let ferry: TestServer;
  before(async () => {
    ferry = await startTestServer({
      // No receive-rate pause: the flood must be stopped by the output bound alone.
      'limits.receive_rate_bytes_per_second': 0,
      'limits.output_pause_bytes': MiB,
      'limits.output_max_bytes': 4 * MiB,
    });
    for (const user of ['flooder', 'sleeper', 'sender', 'bystander']) await ferry.addUser(user);
  });
  after(() => ferry.stop());

  it('stops reading requests from a client that does not read its answers', async (t) => {
    const raw = await openRawSession(ferry.ports.directTls, 'flooder', 'r');
    raw.socket.pause(); // never reads another byte
    const rssBefore = process.memoryUsage().rss;
    const id = 'p'.repeat(100);
    const limit = 1_000_000; // ~130 MiB of pings; the server must stop reading long before
    const sent = await flood(raw, (i) => `<iq type='get' id='${id}${i}'><ping xmlns='urn:xmpp:ping'/></iq>`, limit);
    const growth = (process.memoryUsage().rss - rssBefore) / MiB;
    t.diagnostic(`pings written before the server stopped reading: ${sent}; RSS growth ${growth.toFixed(1)} MiB`);
    assert.ok(sent < limit, `the server read all ${limit} pings while their answers went unread`);
    // Kernel buffers on both sides hold some MiB; the server itself holds ~1 MiB of answers.
    assert.ok(growth < 100, `RSS grew by ${growth.toFixed(1)} MiB`);
    await pingAnswered(ferry.ports.c2s, 'bystander');
    raw.destroy();
  });

  it('stops reading requests from a WebSocket client that does not read its answers', async (t) => {
    const socket = await webSocketLogin(ferry.ports.https, 'flooder');
    // The ws client reads from its TCP socket: pausing that socket is a client that never reads.
    const tcp = (socket as unknown as { _socket: Socket })._socket;
    tcp.pause();
    const limit = 300_000;
    let sent = 0;
    const id = 'p'.repeat(100);
    // ws queues sends without bound: pace on bufferedAmount, stop when it no longer drains.
    for (let stalled = 0; sent < limit && stalled < 40;) {
      if (socket.bufferedAmount > 1024 * 1024) {
        const before = socket.bufferedAmount;
        await new Promise((resolve) => setTimeout(resolve, 50));
        stalled = socket.bufferedAmount >= before ? stalled + 1 : 0;
        continue;
      }
      for (let i = 0; i < 100; i++, sent++)
        socket.send(`<iq type='get' id='${id}${sent}'><ping xmlns='urn:xmpp:ping'/></iq>`);
    }
    t.diagnostic(`WebSocket pings sent before the server stopped reading: ${sent}`);
    assert.ok(sent < limit, `the server read all ${limit} pings while their answers went unread`);
    await pingAnswered(ferry.ports.c2s, 'bystander');
    socket.terminate();
  });

  it('closes a client that does not read while others keep sending to it, and serves the others', async (t) => {
    const sleeper = await openRawSession(ferry.ports.directTls, 'sleeper', 'r');
    sleeper.socket.pause();
    const closed = new Promise<LocalSession>((resolve) => {
      const off = ferry.server.events.on('session-closed', (session) => {
        if (session.jid.local !== 'sleeper') return;
        off();
        resolve(session);
      });
    });
    const sender = await openRawSession(ferry.ports.directTls, 'sender', 'r');
    const body = 'x'.repeat(60_000);
    const limit = 4_000; // ~230 MiB
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    let sent = 0;
    while (sent < limit && !isClosed) {
      sent += await flood(
        sender,
        () => `<message to='sleeper@localhost/r' type='chat'><body>${body}</body></message>`,
        50,
        5_000,
      );
      // Read what the server sends back (errors, if any) so the sender itself is never the one blocked.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closed;
    t.diagnostic(`messages of 60 kB sent to the non-reading client before it was closed: ${sent}`);
    assert.ok(sent < limit, 'the non-reading client was never closed');
    await pingAnswered(ferry.ports.c2s, 'bystander');
    sender.destroy();
    sleeper.destroy();
  });
});
