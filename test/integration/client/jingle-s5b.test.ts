// Jingle file transfer (XEP-0234) over SOCKS5 (XEP-0260), Ferry ↔ Ferry on a real Ferry server:
// direct (each side's listener on loopback), through the server's proxy only (direct candidates
// off on both sides, as SI's `direct: false`), sizes from empty to several blocks, a stream with a
// <checksum/>, a hash mismatch (media-error), cancel and decline from either side. Bytes are
// checked by SHA-256. The candidate exchange is watched on the wire (transport-info).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { hashingSink, patternStream, sha256File, tempDir, writeRandomFile } from '../../helpers/files.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { Socks5TransportOptions } from '@ferry/client/internal/transports/socks5/index';
import type { FileOffer } from '@ferry/client/internal/file-offer';
import { NS } from '@ferry/protocol/namespaces';
import type { Element } from '@ferry/protocol/xml/element';
import { PROXY_OVERRIDES } from '../../conformance/transports.js';

const open: { close(): void }[] = [];

function managers(pair: ConnectionPair, socks5: Socks5TransportOptions = {}) {
  const options = { discoveryTimeoutMs: 5_000, candidateTimeoutMs: 3_000, ...socks5 };
  const sender = new FileTransferManager(pair.alice, {
    transports: [createSocks5Transport(options), createIbbTransport()],
    acceptTimeoutMs: 10_000,
  });
  const receiver = new FileTransferManager(pair.bob, {
    transports: [createSocks5Transport(options), createIbbTransport()],
    streamTimeoutMs: 10_000,
  });
  const both = {
    sender,
    receiver,
    nextOffer: () => new Promise<FileOffer>((resolve) => receiver.once('offer', resolve)),
    close() {
      sender.close();
      receiver.close();
    },
  };
  open.push(both);
  return both;
}

/** Records the s5b transport-info notifications each side receives. */
export function watchTransportInfo(pair: ConnectionPair): { alice: string[]; bob: string[]; stop(): void } {
  const seen = { alice: [] as string[], bob: [] as string[] };
  const watch = (side: 'alice' | 'bob') =>
    pair[side].onIq('set', NS.JINGLE, 'jingle', (_stanza, payload: Element) => {
      if (payload.attrs.action !== 'transport-info') return undefined;
      const transport = payload.getChild('content')?.getChild('transport', NS.JINGLE_S5B);
      const child = transport?.getChildElements()[0];
      if (child) seen[side].push(child.getName());
      return undefined; // the manager still answers it
    });
  const stops = [watch('alice'), watch('bob')];
  return { ...seen, stop: () => stops.forEach((stop) => stop()) };
}

