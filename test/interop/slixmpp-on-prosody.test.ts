// Interop: slixmpp (Debian python3-slixmpp 1.8.3) ⇄ Ferry's client library on a server we did not
// write: a private Prosody 0.12 (test/helpers/prosody.ts). Both directions, IBB (XEP-0047) and
// SOCKS5 (XEP-0065) relayed by Prosody's mod_proxy65 (proxy.localhost), each found by disco on
// the domain: slixmpp's own discover_proxies() when it sends, Ferry's ProxyDirectory when Ferry
// sends with createSocks5Transport({ direct: false }). Bytes checked by SHA-256, no fallback.
// Prosody's proxy holds the last 4 KiB of a relay until the sender half-closes: sizes here are not
// multiples of 4096 so that a missing half-close shows as a short file, not a pass.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prosodyUnavailable, startProsody, type ProsodyInstance } from '../helpers/prosody.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { hasPythonModule, startPythonPeer, type PythonPeer } from '../helpers/python-peer.js';
import { connect, type XmppConnection } from '../../src/client/connection.js';
import { FileTransferManager } from '../../src/client/file-transfer.js';
import { createIbbTransport, createSocks5Transport } from '../../src/client/index.js';
import type { BytestreamTransport } from '../../src/client/transports/bytestream.js';
import type { IncomingOffer } from '../../src/client/incoming-offer.js';
import { xml } from '../../src/protocol/xml/element.js';

const SCRIPT = fileURLToPath(new URL('./peers/slixmpp_file_peer.py', import.meta.url));
const skip =
  prosodyUnavailable() ||
  (hasPythonModule('slixmpp') ? false : 'python3-slixmpp is not installed (apt-get install python3-slixmpp)');
const PASSWORD = 'correct horse battery staple';
const WAIT_MS = 30_000;

describe('slixmpp ⇄ Ferry client on Prosody 0.12: file transfer', { skip }, () => {
  let prosody: ProsodyInstance;
  let bob: XmppConnection;
  let sly: PythonPeer;
  let slyJid: string;
  const files = tempDir('ferry-slixmpp-prosody-ft-');
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

  /** Appends the peer's and Prosody's view to a failure, so a red run says where it broke. */
  function explained(error: Error): never {
    throw new Error(
      `${error.message}\n--- slixmpp stdout ---\n${sly.lines.join('\n')}\n--- prosody log ---\n${prosody.logTail()}`,
      { cause: error },
    );
  }

  /** mod_proxy65's debug log names every relay it activates: proof the bytes went through it. */
  function assertRelayedByProsody(sid: string, initiator: string): void {
    assert.ok(
      prosody.logTail(1_000_000).includes(`Transfer activated (sid: ${sid}, initiator: ${initiator}`),
      `mod_proxy65 activated ${sid} for ${initiator}\n--- prosody log ---\n${prosody.logTail()}`,
    );
  }

  before(async () => {
    prosody = await startProsody({ users: { bob: PASSWORD, sly: PASSWORD } });
    bob = await connect({
      jid: `bob@${prosody.domain}/ferry`,
      password: PASSWORD,
      host: '127.0.0.1',
      port: prosody.ports.c2s,
      timeoutMs: 10_000,
    });
    await bob.send(xml('presence'));
    // Prosody here has no certificate, so offers no STARTTLS; slixmpp then logs in in the clear
    // with SCRAM-SHA-1 (its unencrypted_scram default), over loopback only.
    sly = startPythonPeer(SCRIPT, [
      '--jid',
      `sly@${prosody.domain}/slix`,
      '--password',
      PASSWORD,
      '--port',
      String(prosody.ports.c2s),
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
    await prosody?.stop();
    files.remove();
  });

  describe('slixmpp sends, Ferry receives', () => {
    for (const [method, size] of [
      ['ibb', 200 * 1024 + 7],
      ['socks5', 3 * 1024 * 1024 + 7],
    ] as const) {
      const how = method === 'ibb' ? 'XEP-0047 through Prosody' : "XEP-0065 through Prosody's mod_proxy65";
      it(`${method}: slixmpp's XEP-0096 offer and ${how}; bytes intact`, async () => {
        const tag = `send-${method}`;
        const m = manager([createSocks5Transport(), createIbbTransport()]);
        const source = join(files.path, `${tag}.bin`);
        const hash = writeRandomFile(source, size);
        const target = join(files.path, `${tag}-received.bin`);
        const offered = nextOffer(m);
        sly.send(`SEND ${tag} ${method} ${bob.jid.toString()} ${source}`);
        const offer = await offered.catch(explained);
        assert.equal(offer.from.toString(), slyJid);
        assert.equal(offer.name, `${tag}.bin`);
        assert.equal(offer.size, size);
        const result = await bounded(offer.accept({ to: target }), `the ${method} transfer from slixmpp`).catch(
          explained,
        );
        assert.equal(result.method, method);
        assert.equal(result.bytes, size);
        assert.equal(await sha256File(target), hash);
        const sent = await sly.waitForLine(new RegExp(`^(SENT|SENDFAIL) ${tag} `), WAIT_MS);
        assert.equal(sent, `SENT ${tag} ${method} ${offer.sid} ${size}`);
        if (method === 'socks5') assertRelayedByProsody(offer.sid, slyJid);
      });
    }
  });

  describe('Ferry sends, slixmpp receives (the peer answers the SI offer itself: slixmpp bug 1)', () => {
    for (const [tag, method, transport, size] of [
      ['recv-ibb', 'ibb', () => createIbbTransport(), 200 * 1024 + 11],
      // direct: false, so the only streamhost offered is Prosody's proxy and the bytes go through it.
      ['recv-socks5-proxy', 'socks5', () => createSocks5Transport({ direct: false }), 3 * 1024 * 1024 + 11],
    ] as const) {
      const how = method === 'ibb' ? 'IBB through Prosody' : "SOCKS5 through Prosody's mod_proxy65 only";
      it(`${how}: slixmpp's ${method === 'ibb' ? 'XEP-0047' : 'XEP-0065'} receives the bytes intact`, async () => {
        const m = manager([transport()]);
        const source = join(files.path, `${tag}.bin`);
        const hash = writeRandomFile(source, size);
        const target = join(files.path, `${tag}-received.bin`);
        sly.send(`EXPECT ${tag} ${method} ${target}`);
        await sly.waitForLine(new RegExp(`^EXPECTING ${tag}$`));
        const transfer = m.send(slyJid, source);
        const sent = await bounded(transfer.done, `the ${method} transfer to slixmpp`).catch(explained);
        assert.equal(sent.method, method);
        assert.equal(sent.bytes, size);
        const received = await sly.waitForLine(new RegExp(`^(RECEIVED|RECVFAIL) ${tag} `), WAIT_MS).catch(explained);
        assert.equal(received, `RECEIVED ${tag} ${method} ${transfer.sid} ${size} ${hash}`);
        assert.equal(await sha256File(target), hash);
        if (method === 'socks5') assertRelayedByProsody(transfer.sid, bob.jid.toString());
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
