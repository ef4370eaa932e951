// Server-wide caps (limits.max_unauthenticated_connections, limits.max_connections): a flood of
// connections that never log in, from many loopback addresses, fills the unauthenticated cap; new
// connections are refused with resource-constraint (WebSocket upgrades with HTTP 503) and one
// warning, while sessions that are already authenticated, and the SOCKS5 proxy, keep being served.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { STREAM_OPEN } from '../helpers/raw-stream.js';
import { captureLogs, type LogLine } from '../helpers/log-capture.js';
import { connectClient, withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';
import { proxyTransfer } from '../helpers/proxy-transfer.js';

const UNAUTHENTICATED_CAP = 40;
const REFUSED_TRIES = 20;

interface Opened {
  socket: Socket;
  /** What the server answered the stream header with: its features, or a stream error and the end. */
  answer: Promise<string>;
}

/** A connection from `localAddress` that opens a stream and never logs in. */
function openFrom(port: number, localAddress: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      let text = '';
      const answer = new Promise<string>((settle) => {
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('</stream:features>')) settle(text);
        });
        socket.once('close', () => settle(text));
      });
      socket.write(STREAM_OPEN);
      resolve({ socket, answer: withTimeout(answer, 10_000, `the answer to ${localAddress}`) });
    });
  });
}

async function ping(client: TestClient): Promise<number> {
  const started = performance.now();
  await client.xmpp.iqCaller.request(
    xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
    10_000,
  );
  return performance.now() - started;
}

/** A raw WebSocket upgrade request; resolves with the HTTP status line. */
function upgradeStatus(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(
        'GET /xmpp-websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n',
      ),
    );
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes('\r\n')) return;
      socket.destroy();
      resolve(text.slice(0, text.indexOf('\r\n')));
    });
    socket.once('error', reject);
  });
}

const capWarnings = (lines: LogLine[], limit: string) => lines.filter((line) => line.limit === limit);

describe('limits.max_unauthenticated_connections', () => {
  let ferry: TestServer;
  let logs: LogLine[];
  let alice: TestClient;
  let bob: TestClient;
  before(async () => {
    const capture = captureLogs('warn');
    logs = capture.lines;
    ferry = await startTestServer(
      { 'limits.max_unauthenticated_connections': UNAUTHENTICATED_CAP, 'http.require_tls': false },
      { logger: capture.logger },
    );
    for (const user of ['alice', 'bob', 'carol']) await ferry.addUser(user);
    alice = await connectClient({ port: ferry.ports.c2s, username: 'alice', resource: 'a' });
    bob = await connectClient({ port: ferry.ports.c2s, username: 'bob', resource: 'b' });
  });
  after(async () => {
    await alice.stop();
    await bob.stop();
    await ferry.stop();
  });

  it('refuses connections past the cap with resource-constraint and one warning, and keeps serving sessions and the proxy', async (t) => {
    // Each from its own address: a per-address limit would not stop this.
    const flood: Opened[] = [];
    for (let i = 0; i < UNAUTHENTICATED_CAP; i++) flood.push(await openFrom(ferry.ports.c2s, `127.0.0.${i + 2}`));
    const held = (await Promise.all(flood.map((c) => c.answer))).filter((text) =>
      text.includes('<stream:features>'),
    ).length;
    assert.equal(held, UNAUTHENTICATED_CAP, 'every connection below the cap gets its stream features');

    const refused: string[] = [];
    for (let i = 0; i < REFUSED_TRIES; i++) {
      const extra = await openFrom(ferry.ports.c2s, `127.0.1.${i + 2}`);
      refused.push(await extra.answer);
    }
    const constrained = refused.filter((text) =>
      /<stream:error><resource-constraint xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]\/>/.test(text),
    ).length;
    assert.equal(constrained, REFUSED_TRIES, `answers past the cap: ${refused[0]}`);
    assert.match(refused[0]!, /<text [^>]*>too many connections are logging in; try again later<\/text>/);
    assert.equal(await upgradeStatus(ferry.ports.http), 'HTTP/1.1 503 Service Unavailable');

    // The authenticated are served: pings, and a transfer through the proxy.
    const rounds: number[] = [];
    for (let i = 0; i < 5; i++) rounds.push(await ping(alice));
    const proxy = ferry.server.service('proxy65')!;
    await proxyTransfer({ jid: proxy.jid, port: proxy.listening.port }, alice, bob);

    const warnings = capWarnings(logs, 'limits.max_unauthenticated_connections');
    t.diagnostic(
      `unauthenticated held ${held}/${UNAUTHENTICATED_CAP}; refused ${constrained}/${REFUSED_TRIES} with ` +
        `resource-constraint; warning lines ${warnings.length}; alice's worst ping ${Math.max(...rounds).toFixed(1)} ms`,
    );
    assert.equal(warnings.length, 1, 'one warning for the whole flood');

    // Once the flood is gone, logins are taken again.
    for (const c of flood) c.socket.destroy();
    await Promise.all(flood.map((c) => c.answer));
    let carol: TestClient | undefined;
    for (let attempt = 0; attempt < 20 && !carol; attempt++) {
      carol = await connectClient({ port: ferry.ports.c2s, username: 'carol' }).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return undefined;
      });
    }
    assert.ok(carol, 'a login after the flood left');
    await ping(carol);
    await carol.stop();
  });
});

describe('limits.max_connections', () => {
  let ferry: TestServer;
  before(async () => {
    ferry = await startTestServer({ 'limits.max_connections': 3 });
    for (const user of ['alice', 'bob']) await ferry.addUser(user);
  });
  after(() => ferry.stop());

  it('counts authenticated and unauthenticated streams together, and refuses the next one with resource-constraint', async (t) => {
    const alice = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
    const bob = await connectClient({ port: ferry.ports.c2s, username: 'bob' });
    const third = await openFrom(ferry.ports.c2s, '127.0.0.2');
    assert.match(await third.answer, /<stream:features>/);
    const fourth = await openFrom(ferry.ports.c2s, '127.0.0.3');
    const answer = await fourth.answer;
    t.diagnostic(`connections held 3 of limits.max_connections = 3; the fourth answered: ${answer.slice(-160)}`);
    assert.match(answer, /<resource-constraint xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]\/>/);
    assert.match(answer, /the server is at its connection limit/);
    await ping(alice);
    third.socket.destroy();
    await alice.stop();
    await bob.stop();
  });
});
