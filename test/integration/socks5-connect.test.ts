// The one socket-level suite: real TCP on 127.0.0.1 with ephemeral ports, short timeouts.
import { createHash, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { REPLY } from '@ferry/protocol/socks5/codec';
import { acceptSocks5, connectSocks5, type Socks5Request } from '@ferry/protocol/socks5/connect';
import { Socks5Error } from '@ferry/protocol/socks5/errors';
import { GREETING, HASH, REPLY_OK, REQUEST, SELECTION, addressed } from '../unit/socks5/fixtures.js';

const TIMEOUT_MS = 2000;

/** A TCP server on 127.0.0.1:0 that the test closes, with every accepted socket destroyed. */
async function listen(t: TestContext, onSocket: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** Resumes a (paused) socket and collects everything up to its end. */
function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
    socket.resume();
  });
}

/** Resolves when the socket closes (so we can check the other side really tore it down). */
function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    socket.once('close', () => resolve());
    socket.on('error', () => {});
    socket.resume();
  });
}

/** A promise resolved from a server callback, so tests await the server side instead of polling. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T | PromiseLike<T>) => void } {
  let resolve: (value: T | PromiseLike<T>) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function isCode(code: string, rep?: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof Socks5Error, `expected a Socks5Error, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (rep !== undefined) assert.equal(error.rep, rep);
    return true;
  };
}

describe('connectSocks5 ↔ acceptSocks5 over 127.0.0.1', () => {
  it('exchanges 1 MiB each way intact (sha256) after the handshake', async (t) => {
    const toClient = randomBytes(1 << 20);
    const toServer = randomBytes(1 << 20);
    const serverReceived = deferred<Buffer>();
    const port = await listen(t, (socket) => {
      serverReceived.resolve(
        (async () => {
          const request = await acceptSocks5(socket, { timeoutMs: TIMEOUT_MS });
          assert.equal(request.hash, HASH);
          await request.accept();
          socket.end(toClient);
          return readAll(socket);
        })(),
      );
    });
    const socket = await connectSocks5({ host: '127.0.0.1', port, hash: HASH, timeoutMs: TIMEOUT_MS });
    assert.equal(socket.isPaused(), true, 'returned paused so no byte is emitted before we listen');
    socket.end(toServer);
    const clientReceived = await readAll(socket);
    assert.equal(sha256(clientReceived), sha256(toClient));
    assert.equal(sha256(await serverReceived.promise), sha256(toServer));
  });

  it('unshifts data that arrived in the same read as the reply', async (t) => {
    const port = await listen(t, (socket) => {
      socket.once('data', () => {
        socket.write(SELECTION);
        socket.once('data', () => socket.end(Buffer.concat([REPLY_OK, Buffer.from('early')])));
      });
    });
    const socket = await connectSocks5({ host: '127.0.0.1', port, hash: HASH, timeoutMs: TIMEOUT_MS });
    assert.equal((await readAll(socket)).toString(), 'early');
  });

  it('keeps data a client pipelined after its CONNECT for the bytestream', async (t) => {
    const accepted = deferred<Buffer>();
    const port = await listen(t, (socket) => {
      accepted.resolve(
        (async () => {
          const request = await acceptSocks5(socket, { timeoutMs: TIMEOUT_MS });
          await request.accept();
          return readAll(socket);
        })(),
      );
    });
    const raw = net.connect({ host: '127.0.0.1', port });
    raw.on('data', () => {});
    raw.end(Buffer.concat([GREETING, REQUEST, Buffer.from('pipelined')]));
    assert.equal((await accepted.promise).toString(), 'pipelined');
  });

  it('fails with FERRY_ERR_SOCKS5_TIMEOUT within the timeout against a silent server, closing the socket', async (t) => {
    const serverSide = deferred<void>();
    const port = await listen(t, (socket) => serverSide.resolve(closed(socket)));
    const started = performance.now();
    await assert.rejects(
      connectSocks5({ host: '127.0.0.1', port, hash: HASH, timeoutMs: 300 }),
      isCode('FERRY_ERR_SOCKS5_TIMEOUT'),
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 1300, `failed after ${elapsed} ms`);
    await serverSide.promise; // the client destroyed its end
  });

  it('rejects with an AbortError when the signal fires, closing the socket', async (t) => {
    const serverSide = deferred<void>();
    const port = await listen(t, (socket) => serverSide.resolve(closed(socket)));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(
      connectSocks5({
        host: '127.0.0.1',
        port,
        hash: HASH,
        timeoutMs: TIMEOUT_MS,
        signal: controller.signal,
      }),
      (error: Error) => error.name === 'AbortError' && /127\.0\.0\.1:\d+/.test(error.message),
    );
    await serverSide.promise;
    await assert.rejects(
      connectSocks5({
        host: '127.0.0.1',
        port,
        hash: HASH,
        timeoutMs: TIMEOUT_MS,
        signal: AbortSignal.abort(),
      }),
      { name: 'AbortError' },
    );
  });

  it('reports a reject(02) as FERRY_ERR_SOCKS5_REFUSED with rep 2', async (t) => {
    const port = await listen(t, (socket) => {
      acceptSocks5(socket, { timeoutMs: TIMEOUT_MS }).then((request) => request.reject(REPLY.NOT_ALLOWED));
    });
    await assert.rejects(
      connectSocks5({ host: '127.0.0.1', port, hash: HASH, timeoutMs: TIMEOUT_MS }),
      isCode('FERRY_ERR_SOCKS5_REFUSED', 0x02),
    );
  });

  it('reports a reply echoing another hash as FERRY_ERR_SOCKS5_PROTOCOL', async (t) => {
    const port = await listen(t, (socket) => {
      socket.once('data', () => {
        socket.write(SELECTION);
        socket.once('data', () => socket.write(addressed(0x00, 'f'.repeat(40))));
      });
    });
    await assert.rejects(
      connectSocks5({ host: '127.0.0.1', port, hash: HASH, timeoutMs: TIMEOUT_MS }),
      isCode('FERRY_ERR_SOCKS5_PROTOCOL'),
    );
  });

  it('reports a peer closing mid-handshake as FERRY_ERR_SOCKS5_CLOSED', async (t) => {
    const port = await listen(t, (socket) => socket.once('data', () => socket.end()));
    await assert.rejects(
      connectSocks5({ host: '127.0.0.1', port, hash: HASH, timeoutMs: TIMEOUT_MS }),
      isCode('FERRY_ERR_SOCKS5_CLOSED'),
    );
  });

  it('reports a closed port as FERRY_ERR_SOCKS5_UNREACHABLE naming host:port', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await assert.rejects(connectSocks5({ host: '127.0.0.1', port, hash: HASH, timeoutMs: TIMEOUT_MS }), (error) => {
      isCode('FERRY_ERR_SOCKS5_UNREACHABLE')(error);
      return (error as Error).message.includes(`127.0.0.1:${port}`);
    });
  });

  it('acceptSocks5 times out a silent client and closes its socket', async (t) => {
    const result = deferred<unknown>();
    const port = await listen(t, (socket) => result.resolve(acceptSocks5(socket, { timeoutMs: 200 })));
    const raw = net.connect({ host: '127.0.0.1', port });
    const clientSide = closed(raw);
    await assert.rejects(result.promise, isCode('FERRY_ERR_SOCKS5_TIMEOUT'));
    await clientSide;
  });

  it('acceptSocks5 answers 05 FF / fails with FERRY_ERR_SOCKS5_PROTOCOL on a bad greeting', async (t) => {
    const result = deferred<unknown>();
    const port = await listen(t, (socket) => result.resolve(acceptSocks5(socket, { timeoutMs: TIMEOUT_MS })));
    const raw = net.connect({ host: '127.0.0.1', port });
    raw.write(Buffer.from([0x05, 0x01, 0x02]));
    const answer = readAll(raw);
    await assert.rejects(result.promise, isCode('FERRY_ERR_SOCKS5_PROTOCOL'));
    assert.deepEqual(await answer, Buffer.from([0x05, 0xff]));
  });

  it('acceptSocks5: an abort while the owner decides makes accept() reject and closes the socket', async (t) => {
    const controller = new AbortController();
    const result = deferred<Socks5Request>();
    const port = await listen(t, (socket) => {
      result.resolve(acceptSocks5(socket, { timeoutMs: TIMEOUT_MS, signal: controller.signal }));
    });
    const raw = net.connect({ host: '127.0.0.1', port });
    raw.write(Buffer.concat([GREETING, REQUEST]));
    const clientSide = closed(raw);
    const request = await result.promise;
    controller.abort();
    await assert.rejects(request.accept(), { name: 'AbortError' });
    await clientSide;
  });
});
