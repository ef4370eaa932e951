// Interop: Ferry's client library on a server we did not write. Two Ferry connections (alice,
// bob) log in to a private Prosody 0.12 and transfer files over IBB and over SOCKS5 through
// Prosody's mod_proxy65, found by disco on Prosody's domain. Prosody's proxy is strict (no
// pipelined SOCKS5 handshake) and holds the last 4 KiB of a relay until the sender half-closes:
// sizes here are not multiples of 4096 so that a missing half-close shows as a short file.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { prosodyUnavailable, startProsody, type ProsodyInstance } from '../helpers/prosody.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { connect, type XmppConnection } from '@ferry/client/internal/connection';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import { ProxyDirectory } from '@ferry/client/internal/transports/socks5/proxy-directory';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import type { IncomingOffer } from '@ferry/client/internal/incoming-offer';
import { xml } from '@ferry/protocol/xml/element';

const skip = prosodyUnavailable();
const PASSWORD = 'correct horse battery staple';
const WAIT_MS = 30_000;

describe('Ferry client on Prosody 0.12: file transfer', { skip }, () => {
  let prosody: ProsodyInstance;
  let alice: XmppConnection;
  let bob: XmppConnection;
  const files = tempDir('ferry-prosody-ft-');
  const managers: FileTransferManager[] = [];

  async function login(username: string): Promise<XmppConnection> {
    const connection = await connect({
      jid: `${username}@${prosody.domain}/ferry`,
      password: PASSWORD,
      host: '127.0.0.1',
      port: prosody.ports.c2s,
      timeoutMs: 10_000,
    });
    await connection.send(xml('presence'));
    return connection;
  }

  function pair(transports: () => BytestreamTransport[]) {
    const options = {
      fallbackToIbb: false, // a fallback would hide a failure of the method under test
      acceptTimeoutMs: WAIT_MS,
      decisionTimeoutMs: WAIT_MS,
      streamTimeoutMs: WAIT_MS,
    };
    const sender = new FileTransferManager(alice, { transports: transports(), ...options });
    const receiver = new FileTransferManager(bob, { transports: transports(), ...options });
    managers.push(sender, receiver);
    return {
      sender,
      nextOffer: () =>
        bounded(
          new Promise<IncomingOffer>((resolve) => receiver.once('offer', (offer) => resolve(offer as IncomingOffer))),
          'the offer',
        ),
    };
  }

  before(async () => {
    prosody = await startProsody({ users: { alice: PASSWORD, bob: PASSWORD } });
    alice = await login('alice');
    bob = await login('bob');
  });
  // Each case's managers go when it ends: a manager left on the connection would answer the next
  // case's offer (with no-valid-streams when it lacks the method) before the right one sees it.
  afterEach(() => {
    for (const m of managers.splice(0)) m.close();
  });
  after(async () => {
    await alice?.stop();
    await bob?.stop();
    await prosody?.stop();
    files.remove();
  });

  it("finds Prosody's mod_proxy65 by disco on the domain and asks it for its streamhost", async () => {
    const directory = new ProxyDirectory({ discover: true, timeoutMs: 5_000, cacheTtlMs: 1 });
    const lookup = await directory.lookup(alice);
    assert.deepEqual(lookup.problems, []);
    assert.deepEqual(lookup.streamhosts, [{ jid: prosody.proxyJid, host: '127.0.0.1', port: prosody.ports.proxy65 }]);
  });

  for (const [name, method, transports, size] of [
    ['IBB (XEP-0047) through Prosody', 'ibb', () => [createIbbTransport()], 512 * 1024 + 13],
    [
      "SOCKS5 (XEP-0065) through Prosody's mod_proxy65",
      'socks5',
      () => [createSocks5Transport({ direct: false })],
      4 * 1024 * 1024 + 13,
    ],
  ] as const) {
    it(`${name}: alice → bob, bytes intact`, async () => {
      const logged = () => `\n--- prosody log ---\n${prosody.logTail()}`;
      const m = pair(transports);
      const source = join(files.path, `${method}.bin`);
      const hash = writeRandomFile(source, size);
      const target = join(files.path, `${method}-received.bin`);
      const offered = m.nextOffer();
      const transfer = m.sender.send(bob.jid.toString(), source);
      const offer = await offered;
      assert.equal(offer.from.toString(), alice.jid.toString());
      assert.equal(offer.size, size);
      const [sent, received] = await bounded(
        Promise.all([transfer.done, offer.accept({ to: target })]),
        `the ${method} transfer`,
      ).catch((error: Error) => {
        throw new Error(`${error.message}${logged()}`, { cause: error });
      });
      assert.equal(sent.method, method);
      assert.equal(received.method, method);
      assert.equal(received.bytes, size);
      assert.equal(await sha256File(target), hash);
      if (method === 'socks5') {
        // The bytes went through Prosody's relay, not some other path (its debug log says so).
        assert.ok(
          prosody
            .logTail(1_000_000)
            .includes(`Transfer activated (sid: ${transfer.sid}, initiator: ${alice.jid.toString()}`),
          `mod_proxy65 activated ${transfer.sid}${logged()}`,
        );
      }
    });
  }
});

function bounded<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
