// The relay on real loopback TCP, with sockets accepted and paused the way the SOCKS5 listener
// hands them over: reads into its own reused buffer must never let a pending write lose or mix up
// bytes, early bytes come first, half-closes wait for the data before them, resets propagate.
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { once } from 'node:events';
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startRelay, type Relay, type RelayStats } from '../../../../../src/server/modules/proxy65/relay.js';

const WAIT_MS = 20_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

interface Ends {
  /** The peers' sockets: what a file sender and receiver hold. */
  initiator: net.Socket;
  target: net.Socket;
  /** The proxy's accepted sockets, as they were handed to startRelay. */
  accepted: { initiator: net.Socket; target: net.Socket };
  relay: Relay;
  done: Promise<RelayStats>;
}

/**
 * Connects target then initiator to a listener that, like the SOCKS5 one, reads a 1-byte
 * "handshake" through 'data', pauses the socket and unshifts whatever came with it; then relays.
 * `before(initiator)` runs once both are connected and paused, before the relay starts.
 */
async function relayed(
  server: net.Server,
  options: {
    bytesPerSecond?: number;
    initiatorPreamble?: Buffer;
    before?: (ends: Omit<Ends, 'relay' | 'done'>) => Promise<void>;
  } = {},
): Promise<Ends> {
  const accepted: net.Socket[] = [];
  const handshaken = new Promise<void>((resolve) => {
    const onConnection = (socket: net.Socket): void => {
      socket.on('error', () => {}); // the relay reports errors through its stats
      const onData = (chunk: Buffer): void => {
        socket.off('data', onData);
        socket.pause();
        if (chunk.length > 1) socket.unshift(chunk.subarray(1));
        accepted.push(socket);
        if (accepted.length === 2) {
          server.off('connection', onConnection);
          resolve();
        }
      };
      socket.on('data', onData);
    };
    server.on('connection', onConnection);
  });
  const { port } = server.address() as net.AddressInfo;
  const connect = async (): Promise<net.Socket> => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    await once(socket, 'connect');
    return socket;
  };
  const target = await connect();
  target.write('T');
  while (accepted.length < 1) await new Promise((resolve) => setTimeout(resolve, 1));
  const initiator = await connect();
  initiator.write(Buffer.concat([Buffer.from('I'), options.initiatorPreamble ?? Buffer.alloc(0)]));
  await withTimeout(handshaken, 'both connections accepted');
  const ends = { initiator, target, accepted: { target: accepted[0]!, initiator: accepted[1]! } };
  await options.before?.(ends);
  let relay!: Relay;
  const done = new Promise<RelayStats>((resolve) => {
    relay = startRelay(
      ends.accepted.initiator,
      ends.accepted.target,
      { bytesPerSecond: options.bytesPerSecond ?? 0 },
      resolve,
    );
  });
  return { ...ends, relay, done: withTimeout(done, 'the relay to finish') };
}

/** Reads to the end of stream, pausing `pauseMs` after every `burstBytes` (a slow disk). */
function receive(
  socket: net.Socket,
  slow?: { burstBytes: number; pauseMs: number },
): Promise<{ length: number; sha256: string }> {
  const hash = createHash('sha256');
  let length = 0;
  let sincePause = 0;
  const done = new Promise<{ length: number; sha256: string }>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
      sincePause += chunk.length;
      if (slow && sincePause >= slow.burstBytes) {
        sincePause = 0;
        socket.pause();
        setTimeout(() => socket.resume(), slow.pauseMs);
      }
    });
    socket.once('end', () => resolve({ length, sha256: hash.digest('hex') }));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed without an end of stream')));
  });
  return withTimeout(done, 'reading to the end');
}

/** Resolves with how the socket closed: 'end' (FIN, then closed) or 'reset' (error or no FIN). */
function closing(socket: net.Socket): Promise<'end' | 'reset'> {
  let sawEnd = false;
  let sawError = false;
  socket.on('error', () => (sawError = true));
  socket.on('end', () => (sawEnd = true));
  socket.resume();
  return withTimeout(
    new Promise((resolve) => socket.once('close', () => resolve(sawEnd && !sawError ? 'end' : 'reset'))),
    'the socket to close',
  );
}

