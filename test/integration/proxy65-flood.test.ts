// The SOCKS5 proxy under a connection flood from 1,000 loopback addresses, each within its
// per-address allowance: modules.proxy65.max_pending_total bounds the descriptors the flood can
// hold, the refusals make one warning, XMPP keeps being served, and a real transfer works once
// the flood is gone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { captureLogs, type LogLine } from '../helpers/log-capture.js';
import { connectClient, withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';
import { proxyTransfer } from '../helpers/proxy-transfer.js';

const ADDRESSES = 1_000;
const PER_ADDRESS = 2; // under max_pending_per_address (20): only the total can stop this flood
const TOTAL_CAP = 300;
const BATCH = 200;

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

/** 127.0.x.y for the i-th address (never 127.0.0.1, which the real clients use). */
const addressOf = (i: number): string => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

interface FloodConnection {
  socket: Socket;
  isClosedByServer: boolean;
  closed: Promise<void>;
}

function connectFrom(port: number, localAddress: string): Promise<FloodConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const entry: FloodConnection = { socket, isClosedByServer: false, closed: Promise.resolve() };
    entry.closed = new Promise((settle) => socket.once('close', () => settle()));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // the proxy's close may be a reset
      // Says nothing: a connection held in the SOCKS5 handshake, as a flood would hold it.
      socket.once('end', () => (entry.isClosedByServer = true));
      socket.once('close', () => (entry.isClosedByServer = true));
      resolve(entry);
    });
  });
}

async function ping(client: TestClient): Promise<void> {
  await client.xmpp.iqCaller.request(
    xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
    10_000,
  );
}

describe('proxy65 under a flood from 1,000 addresses', () => {
  let ferry: TestServer;
  let logs: LogLine[];
  let alice: TestClient;
  let bob: TestClient;
  before(async () => {
    const capture = captureLogs('warn');
    logs = capture.lines;
    ferry = await startTestServer(
      {
        'modules.proxy65.max_pending_total': TOTAL_CAP,
        // Held for the whole test unless the cap closes them.
        'modules.proxy65.handshake_timeout_seconds': 120,
      },
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

  it('holds at most max_pending_total of them, warns once, and serves XMPP and transfers', async (t) => {
    const proxy = ferry.server.service('proxy65')!;
    const descriptorsBefore = openDescriptors();
    const flood: FloodConnection[] = [];
    for (let start = 0; start < ADDRESSES * PER_ADDRESS; start += BATCH) {
      const batch: Promise<FloodConnection>[] = [];
      for (let n = start; n < start + BATCH; n++) {
        batch.push(connectFrom(proxy.listening.port, addressOf(n % ADDRESSES)));
      }
      flood.push(...(await Promise.all(batch)));
    }
    // The closes reach this side in their own time: wait until the count settles (bounded).
    const stillOpen = () => flood.filter((c) => !c.isClosedByServer).length;
    let held = stillOpen();
    for (let stable = 0, round = 0; stable < 5 && round < 250; round++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = stillOpen();
      stable = now === held ? stable + 1 : 0;
      held = now;
    }
    // Both ends of each held connection are in this process.
    const descriptorsGrowth = openDescriptors() - descriptorsBefore;
    const warnings = logs.filter((line) => line.limit === 'modules.proxy65.max_pending_total');
    t.diagnostic(
      `${flood.length} connections from ${ADDRESSES} addresses: ${held} held by the proxy (cap ${TOTAL_CAP}), ` +
        `${flood.length - held} closed; descriptors grew by ${descriptorsGrowth} (both ends); ` +
        `warning lines ${warnings.length}`,
    );
    assert.ok(held <= TOTAL_CAP, `the proxy holds ${held} pending connections, more than ${TOTAL_CAP}`);
    assert.ok(descriptorsGrowth <= 2 * TOTAL_CAP + 50, `descriptors grew by ${descriptorsGrowth}`);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.msg, /too many pending \(unactivated\) connections in total/);

    // XMPP is served meanwhile: pings and a new login.
    await ping(alice);
    const carol = await connectClient({ port: ferry.ports.c2s, username: 'carol' });
    await ping(carol);
    await carol.stop();

    for (const c of flood) c.socket.destroy();
    await withTimeout(Promise.all(flood.map((c) => c.closed)), 10_000, 'the flood to close');
    // The proxy learns of the closes in its own time: a few tries, bounded.
    let lastError: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await proxyTransfer({ jid: proxy.jid, port: proxy.listening.port }, alice, bob);
        lastError = undefined;
        break;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.equal(lastError, undefined, `a transfer after the flood: ${String(lastError)}`);
  });
});
