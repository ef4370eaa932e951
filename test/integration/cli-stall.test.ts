// Issue 11 (#10) from the command line: `ferry send` to a receiver that froze gives up after
// --stall-timeout with one line (it used to wait for ever), and `ferry send` whose server froze
// (a half-open connection: nothing closes, nothing answers) gives up after an unanswered ping
// instead of the receiver's accept timeout. The frozen server is a relay that stops forwarding.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { loginConnection } from '../helpers/connection-pair.js';
import { tempDir } from '../helpers/files.js';
import { ferry, loginArgs, startFerry } from '../helpers/cli.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createTransports } from '@ferry/client';
import type { XmppConnection } from '@ferry/client/internal/connection';
import type { IncomingOffer } from '@ferry/client/internal/incoming-offer';

/** Takes `before` bytes, then never calls back: a receiver that froze. */
function frozenAfter(before: number): Writable {
  let taken = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (taken >= before) return;
      taken += chunk.length;
      callback();
    },
  });
}

/** A TCP relay to `port` that can freeze: it stops forwarding both ways and closes nothing. */
async function startRelay(port: number): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let isFrozen = false;
  const relay: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk) => void (isFrozen || upstream.write(chunk)));
    upstream.on('data', (chunk) => void (isFrozen || client.write(chunk)));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as { port: number }).port,
    freeze() {
      isFrozen = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

describe('ferry send when the other side or the server freezes', () => {
  let server: TestServer;
  let bob: XmppConnection;
  const files = tempDir();
  const file = join(files.path, 'big.bin');
  before(async () => {
    server = await startTestServer();
    await server.addUser('alice');
    await server.addUser('bob');
    bob = await loginConnection(server.ports.c2s, 'bob', 'receiver');
    writeFileSync(file, Buffer.alloc(16 * 1024 * 1024, 3));
  });
  after(async () => {
    await bob.stop();
    await server.stop();
    files.remove();
  });

  for (const method of ['socks5', 'ibb'] as const) {
    it(`--method ${method}: a receiver that stops reading is given up after --stall-timeout`, async () => {
      const receiver = new FileTransferManager(bob, {
        transports: createTransports({ method }),
        stallTimeoutMs: 5_000,
      });
      receiver.once(
        'offer',
        (offer) => void (offer as IncomingOffer).accept({ to: frozenAfter(128 * 1024) }).catch(() => {}),
      );
      try {
        const run = await ferry([
          'send',
          'bob@localhost/receiver',
          file,
          ...loginArgs(server.ports.c2s),
          '--method',
          method,
          '--stall-timeout',
          '1',
        ]);
        assert.equal(run.code, 1, run.stderr);
        assert.match(
          run.stderr,
          /^ferry: no data for 1 s to bob@localhost\/receiver; cancelled \(the other side or the network stopped moving bytes; --stall-timeout SECONDS waits longer\)$/m,
        );
        assert.doesNotMatch(run.stderr, /\n\s+at /);
      } finally {
        receiver.close();
      }
    });
  }

  it('a server that stops answering is noticed by the keepalive ping', async () => {
    const relay = await startRelay(server.ports.c2s);
    // bob sees the offer and never answers it: without the ping, send would wait --timeout (120 s).
    const receiver = new FileTransferManager(bob, { transports: createTransports({}), decisionTimeoutMs: 60_000 });
    const offered = new Promise<void>((resolve) => receiver.once('offer', () => resolve()));
    try {
      const sending = startFerry([
        'send',
        'bob@localhost/receiver',
        file,
        ...loginArgs(relay.port),
        '--keepalive',
        '1',
      ]);
      await offered;
      relay.freeze();
      const run = await sending.done;
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^ferry: the server stopped answering \(no reply to a ping within 1 s\)/m);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    } finally {
      receiver.close();
      await relay.close();
    }
  });
});
