// The slixmpp ⇄ Ferry-client file-transfer cases, run against any server: Ferry's own, or a
// server we did not write (Prosody). Both directions, IBB and SOCKS5; bytes checked by SHA-256;
// no fallback, so a failing method is never hidden by another.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256File, tempDir, writeRandomFile } from './files.js';
import { startPythonPeer, type PythonPeer } from './python-peer.js';
import { PASSWORD } from './server.js';
import { withTimeout } from './xmpp-client.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { XmppConnection } from '@ferry/client/internal/connection';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import type { IncomingOffer } from '@ferry/client/internal/incoming-offer';

const SCRIPT = fileURLToPath(new URL('../interop/peers/slixmpp_file_peer.py', import.meta.url));
const WAIT_MS = 30_000;

/** The server under test, with bob (Ferry's client) logged in and accounts bob and sly. */
export interface FileSuiteServer {
  domain: string;
  c2sPort: number;
  bob: XmppConnection;
  stop(): Promise<void>;
  /** Extra evidence for a failure message (the server's log). */
  describe?(): string;
  /** Asserts the bytes of `sid` went through the server's proxy, where it can tell. */
  assertRelayed?(sid: string, initiator: string): void | Promise<void>;
}

export interface FileSuiteOptions {
  name: string;
  skip: string | false;
  start(): Promise<FileSuiteServer>;
  /** What SOCKS5 through the proxy is called here, for the test names. */
  proxyName: string;
  /** Also send to slixmpp over Ferry's own direct streamhost. */
  withDirect?: boolean;
}

export function describeSlixmppFileTransfer(options: FileSuiteOptions): void {
  describe(options.name, { skip: options.skip }, () => {
    let server: FileSuiteServer;
    let sly: PythonPeer;
    let slyJid: string;
    const files = tempDir('ferry-slixmpp-ft-');
    const managers: FileTransferManager[] = [];

    function manager(transports: BytestreamTransport[]): FileTransferManager {
      const m = new FileTransferManager(server.bob, {
        transports,
        fallbackToIbb: false,
        acceptTimeoutMs: WAIT_MS,
        decisionTimeoutMs: WAIT_MS,
        streamTimeoutMs: WAIT_MS,
      });
      managers.push(m);
      return m;
    }

    /** Appends the peer's and the server's view to a failure, so a red run says where it broke. */
    function explained(error: Error): never {
      const log = server.describe ? `\n--- server ---\n${server.describe()}` : '';
      throw new Error(`${error.message}\n--- slixmpp stdout ---\n${sly.lines.join('\n')}${log}`, { cause: error });
    }

    const bounded = <T>(promise: Promise<T>, what: string) => withTimeout(promise, WAIT_MS, what).catch(explained);

    before(async () => {
      server = await options.start();
      sly = startPythonPeer(SCRIPT, [
        ...['--jid', `sly@${server.domain}/slix`, '--password', PASSWORD, '--port', String(server.c2sPort)],
        ...['--timeout', '20', '--lifetime', '150'],
      ]);
      slyJid = (await sly.waitForLine(/^READY /)).slice('READY '.length);
    });
    // A manager left on the connection would answer the next case's offer before the right one.
    afterEach(() => {
      for (const m of managers.splice(0)) m.close();
    });
    after(async () => {
      await sly?.stop();
      await server?.stop();
      files.remove();
    });

    describe('slixmpp sends, Ferry receives', () => {
      for (const [method, size] of [
        ['ibb', 200 * 1024 + 7],
        ['socks5', 3 * 1024 * 1024 + 7],
      ] as const) {
        const how = method === 'ibb' ? 'XEP-0047' : `XEP-0065 through ${options.proxyName} (found by disco)`;
        it(`${method}: slixmpp's XEP-0096 offer and ${how}; bytes intact`, async () => {
          const tag = `send-${method}`;
          const m = manager([createSocks5Transport(), createIbbTransport()]);
          const source = join(files.path, `${tag}.bin`);
          const hash = writeRandomFile(source, size);
          const target = join(files.path, `${tag}-received.bin`);
          const offered = bounded(
            new Promise<IncomingOffer>((resolve) => m.once('offer', (offer) => resolve(offer as IncomingOffer))),
            'an offer',
          );
          sly.send(`SEND ${tag} ${method} ${server.bob.jid.toString()} ${source}`);
          const offer = await offered;
          assert.equal(offer.from.toString(), slyJid);
          assert.equal(offer.name, `${tag}.bin`);
          assert.equal(offer.size, size);
          const result = await bounded(offer.accept({ to: target }), `the ${method} transfer from slixmpp`);
          assert.equal(result.method, method);
          assert.equal(result.bytes, size);
          assert.equal(await sha256File(target), hash);
          const sent = await sly.waitForLine(new RegExp(`^(SENT|SENDFAIL) ${tag} `), WAIT_MS).catch(explained);
          assert.equal(sent, `SENT ${tag} ${method} ${offer.sid} ${size}`);
          if (method === 'socks5') await server.assertRelayed?.(offer.sid, slyJid);
        });
      }
    });

    describe('Ferry sends, slixmpp receives (the peer answers the SI offer itself: slixmpp bug 1)', () => {
      const cases = [
        { tag: 'recv-ibb', method: 'ibb', how: 'IBB', transport: () => createIbbTransport(), size: 200 * 1024 + 11 },
        {
          tag: 'recv-socks5-proxy',
          method: 'socks5',
          how: `SOCKS5 through ${options.proxyName} only`,
          transport: () => createSocks5Transport({ direct: false }),
          size: 3 * 1024 * 1024 + 11,
        },
      ];
      if (options.withDirect) {
        cases.push({
          tag: 'recv-socks5-direct',
          method: 'socks5',
          how: "SOCKS5 to Ferry's direct streamhost on 127.0.0.1",
          transport: () => createSocks5Transport({ discoverProxies: false }),
          size: 1024 * 1024 + 11,
        });
      }
      for (const { tag, method, how, transport, size } of cases) {
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
          const received = await sly.waitForLine(new RegExp(`^(RECEIVED|RECVFAIL) ${tag} `), WAIT_MS).catch(explained);
          assert.equal(received, `RECEIVED ${tag} ${method} ${transfer.sid} ${size} ${hash}`);
          assert.equal(await sha256File(target), hash);
          if (method === 'socks5' && tag === 'recv-socks5-proxy')
            await server.assertRelayed?.(transfer.sid, server.bob.jid.toString());
        });
      }
    });
  });
}
