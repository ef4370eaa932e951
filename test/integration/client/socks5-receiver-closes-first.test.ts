// XEP-0065: the Requester's end of an established bytestream when the receiver closes first.
// libpurple (Pidgin) closes as soon as it has read the offered size, which can be before the
// sender's end(): that is a complete transfer. (A close with bytes still to send stays an error:
// "the receiver aborts mid-way" in socks5-transport.test.ts.) A loopback socket pair stands in
// for the negotiated connection.
import { createHash, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { OutgoingSocks5Bytestream } from '@ferry/client/internal/transports/socks5/outgoing-stream';

const MiB = 1024 * 1024;
const WAIT_MS = 20_000;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('SOCKS5 outgoing bytestream: the receiver closes first (libpurple)', () => {
  const sockets: net.Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  /** alice's end of an established bytestream over a loopback socket pair, and the receiver's socket. */
  async function socketPair() {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const aliceSocket = net.connect(port, '127.0.0.1');
    await once(aliceSocket, 'connect');
    const [receiver] = await accepted;
    sockets.push(aliceSocket, receiver);
    server.close();
    const streamhost = { jid: 'alice@localhost/test', host: '127.0.0.1', port };
    const outgoing = new OutgoingSocks5Bytestream(aliceSocket, streamhost, {
      signal: new AbortController().signal,
      lingerMs: 1_000,
    });
    return { aliceSocket, receiver, outgoing };
  }

  /** Reads `size` bytes on the receiver's side, then closes it cleanly (FIN), as libpurple does. */
  function readThenClose(receiver: net.Socket, size: number): Promise<Buffer> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let got = 0;
      receiver.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        got += chunk.length;
        if (got >= size) {
          receiver.end();
          resolve(Buffer.concat(chunks));
        }
      });
    });
  }

  it('a receiver that closes right after the last byte, before our end(), is a success', async () => {
    const { aliceSocket, receiver, outgoing } = await socketPair();
    const data = randomBytes(MiB + 3);
    const received = readThenClose(receiver, data.length);
    const peerEnded = once(aliceSocket, 'end');
    outgoing.writable.write(data);
    await withTimeout(peerEnded, WAIT_MS, "the receiver's FIN");
    outgoing.writable.end();
    await withTimeout(once(outgoing.writable, 'finish'), WAIT_MS, 'finish');
    assert.equal(sha256(await received), sha256(data));
  });
});