describe('Jingle file transfer over SOCKS5, Ferry ↔ Ferry', () => {
  let pair: ConnectionPair;
  const files = tempDir();
  let source: string;
  let sourceHash: string;
  const size = 700 * 1024 + 11;
  before(async () => {
    pair = await startConnectionPair(PROXY_OVERRIDES);
    source = join(files.path, 'photo.jpg');
    sourceHash = writeRandomFile(source, size);
  });
  after(async () => {
    await pair.stop();
    files.remove();
  });
  afterEach(() => {
    for (const m of open.splice(0)) m.close();
  });

  it('direct: offered with candidates, both sides report candidate-used, the bytes verified', async () => {
    const wire = watchTransportInfo(pair); // first: the managers' handlers claim what they answer
    const m = managers(pair);
    const target = join(files.path, 'direct.jpg');
    const offered = m.nextOffer();
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'jingle' });
    const fallbacks: unknown[] = [];
    transfer.on('fallback', (event) => fallbacks.push(event));
    const offer = await offered;
    assert.equal(offer.method, 'jingle');
    const [sent, got] = await Promise.all([transfer.done, offer.accept({ to: target })]);
    wire.stop();
    assert.equal(sent.method, 'socks5');
    assert.equal(got.method, 'socks5');
    assert.equal(sent.streamhost, pair.alice.jid.toString(), 'direct: the sender’s own JID, as SI says it');
    assert.equal(got.streamhost, pair.alice.jid.toString());
    assert.equal(sent.sha256, sourceHash);
    assert.equal(got.sha256, sourceHash);
    assert.equal(await sha256File(target), sourceHash);
    assert.deepEqual(fallbacks, []);
    assert.ok(wire.alice.includes('candidate-used'), `alice got ${wire.alice.join(', ')}`);
    assert.ok(wire.bob.includes('candidate-used'), `bob got ${wire.bob.join(', ')}`);
  });

  it('through the proxy only (direct candidates off): activated, the bytes verified', async () => {
    const wire = watchTransportInfo(pair);
    const m = managers(pair, { direct: false });
    const target = join(files.path, 'proxied.jpg');
    m.receiver.once('offer', (offer) => void offer.accept({ to: target }));
    const sent = await m.sender.send(pair.bob.jid.toString(), source, { method: 'jingle' }).done;
    wire.stop();
    assert.equal(sent.method, 'socks5');
    assert.equal(sent.streamhost, 'proxy.localhost');
    assert.equal(await sha256File(target), sourceHash);
    // §2.4: whoever offered the nominated proxy activated it and said so.
    assert.ok([...wire.alice, ...wire.bob].includes('activated'), `${wire.alice} / ${wire.bob}`);
  });

  for (const [name, bytes] of [
    ['an empty file', 0],
    ['1 byte', 1],
    ['exactly 4 blocks of 4096', 4 * 4096],
  ] as const) {
    it(`${name} over SOCKS5`, async () => {
      const m = managers(pair);
      const path = join(files.path, `size-${bytes}.bin`);
      if (bytes === 0) writeFileSync(path, '');
      else writeRandomFile(path, bytes);
      const target = join(files.path, `size-${bytes}-received.bin`);
      m.receiver.once('offer', (offer) => void offer.accept({ to: target }));
      const sent = await m.sender.send(pair.bob.jid.toString(), path, { method: 'jingle' }).done;
      assert.equal(sent.method, 'socks5');
      assert.equal(sent.bytes, bytes);
      assert.equal(await sha256File(target), await sha256File(path));
    });
  }

  it('a stream: its SHA-256 in a <checksum/> after the bytes', async () => {
    const m = managers(pair);
    const streamSize = 300 * 1024 + 5;
    const sink = hashingSink();
    m.receiver.once('offer', (offer) => void offer.accept({ to: sink }));
    const sent = await m.sender.send(pair.bob.jid.toString(), patternStream(streamSize), {
      method: 'jingle',
      name: 'stream.bin',
      size: streamSize,
    }).done;
    assert.equal(sent.method, 'socks5');
    assert.equal(sink.bytes, streamSize);
    assert.equal(sent.sha256, sink.digest());
  });

  it('a hash mismatch: the receiver terminates <media-error/>, both sides fail', async () => {
    const m = managers(pair);
    const changing = join(files.path, 'changing.bin');
    writeRandomFile(changing, 64 * 1024);
    const target = join(files.path, 'mismatch.bin');
    let received: Promise<unknown> = Promise.resolve();
    m.receiver.once('offer', (offer) => {
      writeRandomFile(changing, 64 * 1024);
      received = offer.accept({ to: target });
    });
    const transfer = m.sender.send(pair.bob.jid.toString(), changing, { method: 'jingle' });
    await assert.rejects(transfer.done, (error: { code?: string }) => error.code === 'FERRY_ERR_HASH_MISMATCH');
    await assert.rejects(received, (error: { code?: string }) => error.code === 'FERRY_ERR_HASH_MISMATCH');
    assert.equal(existsSync(target), false);
  });

  it('decline: FERRY_ERR_DECLINED, and the offered listener is closed', async () => {
    const m = managers(pair);
    m.receiver.once('offer', (offer) => offer.decline('no thanks'));
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'jingle' });
    await assert.rejects(transfer.done, (error: { code?: string }) => error.code === 'FERRY_ERR_DECLINED');
  });

  it('the receiver aborts mid-transfer: the sender is cancelled by the peer', async () => {
    const m = managers(pair);
    const big = join(files.path, 'big.bin');
    writeRandomFile(big, 32 * 1024 * 1024);
    const target = join(files.path, 'aborted.bin');
    const controller = new AbortController();
    let received: Promise<unknown> = Promise.resolve();
    m.receiver.once('offer', (offer) => {
      offer.on('progress', (progress) => {
        if (progress.bytes > 0) controller.abort(new Error('user cancelled'));
      });
      received = offer.accept({ to: target, signal: controller.signal });
    });
    const transfer = m.sender.send(pair.bob.jid.toString(), big, { method: 'jingle' });
    await assert.rejects(transfer.done, (error: { code?: string }) => error.code === 'FERRY_ERR_CANCELLED_BY_PEER');
    await assert.rejects(received);
    assert.equal(existsSync(target), false);
  });

  it('the sender aborts mid-transfer: the receiver is cancelled by the peer', async () => {
    const m = managers(pair);
    const big = join(files.path, 'big-sender.bin');
    writeRandomFile(big, 32 * 1024 * 1024);
    const target = join(files.path, 'sender-aborted.bin');
    const controller = new AbortController();
    let received: Promise<unknown> = Promise.resolve();
    m.receiver.once('offer', (offer) => {
      received = offer.accept({ to: target });
    });
    const transfer = m.sender.send(pair.bob.jid.toString(), big, { method: 'jingle', signal: controller.signal });
    transfer.on('progress', (progress) => {
      if (progress.bytes > 0) controller.abort(new Error('user cancelled'));
    });
    await assert.rejects(transfer.done, /user cancelled/);
    await assert.rejects(received, (error: { code?: string }) =>
      ['FERRY_ERR_CANCELLED_BY_PEER', 'FERRY_ERR_SIZE_MISMATCH', 'FERRY_ERR_CANCELLED'].includes(error.code ?? ''),
    );
    assert.equal(existsSync(target), false);
  });

  it('resume (XEP-0234 §4): the receiver holding NAME.part asks for the rest with <range offset/>', async () => {
    const m = managers(pair);
    const target = join(files.path, 'resumed.jpg');
    const held = 123_457;
    writeFileSync(`${target}.part`, readFileSync(source).subarray(0, held));
    const offered = m.nextOffer();
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'jingle' });
    const accepted: number[] = [];
    transfer.on('accepted', ({ offset }) => accepted.push(offset));
    const offer = (await offered) as FileOffer & { canResume?: boolean };
    assert.equal(offer.canResume, true, 'a file path is offered with <range/>');
    const [sent, got] = await Promise.all([transfer.done, offer.accept({ to: target, resume: true })]);
    assert.deepEqual(accepted, [held]);
    assert.equal(sent.offset, held);
    assert.equal(sent.bytes, size - held);
    assert.equal(got.offset, held);
    assert.equal(got.bytes, size - held);
    assert.equal(got.sha256, sourceHash, 'the whole file, .part prefix included');
    assert.equal(await sha256File(target), sourceHash);
  });

  it('resume into a Writable that holds the start: only the rest is sent (size checked, not the hash)', async () => {
    const m = managers(pair);
    const sink = hashingSink();
    const offset = 4096;
    m.receiver.once('offer', (offer) => void offer.accept({ to: sink, offset }));
    const sent = await m.sender.send(pair.bob.jid.toString(), source, { method: 'jingle' }).done;
    assert.equal(sent.offset, offset);
    assert.equal(sink.bytes, size - offset);
    assert.equal(sink.digest(), createHash('sha256').update(readFileSync(source).subarray(offset)).digest('hex'));
  });

  it("the client's disco#info lists the SOCKS5 transport", () => {
    const m = managers(pair);
    assert.ok(m.receiver.entity.info.features.includes(NS.JINGLE_S5B));
  });
});
