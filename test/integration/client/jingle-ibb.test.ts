// Jingle file transfer (XEP-0234) over In-Band Bytestreams (XEP-0261), Ferry ↔ Ferry on a real
// Ferry server: a verified file (SHA-256 in the offer), a stream (SHA-256 in a <checksum/> after
// the bytes), an empty file, decline, the receiver aborting mid-way, a hash mismatch, and an iq
// for a session nobody has. Sent with `method: 'jingle'`; received through the same 'offer' event as SI.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { hashingSink, patternStream, sha256File, tempDir, writeRandomFile } from '../../helpers/files.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { FileOffer } from '@ferry/client/internal/file-offer';
import type { TransferResult } from '@ferry/client/internal/outgoing-transfer';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { withTimeout } from '../../helpers/xmpp-client.js';

const open: { close(): void }[] = [];

function managers(pair: ConnectionPair) {
  const sender = new FileTransferManager(pair.alice, { transports: [createIbbTransport()], acceptTimeoutMs: 10_000 });
  const receiver = new FileTransferManager(pair.bob, {
    transports: [createIbbTransport()],
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

describe('Jingle file transfer over IBB, Ferry ↔ Ferry', () => {
  let pair: ConnectionPair;
  const files = tempDir();
  let source: string;
  let sourceHash: string;
  const size = 300 * 1024 + 7;
  before(async () => {
    pair = await startConnectionPair();
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

  it('a file path: offered with its SHA-256, received verified, .part renamed', async () => {
    const m = managers(pair);
    const target = join(files.path, 'received.jpg');
    const offered = m.nextOffer();
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'jingle', mimeType: 'image/jpeg' });
    const offer = await offered;
    assert.equal(offer.method, 'jingle');
    assert.equal(offer.name, 'photo.jpg');
    assert.equal(offer.size, size);
    assert.equal(offer.mimeType, 'image/jpeg');
    assert.equal(offer.sha256, sourceHash);
    const received = offer.accept({ to: target });
    const [sent, got] = await Promise.all([transfer.done, received]);
    assert.equal(sent.method, 'ibb');
    assert.equal(sent.sha256, sourceHash);
    assert.equal(got.sha256, sourceHash);
    assert.equal(await sha256File(target), sourceHash);
    assert.equal(existsSync(`${target}.part`), false);
  });

  it('a stream: hashed while sent, its SHA-256 in a <checksum/> session-info after the bytes', async () => {
    const m = managers(pair);
    const streamSize = 200 * 1024 + 3;
    const sink = hashingSink();
    m.receiver.once('offer', (offer) => void offer.accept({ to: sink }));
    const transfer = m.sender.send(pair.bob.jid.toString(), patternStream(streamSize), {
      method: 'jingle',
      name: 'stream.bin',
      size: streamSize,
    });
    const sent = await transfer.done;
    assert.equal(sink.bytes, streamSize);
    assert.equal(sent.sha256, sink.digest());
  });

  it('an empty file', async () => {
    const m = managers(pair);
    const empty = join(files.path, 'empty.txt');
    writeFileSync(empty, '');
    const target = join(files.path, 'received-empty.txt');
    m.receiver.once('offer', (offer) => void offer.accept({ to: target }));
    const sent = await m.sender.send(pair.bob.jid.toString(), empty, { method: 'jingle' }).done;
    assert.equal(sent.bytes, 0);
    assert.equal(await sha256File(target), await sha256File(empty));
  });

  it('a peer whose disco#info lacks Jingle over IBB: FERRY_ERR_PEER_UNSUPPORTED before any offer', async () => {
    const sender = new FileTransferManager(pair.alice, { transports: [createIbbTransport()] });
    const receiver = new FileTransferManager(pair.bob, {
      transports: [createSocks5Transport({ discoverProxies: false })],
    });
    open.push(sender, receiver);
    let offered = false;
    receiver.on('offer', () => (offered = true));
    const transfer = sender.send(pair.bob.jid.toString(), source, { method: 'jingle' });
    await assert.rejects(transfer.done, (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'FERRY_ERR_PEER_UNSUPPORTED');
      assert.match(error.message, /urn:xmpp:jingle:transports:ibb:1/);
      return true;
    });
    assert.equal(offered, false);
  });

  it('decline: session-terminate <decline/>, the sender gets FERRY_ERR_DECLINED', async () => {
    const m = managers(pair);
    m.receiver.once('offer', (offer) => offer.decline('not now'));
    const transfer = m.sender.send(pair.bob.jid.toString(), source, { method: 'jingle' });
    await assert.rejects(transfer.done, (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'FERRY_ERR_DECLINED');
      assert.match(error.message, /not now/);
      return true;
    });
  });

  it('the receiver aborts mid-transfer: the sender is cancelled by the peer', async () => {
    const m = managers(pair);
    const big = join(files.path, 'big.bin');
    writeRandomFile(big, 2 * 1024 * 1024);
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

  it('the sender aborts mid-transfer: session-terminate <cancel/>, the receiver is cancelled by the peer', async () => {
    const m = managers(pair);
    const big = join(files.path, 'big-sender.bin');
    writeRandomFile(big, 2 * 1024 * 1024);
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
    await assert.rejects(received, (error: { code?: string }) => error.code === 'FERRY_ERR_CANCELLED_BY_PEER');
    assert.equal(existsSync(target), false);
  });

  it('a hash mismatch: the receiver terminates <media-error/>, both sides fail, nothing is renamed', async () => {
    const m = managers(pair);
    const changing = join(files.path, 'changing.bin');
    writeRandomFile(changing, 64 * 1024);
    const target = join(files.path, 'mismatch.bin');
    let received: Promise<unknown> = Promise.resolve();
    m.receiver.once('offer', (offer) => {
      // The sender hashed the file for its offer; the bytes it sends now are others of the same size.
      writeRandomFile(changing, 64 * 1024);
      received = offer.accept({ to: target });
    });
    const transfer = m.sender.send(pair.bob.jid.toString(), changing, { method: 'jingle' });
    await assert.rejects(transfer.done, (error: { code?: string }) => error.code === 'FERRY_ERR_HASH_MISMATCH');
    await assert.rejects(received, (error: { code?: string }) => error.code === 'FERRY_ERR_HASH_MISMATCH');
    assert.equal(existsSync(target), false);
  });

  it('a Jingle iq for an unknown session: item-not-found + <unknown-session/>', async () => {
    const m = managers(pair);
    const iq = xml(
      'iq',
      { type: 'set', to: pair.bob.jid.toString() },
      xml('jingle', { xmlns: NS.JINGLE, action: 'session-info', sid: 'no-such-session' }),
    );
    await assert.rejects(pair.alice.request(iq, 10_000), (error: unknown) => {
      assert.ok(error instanceof StanzaError);
      assert.equal(error.condition, 'item-not-found');
      assert.equal(error.application?.getName(), 'unknown-session');
      assert.equal(error.application?.attrs.xmlns, NS.JINGLE_ERRORS);
      return true;
    });
    m.close();
  });

  it('a scripted sender that terminates <success/> itself after the bytes: still received and verified', async () => {
    const receiver = new FileTransferManager(pair.bob, { transports: [createIbbTransport()] });
    open.push(receiver);
    const target = join(files.path, 'from-script.jpg');
    let received: Promise<TransferResult> | undefined;
    receiver.once('offer', (offer) => {
      received = offer.accept({ to: target });
    });
    const sessionAccept = new Promise<Element>((resolve) => {
      const stop = pair.alice.onIq('set', NS.JINGLE, 'jingle', (_stanza, payload) => {
        if (payload.attrs.action === 'session-accept') {
          stop();
          resolve(payload);
        }
        return null;
      });
    });
    const jingle = (action: string, ...children: Element[]) =>
      xml(
        'iq',
        { type: 'set', to: pair.bob.jid.toString() },
        xml('jingle', { xmlns: NS.JINGLE, action, sid: 'scripted' }, ...children),
      );
    const hash = Buffer.from(sourceHash, 'hex').toString('base64');
    await pair.alice.request(
      jingle(
        'session-initiate',
        xml(
          'content',
          { creator: 'initiator', name: 'a-file-offer', senders: 'initiator' },
          xml(
            'description',
            { xmlns: NS.JINGLE_FT },
            xml(
              'file',
              null,
              xml('name', null, 'photo.jpg'),
              xml('size', null, String(size)),
              xml('hash', { xmlns: NS.HASHES, algo: 'sha-256' }, hash),
            ),
          ),
          xml('transport', { xmlns: NS.JINGLE_IBB, sid: 'ibb-scripted', 'block-size': '8192' }),
        ),
      ),
      10_000,
    );
    const accept = await withTimeout(sessionAccept, 10_000, 'the session-accept');
    const answered = accept.getChild('content')?.getChild('transport', NS.JINGLE_IBB);
    assert.equal(answered?.attrs.sid, 'ibb-scripted');
    const stream = await createIbbTransport().open({
      connection: pair.alice,
      sid: 'ibb-scripted',
      initiator: pair.alice.jid,
      target: pair.bob.jid,
      signal: new AbortController().signal,
      blockSize: Number(answered?.attrs['block-size']),
    });
    await pipeline(createReadStream(source), stream.writable);
    await pair.alice.request(jingle('session-terminate', xml('reason', null, xml('success'))), 10_000);
    assert.ok(received);
    const result = await withTimeout(received, 10_000, 'the received file');
    assert.equal(result.sha256, sourceHash);
    assert.equal(await sha256File(target), sourceHash);
  });

  it('an offer over a transport this slice lacks (SOCKS5): the receiver terminates <unsupported-transports/>', async () => {
    const receiver = new FileTransferManager(pair.bob, { transports: [createIbbTransport()] });
    open.push(receiver);
    const offers: FileOffer[] = [];
    receiver.on('offer', (offer) => offers.push(offer));
    const terminated = new Promise<Element>((resolve) => {
      const stop = pair.alice.onIq('set', NS.JINGLE, 'jingle', (_stanza, payload) => {
        stop();
        resolve(payload);
        return null;
      });
    });
    const initiate = xml(
      'jingle',
      { xmlns: NS.JINGLE, action: 'session-initiate', sid: 's5b-only', initiator: pair.alice.jid.toString() },
      xml(
        'content',
        { creator: 'initiator', name: 'a-file-offer', senders: 'initiator' },
        xml(
          'description',
          { xmlns: NS.JINGLE_FT },
          xml('file', null, xml('name', null, 'x.txt'), xml('size', null, '3')),
        ),
        xml('transport', { xmlns: NS.JINGLE_S5B, sid: 'vj3hs98y', mode: 'tcp' }),
      ),
    );
    await pair.alice.request(xml('iq', { type: 'set', to: pair.bob.jid.toString() }, initiate), 10_000);
    const terminate = await withTimeout(terminated, 10_000, 'the session-terminate');
    assert.equal(terminate.attrs.action, 'session-terminate');
    assert.equal(terminate.attrs.sid, 's5b-only');
    assert.ok(terminate.getChild('reason')?.getChild('unsupported-transports'));
    assert.equal(offers.length, 0, 'the application never saw it');
  });

  it("the client's disco#info lists Jingle, its file transfer and the IBB transport", () => {
    const m = managers(pair);
    const { features } = m.receiver.entity.info;
    for (const feature of [NS.JINGLE, NS.JINGLE_FT, NS.JINGLE_IBB]) assert.ok(features.includes(feature), feature);
  });
});
