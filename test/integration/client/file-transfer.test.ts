// File transfer end to end: two client-library users on a real Ferry server, one scenario per
// outcome — declined, accepted over IBB, over SOCKS5 through the proxy or direct, falling back to
// IBB when SOCKS5 cannot connect, and a proxy advertising an unreachable address — bytes verified
// by hash.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { sha256File, tempDir, writeRandomFile } from '../../helpers/files.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import type { IncomingOffer } from '@ferry/client/internal/incoming-offer';

const open: { close(): void }[] = [];

function managers(pair: ConnectionPair, transports: () => BytestreamTransport[]) {
  const sender = new FileTransferManager(pair.alice, {
    transports: transports(),
    acceptTimeoutMs: 10_000,
    fallbackWaitMs: 10_000,
  });
  const receiver = new FileTransferManager(pair.bob, { transports: transports(), streamTimeoutMs: 10_000 });
  const pairOfManagers = {
    sender,
    receiver,
    nextOffer: () =>
      new Promise<IncomingOffer>((resolve) => receiver.once('offer', (offer) => resolve(offer as IncomingOffer))),
    close() {
      sender.close();
      receiver.close();
    },
  };
  open.push(pairOfManagers);
  return pairOfManagers;
}

const ibbOnly = () => [createIbbTransport()];
const proxyOnly = () => [createSocks5Transport({ direct: false }), createIbbTransport()];
const directOnly = () => [createSocks5Transport({ discoverProxies: false }), createIbbTransport()];

describe('file transfer: decline, each method, and fallback', () => {
  let pair: ConnectionPair;
  const files = tempDir();
  let source: string;
  let sourceHash: string;
  before(async () => {
    pair = await startConnectionPair();
    source = join(files.path, 'report.pdf');
    sourceHash = writeRandomFile(source, 3 * 1024 * 1024 + 17);
  });
  after(async () => {
    await pair.stop();
    files.remove();
  });
  afterEach(() => {
    for (const m of open.splice(0)) m.close();
  });

  it('decline: the sender learns the receiver said no (<error type="cancel"><forbidden/></error>)', async () => {
    const m = managers(pair, ibbOnly);
    const offered = m.nextOffer();
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'si', description: 'quarterly report' });
    const offer = await offered;
    assert.equal(offer.name, 'report.pdf');
    assert.equal(offer.size, 3 * 1024 * 1024 + 17);
    assert.equal(offer.description, 'quarterly report');
    assert.match(offer.hash ?? '', /^[0-9a-f]{32}$/);
    offer.decline();
    await assert.rejects(transfer.done, (error: { code?: string }) => error.code === 'FERRY_ERR_DECLINED');
    m.close();
  });

  for (const [name, transports, method] of [
    ['accept + IBB', ibbOnly, 'ibb'],
    ['accept + SOCKS5 via the proxy', proxyOnly, 'socks5'],
    ['SOCKS5 direct', directOnly, 'socks5'],
  ] as const) {
    it(`${name}: bytes intact, .part renamed`, async () => {
      const m = managers(pair, transports);
      const target = join(files.path, `received-${method}-${name.length}.pdf`);
      m.receiver.once('offer', (offer) => void offer.accept({ to: target }));
      const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'si' });
      const sent = await transfer.done;
      assert.equal(sent.method, method);
      const received = await waitForFile(target);
      assert.equal(await sha256File(received), sourceHash);
      assert.equal(existsSync(`${target}.part`), false);
      m.close();
    });
  }

  it('proxy disabled and no direct path: falls back to IBB without user action (where Spark waits forever)', async () => {
    const m = managers(pair, () => [
      createSocks5Transport({ direct: false, proxies: [], discoverProxies: false }),
      createIbbTransport(),
    ]);
    const target = join(files.path, 'fallback.pdf');
    m.receiver.once('offer', (offer) => void offer.accept({ to: target }));
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'si' });
    const fallbacks: string[] = [];
    transfer.on('fallback', ({ from, to }) => fallbacks.push(`${from}→${to}`));
    const sent = await transfer.done;
    assert.equal(sent.method, 'ibb');
    assert.deepEqual(fallbacks, ['socks5→ibb']);
    assert.equal(await sha256File(await waitForFile(target)), sourceHash);
    m.close();
  });

  it('resume: the receiver holding part of the file asks for the rest with <range offset/>', async () => {
    const m = managers(pair, ibbOnly);
    const target = join(files.path, 'resumed.pdf');
    const whole = readFileSync(source);
    writeFileSync(`${target}.part`, whole.subarray(0, 1_000_000));
    let offset = -1;
    m.receiver.once('offer', (offer) => void offer.accept({ to: target, resume: true }));
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'si' });
    transfer.on('accepted', (accepted) => (offset = accepted.offset));
    const sent = await transfer.done;
    assert.equal(offset, 1_000_000);
    assert.equal(sent.bytes, whole.length - 1_000_000, 'only the rest was sent');
    assert.equal(await sha256File(await waitForFile(target)), sourceHash);
    m.close();
  });

  it('sender aborts mid-way: both sides end with an error, nothing is renamed', async () => {
    const m = managers(pair, ibbOnly);
    const target = join(files.path, 'sender-aborted.pdf');
    const controller = new AbortController();
    let received: Promise<unknown> = Promise.resolve();
    m.receiver.once('offer', (offer) => {
      received = offer.accept({ to: target });
    });
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'si', signal: controller.signal });
    transfer.on('progress', (progress) => {
      if (progress.bytes > 0) controller.abort(new Error('user cancelled'));
    });
    await assert.rejects(transfer.done);
    await assert.rejects(received);
    assert.equal(existsSync(target), false);
    m.close();
  });

  it('receiver aborts mid-way: the sender stops with an error', async () => {
    const m = managers(pair, ibbOnly);
    const target = join(files.path, 'receiver-aborted.pdf');
    const controller = new AbortController();
    m.receiver.once('offer', (offer) => {
      offer.on('progress', (progress) => {
        if (progress.bytes > 0) controller.abort(new Error('receiver cancelled'));
      });
      void offer.accept({ to: target, signal: controller.signal }).catch(() => {});
    });
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'si' });
    await assert.rejects(transfer.done);
    assert.equal(existsSync(target), false);
    m.close();
  });
});

