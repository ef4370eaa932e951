// One real XEP-0065 mediated transfer through Ferry's proxy: the target connects, the initiator
// connects, the initiator activates, bytes go through. For tests that check the proxy still serves.
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { NS } from '@ferry/protocol/namespaces';
import { connectSocks5, dstAddrHash } from '@ferry/protocol/socks5';
import { withTimeout, xml, type TestClient } from './xmpp-client.js';

const WAIT_MS = 10_000;

/** Relays `bytes` random bytes from `initiator` to `target`; resolves when they all arrived intact. */
export async function proxyTransfer(
  proxy: { jid: string; port: number },
  initiator: TestClient,
  target: TestClient,
  bytes = 256 * 1024,
): Promise<void> {
  const sid = `t-${randomBytes(4).toString('hex')}`;
  const hash = dstAddrHash(sid, initiator.jid, target.jid);
  const connect = () => connectSocks5({ host: '127.0.0.1', port: proxy.port, hash, timeoutMs: WAIT_MS });
  const targetSocket = await connect();
  const initiatorSocket = await connect();
  try {
    await initiator.xmpp.iqCaller.request(
      xml(
        'iq',
        { type: 'set', to: proxy.jid },
        xml('query', { xmlns: NS.BYTESTREAMS, sid }, xml('activate', {}, target.jid)),
      ),
      WAIT_MS,
    );
    const data = randomBytes(bytes);
    const received = readAll(targetSocket);
    initiatorSocket.end(data);
    const digest = await withTimeout(received, WAIT_MS, 'the relayed bytes');
    if (digest !== createHash('sha256').update(data).digest('hex')) throw new Error('relayed bytes differ');
  } finally {
    initiatorSocket.destroy();
    targetSocket.destroy();
  }
}

function readAll(socket: Socket): Promise<string> {
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => hash.update(chunk));
    socket.once('end', () => resolve(hash.digest('hex')));
    socket.once('error', reject);
    socket.resume();
  });
}
