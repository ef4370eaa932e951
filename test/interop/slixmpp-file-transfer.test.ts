// Interop: file transfer between slixmpp (Debian python3-slixmpp 1.8.3, its own XEP-0096/0095,
// XEP-0047 and XEP-0065 plugins) and Ferry's client library, over a Ferry server and its
// proxy.localhost. Both directions, IBB and SOCKS5 through the proxy; bytes checked by SHA-256.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.js';
import { loginConnection } from '../helpers/connection-pair.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { hasPythonModule, startPythonPeer, type PythonPeer } from '../helpers/python-peer.js';
import { FileTransferManager } from '../../src/client/file-transfer.js';
import { createIbbTransport, createSocks5Transport } from '../../src/client/index.js';
import type { XmppConnection } from '../../src/client/connection.js';
import type { BytestreamTransport } from '../../src/client/transports/bytestream.js';
import type { IncomingOffer } from '../../src/client/incoming-offer.js';

const SCRIPT = fileURLToPath(new URL('./peers/slixmpp_file_peer.py', import.meta.url));
const skip = hasPythonModule('slixmpp') ? false : 'python3-slixmpp is not installed (apt-get install python3-slixmpp)';
const WAIT_MS = 30_000;

describe('slixmpp ⇄ Ferry client: file transfer over a Ferry server', { skip }, () => {
  let ferry: TestServer;
  let bob: XmppConnection;
  let sly: PythonPeer;
  let slyJid: string;
  const files = tempDir('ferry-slixmpp-ft-');
  const managers: FileTransferManager[] = [];

  function manager(transports: BytestreamTransport[]): FileTransferManager {
    const m = new FileTransferManager(bob, {
      transports,
      fallbackToIbb: false, // a fallback would hide a failure of the method under test
      acceptTimeoutMs: WAIT_MS,
      decisionTimeoutMs: WAIT_MS,
      streamTimeoutMs: WAIT_MS,
    });
    managers.push(m);
    return m;
  }

  function nextOffer(m: FileTransferManager): Promise<IncomingOffer> {
    return bounded(new Promise((resolve) => m.once('offer', resolve)), 'an offer from slixmpp');
  }

  before(async () => {
    ferry = await startTestServer();
    ferry.addUser('bob');
    ferry.addUser('sly');
    bob = await loginConnection(ferry.ports.c2s, 'bob', 'ferry');
    sly = startPythonPeer(SCRIPT, [
      '--jid',
      'sly@localhost/slix',
      '--password',
      PASSWORD,
      '--port',
      String(ferry.ports.c2s),
      '--timeout',
      '20',
      '--lifetime',
      '150',
    ]);
    slyJid = (await sly.waitForLine(/^READY /)).slice('READY '.length);
  });
  // Each case's managers go when it ends: a manager left on the connection would answer the next
  // case's offer (with no-valid-streams when it lacks the method) before the right one sees it.
  afterEach(() => {
    for (const m of managers.splice(0)) m.close();
  });
  after(async () => {
    await sly?.stop();
    await bob?.stop();
    await ferry?.stop();
    files.remove();
  });

  describe('slixmpp sends, Ferry receives', () => {
    for (const [method, size] of [
      ['ibb', 200 * 1024 + 7],
      ['socks5', 3 * 1024 * 1024 + 7],
    ] as const) {
      const how = method === 'ibb' ? 'XEP-0047' : 'XEP-0065 through proxy.localhost (found by disco)';
      it(`${method}: slixmpp's XEP-0096 offer and ${how}; bytes intact`, async () => {
        const tag = `send-${method}`;
        const m = manager([createSocks5Transport(), createIbbTransport()]);
        const source = join(files.path, `${tag}.bin`);
        const hash = writeRandomFile(source, size);
        const target = join(files.path, `${tag}-received.bin`);
        const offered = nextOffer(m);
        sly.send(`SEND ${tag} ${method} ${bob.jid.toString()} ${source}`);
        const offer = await offered;
        assert.equal(offer.from.toString(), slyJid);
        assert.equal(offer.name, `${tag}.bin`);
        assert.equal(offer.size, size);
        const result = await bounded(offer.accept({ to: target }), `the ${method} transfer from slixmpp`);
        assert.equal(result.method, method);
        assert.equal(result.bytes, size);
        assert.equal(await sha256File(target), hash);
        const sent = await sly.waitForLine(new RegExp(`^(SENT|SENDFAIL) ${tag} `), WAIT_MS);
        assert.equal(sent, `SENT ${tag} ${method} ${offer.sid} ${size}`);
      });
    }
  });

  describe('Ferry sends, slixmpp receives (the peer answers the SI offer itself: slixmpp bug 1)', () => {
    for (const [tag, method, transport, size] of [
      ['recv-ibb', 'ibb', () => createIbbTransport(), 200 * 1024 + 11],
      ['recv-socks5-proxy', 'socks5', () => createSocks5Transport({ direct: false }), 3 * 1024 * 1024 + 11],
      ['recv-socks5-direct', 'socks5', () => createSocks5Transport({ discoverProxies: false }), 1024 * 1024 + 11],
    ] as const) {
      const how = {
        'recv-ibb': 'IBB',
        'recv-socks5-proxy': 'SOCKS5 through proxy.localhost only',
        'recv-socks5-direct': "SOCKS5 to Ferry's direct streamhost on 127.0.0.1",
      }[tag];
      it(`${how}: slixmpp's ${method === 'ibb' ? 'XEP-0047' : 'XEP-0065'} receives the bytes intact`, async () => {
        const m = manager([transport()]);
        const source = join(files.path, `${tag}.bin`);
        const hash = writeRandomFile(source, size);
        const target = join(files.path, `${tag}-received.bin`);
        sly.send(`EXPECT ${tag} ${method} ${target}`);
        await sly.waitForLine(new RegExp(`^EXPECTING ${tag}$`));
        const transfer = m.send(slyJid, source);
        const sent = await bounded(transfer.done, `the ${method} transfer to slixmpp`);
        assert.equal(sent.method, method);
        assert.equal(sent.bytes, size);
        const received = await sly.waitForLine(new RegExp(`^(RECEIVED|RECVFAIL) ${tag} `), WAIT_MS);
        assert.equal(received, `RECEIVED ${tag} ${method} ${transfer.sid} ${size} ${hash}`);
        assert.equal(await sha256File(target), hash);
      });
    }
  });
});

function bounded<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