async function waitForFile(path: string): Promise<string> {
  // offer.accept() resolves after the rename; the sender may finish a moment earlier.
  for (let i = 0; i < 100 && !existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(existsSync(path) && statSync(path).isFile(), `${path} exists`);
  return path;
}

describe('file transfer: a proxy advertising an address nobody can reach (behind NAT, no advertised_host)', () => {
  it('falls back to IBB and completes', async () => {
    const closed = await closedPort();
    const pair = await startConnectionPair({ 'modules.proxy65.advertised_port': closed });
    const files = tempDir();
    try {
      const source = join(files.path, 'photo.jpg');
      const hash = writeRandomFile(source, 512 * 1024);
      const m = managers(pair, () => [
        createSocks5Transport({ direct: false, candidateTimeoutMs: 2_000 }),
        createIbbTransport(),
      ]);
      const target = join(files.path, 'photo-received.jpg');
      m.receiver.once('offer', (offer) => void offer.accept({ to: target }));
      const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'si' });
      const reasons: string[] = [];
      transfer.on('fallback', ({ reason }) => reasons.push((reason as { code?: string }).code ?? reason.message));
      const sent = await transfer.done;
      assert.equal(sent.method, 'ibb');
      assert.deepEqual(reasons, ['FERRY_ERR_NO_STREAMHOST']);
      assert.equal(await sha256File(await waitForFile(target)), hash);
      m.close();
    } finally {
      await pair.stop();
      files.remove();
    }
  });
});

/** A loopback port with nothing listening: bound, noted, closed. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('file transfer: the receiver goes offline', () => {
  it('ends the sender’s wait with FERRY_ERR_PEER_OFFLINE when the peer’s resource goes unavailable', async () => {
    const pair = await startConnectionPair();
    const files = tempDir();
    try {
      const { xml } = await import('@ferry/protocol/xml/element');
      const { loginConnection } = await import('../../helpers/connection-pair.js');
      // alice subscribes to bob's presence, so she hears when his resources leave.
      const subscribed = new Promise<void>((resolve) =>
        pair.alice.onPresence((presence) => {
          if (presence.attrs.type === 'subscribed') resolve();
        }),
      );
      const requested = new Promise<void>((resolve) =>
        pair.bob.onPresence((presence) => {
          if (presence.attrs.type === 'subscribe') resolve();
        }),
      );
      await pair.alice.send(xml('presence', { to: 'bob@localhost', type: 'subscribe' }));
      await requested;
      await pair.bob.send(xml('presence', { to: 'alice@localhost', type: 'subscribed' }));
      await subscribed;

      const phone = await loginConnection(pair.ferry.ports.c2s, 'bob', 'phone');
      const receiver = new FileTransferManager(phone, { transports: ibbOnly() });
      const sender = new FileTransferManager(pair.alice, { transports: ibbOnly(), acceptTimeoutMs: 30_000 });
      receiver.once('offer', () => void phone.stop()); // never answers: the resource just leaves
      const source = join(files.path, 'late.bin');
      writeRandomFile(source, 1024);
      const transfer = sender.send(phone.jid.toString(), source, { method: 'si' });
      await assert.rejects(transfer.done, (error: { code?: string }) => error.code === 'FERRY_ERR_PEER_OFFLINE');
      sender.close();
      receiver.close();
    } finally {
      await pair.stop();
      files.remove();
    }
  });
});

describe('file transfer: resume into a Writable', () => {
  it('sends only the bytes after the requested offset', async () => {
    const pair = await startConnectionPair();
    const files = tempDir();
    try {
      const source = join(files.path, 'video.mp4');
      writeRandomFile(source, 300_000);
      const whole = readFileSync(source);
      const m = managers(pair, ibbOnly);
      const chunks: Buffer[] = [];
      const { Writable } = await import('node:stream');
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      });
      const received = new Promise<unknown>((resolve, reject) =>
        m.receiver.once('offer', (offer) => offer.accept({ to: sink, offset: 100_000 }).then(resolve, reject)),
      );
      const sent = await m.sender.send(pair.bob.jid.toString(), source, { method: 'si' }).done;
      await received;
      assert.equal(sent.offset, 100_000);
      assert.ok(Buffer.concat(chunks).equals(whole.subarray(100_000)), 'exactly the rest of the file');
    } finally {
      await pair.stop();
      files.remove();
    }
  });
});