describe('startRelay', () => {
  let server: net.Server;
  before(async () => {
    server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps every byte under back-pressure both ways, early bytes first, with a slow reader', async () => {
    const early = randomBytes(3000);
    const toTarget = randomBytes(48 << 20);
    const toInitiator = randomBytes(6 << 20);
    const ends = await relayed(server, {
      initiatorPreamble: early,
      // More early bytes, read by the proxy while paused (not unshifted): they must come first too.
      before: async ({ initiator, accepted }) => {
        initiator.write(early);
        while (accepted.initiator.readableLength < 2 * early.length) await new Promise((r) => setTimeout(r, 1));
      },
    });
    // Reads into its own buffer: the accepted sockets' handles were taken over. (If a Node upgrade
    // changes what the relay relies on, it falls back to 'data' events: correct, but slower.)
    for (const socket of Object.values(ends.accepted)) {
      assert.equal((socket as unknown as { _handle: unknown })._handle, null);
    }
    // The target reads slowly: the proxy's writes to it stay pending, its reads must wait for them.
    const targetReceived = receive(ends.target, { burstBytes: 4 << 20, pauseMs: 30 });
    const initiatorReceived = receive(ends.initiator);
    ends.initiator.end(toTarget);
    ends.target.end(toInitiator);
    const expected = Buffer.concat([early, early, toTarget]);
    assert.deepEqual(await targetReceived, { length: expected.length, sha256: sha256(expected) });
    assert.deepEqual(await initiatorReceived, { length: toInitiator.length, sha256: sha256(toInitiator) });
    const stats = await ends.done;
    assert.equal(stats.bytesToTarget, expected.length);
    assert.equal(stats.bytesToInitiator, toInitiator.length);
    assert.equal(stats.isAborted, false);
  });

  it('forwards a half-close after the bytes before it and keeps the other direction open', async () => {
    const ends = await relayed(server);
    const request = randomBytes(200_000);
    const reply = randomBytes(300_000);
    const targetReceived = receive(ends.target);
    ends.initiator.end(request);
    assert.equal((await targetReceived).sha256, sha256(request));
    // The initiator has half-closed; the target still answers through the relay.
    const initiatorReceived = receive(ends.initiator);
    ends.target.end(reply);
    assert.equal((await initiatorReceived).sha256, sha256(reply));
    const stats = await ends.done;
    assert.deepEqual(
      [stats.bytesToTarget, stats.bytesToInitiator, stats.isAborted],
      [request.length, reply.length, false],
    );
  });

  it('relays a side that half-closed before the relay started (its end-of-stream already read)', async () => {
    const data = randomBytes(10_000); // less than the socket's highWaterMark: the FIN is read too
    const ends = await relayed(server, {
      before: async ({ initiator, accepted }) => {
        initiator.end(data);
        // The proxy has read the FIN while paused: that socket is relayed through its 'data' events.
        const state = (accepted.initiator as unknown as { _readableState: { ended: boolean } })._readableState;
        while (!state.ended) await new Promise((r) => setTimeout(r, 1));
      },
    });
    const handleOf = (socket: net.Socket): unknown => (socket as unknown as { _handle: unknown })._handle;
    assert.notEqual(handleOf(ends.accepted.initiator), null);
    assert.equal(handleOf(ends.accepted.target), null);
    const targetReceived = receive(ends.target);
    assert.equal((await targetReceived).sha256, sha256(data));
    const reply = randomBytes(50_000);
    const initiatorReceived = receive(ends.initiator);
    ends.target.end(reply);
    assert.equal((await initiatorReceived).sha256, sha256(reply));
    const stats = await ends.done;
    assert.deepEqual(
      [stats.bytesToTarget, stats.bytesToInitiator, stats.isAborted],
      [data.length, reply.length, false],
    );
  });

  it('resets the initiator when the target resets mid-transfer, and reports the relay as aborted', async () => {
    const ends = await relayed(server);
    const initiatorClosed = closing(ends.initiator);
    const chunk = randomBytes(256 << 10);
    const pump = (): void => {
      while (!ends.initiator.destroyed && ends.initiator.write(chunk));
    };
    ends.initiator.on('drain', pump);
    pump();
    let received = 0;
    ends.target.on('error', () => {});
    ends.target.on('data', (data: Buffer) => {
      received += data.length;
      if (received >= 1 << 20 && !ends.target.destroyed) ends.target.resetAndDestroy();
    });
    assert.equal(await initiatorClosed, 'reset');
    const stats = await ends.done;
    assert.equal(stats.isAborted, true);
    assert.ok(stats.bytesToTarget >= 1 << 20);
  });

  it('stop() resets both sides', async () => {
    const ends = await relayed(server);
    const closed = [closing(ends.initiator), closing(ends.target)];
    ends.initiator.write(randomBytes(100_000));
    ends.relay.stop();
    assert.deepEqual(await Promise.all(closed), ['reset', 'reset']);
    assert.equal((await ends.done).isAborted, true);
  });

  it('ends when its owner destroys an accepted socket (listener shutdown), and closes both accepted sockets', async () => {
    const ends = await relayed(server);
    const acceptedClosed = Object.values(ends.accepted).map((socket) => once(socket, 'close'));
    const closed = [closing(ends.initiator), closing(ends.target)];
    ends.accepted.target.destroy();
    assert.deepEqual(await Promise.all(closed), ['reset', 'reset']);
    assert.equal((await ends.done).isAborted, true);
    await withTimeout(Promise.all(acceptedClosed), 'both accepted sockets closed');
  });

  it('closes the accepted sockets (for their owners) once a relay finishes normally', async () => {
    const ends = await relayed(server);
    const acceptedClosed = Object.values(ends.accepted).map((socket) => once(socket, 'close'));
    const received = [receive(ends.initiator), receive(ends.target)];
    ends.initiator.end('x');
    ends.target.end('y');
    await Promise.all(received);
    assert.equal((await ends.done).isAborted, false);
    await withTimeout(Promise.all(acceptedClosed), 'both accepted sockets closed');
  });

  it('holds a bandwidth limit with the reused buffer, every byte intact', async () => {
    const rate = 1 << 20;
    const ends = await relayed(server, { bytesPerSecond: rate });
    const data = randomBytes(1536 << 10);
    const startedAt = performance.now();
    const targetReceived = receive(ends.target);
    ends.initiator.end(data);
    assert.equal((await targetReceived).sha256, sha256(data));
    const elapsedMs = performance.now() - startedAt;
    // The first 64 KiB pass as a burst; the rest at the rate, within a timer's slack.
    const minimumMs = 0.8 * ((data.length - (64 << 10)) / rate) * 1000;
    assert.ok(elapsedMs >= minimumMs, `took ${elapsedMs.toFixed(0)} ms, the limit allows no less than ${minimumMs}`);
    ends.target.end();
    assert.equal((await ends.done).bytesToTarget, data.length);
  });
});
