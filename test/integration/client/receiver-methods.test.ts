// The receiver's side of the method choice (XEP-0095 §4.2 / XEP-0065 §5.3.2): a receiver made
// with createTransports({ method }) accepts only that stream method from an offer listing several,
// declines an offer without it (no-valid-streams, with the reason), and with direct: false tries
// only the proxies among the sender's streamhosts. Ferry on both ends, on a real Ferry server.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { sha256File, tempDir, writeRandomFile } from '../../helpers/files.js';
import { FileTransferManager, type RefusedOffer } from '@ferry/client/internal/file-transfer';
import { createSocks5Transport, createIbbTransport, createTransports, type TransferResult } from '@ferry/client';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import type { RelayRecord } from '../../../src/server/modules/proxy65/index.js';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import { classifySiError, encodeSiOffer } from '@ferry/protocol/payloads/si';
import { xml } from '@ferry/protocol/xml/element';

describe('file transfer: the receiver chooses the stream method', () => {
  let pair: ConnectionPair;
  const files = tempDir();
  let source: string;
  let sourceHash: string;
  const open: FileTransferManager[] = [];
  const relays: RelayRecord[] = [];
  let stopListening: () => void;

  before(async () => {
    pair = await startConnectionPair();
    stopListening = pair.ferry.server.events.on('proxy65-relay', (record) => relays.push(record));
    source = join(files.path, 'photo.jpg');
    sourceHash = writeRandomFile(source, 512 * 1024 + 3);
  });
  after(async () => {
    stopListening();
    await pair.stop();
    files.remove();
  });
  afterEach(() => {
    for (const manager of open.splice(0)) manager.close();
  });

  function managers(senderTransports: BytestreamTransport[], receiverTransports: BytestreamTransport[]) {
    const sender = new FileTransferManager(pair.alice, {
      transports: senderTransports,
      acceptTimeoutMs: 10_000,
    });
    const receiver = new FileTransferManager(pair.bob, {
      transports: receiverTransports,
      streamTimeoutMs: 10_000,
      fallbackWaitMs: 10_000,
    });
    open.push(sender, receiver);
    return { sender, receiver };
  }

  /** Accepts the next offer into `target`; settles with the receiver's result (after the rename). */
  function acceptInto(receiver: FileTransferManager, target: string): Promise<TransferResult> {
    return new Promise((resolve, reject) =>
      receiver.once('offer', (offer) => void offer.accept({ to: target }).then(resolve, reject)),
    );
  }

  /** The relay of `sid` by proxy.localhost, accounted once both of its sockets closed. */
  async function relayOf(sid: string): Promise<RelayRecord | undefined> {
    for (let i = 0; i < 100 && !relays.some((record) => record.sid === sid); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return relays.find((record) => record.sid === sid);
  }

  it('method ibb: accepts IBB from an offer listing SOCKS5 first', async () => {
    const { sender, receiver } = managers(createTransports({}), createTransports({ method: 'ibb' }));
    const target = join(files.path, 'ibb.jpg');
    const received = acceptInto(receiver, target);
    const sent = await sender.send(pair.bob.jid.toString(), source, { method: 'si' }).done;
    assert.equal(sent.method, 'ibb');
    assert.equal((await received).method, 'ibb');
    assert.equal(await sha256File(target), sourceHash);
  });

  it('method socks5: accepts SOCKS5 from the same offer', async () => {
    const { sender, receiver } = managers(createTransports({}), createTransports({ method: 'socks5' }));
    const target = join(files.path, 'socks5.jpg');
    const received = acceptInto(receiver, target);
    const sent = await sender.send(pair.bob.jid.toString(), source, { method: 'si' }).done;
    assert.equal(sent.method, 'socks5');
    assert.equal((await received).method, 'socks5');
    assert.equal(await sha256File(target), sourceHash);
  });

  it('an offer without the forced method is declined: <no-valid-streams/> with the reason, never shown as an offer', async () => {
    const { sender, receiver } = managers(createTransports({ method: 'socks5' }), createTransports({ method: 'ibb' }));
    const offers: string[] = [];
    receiver.on('offer', (offer) => offers.push(offer.name));
    const refused = new Promise<RefusedOffer>((resolve) => receiver.once('refused', resolve));
    // A Ferry sender reads the receiver's disco#info first and does not even offer:
    await assert.rejects(
      sender.send(pair.bob.jid.toString(), source, { method: 'si' }).done,
      (error: { code?: string }) => error.code === 'FERRY_ERR_PEER_UNSUPPORTED',
    );
    // A client that offers anyway (Pidgin does not ask which methods we take):
    // <si id='s5-only' profile=SI_FILE><file name='photo.jpg' size='3'/><feature>…bytestreams…</feature></si>
    const offer = encodeSiOffer({
      id: 's5-only',
      profile: NS.SI_FILE,
      methods: [NS.BYTESTREAMS],
      file: { name: 'photo.jpg', size: 3 },
    });
    const answer = pair.alice.request(xml('iq', { type: 'set', to: pair.bob.jid.toString() }, offer), 10_000);
    // <error type='cancel' code='400'><bad-request/><no-valid-streams xmlns=SI/><text>…</text></error>
    await assert.rejects(answer, (error: unknown) => {
      assert.ok(error instanceof StanzaError);
      assert.equal(error.condition, 'bad-request');
      assert.equal(error.type, 'cancel');
      assert.equal(classifySiError(error), 'no-valid-streams');
      assert.equal(error.text, 'the receiver accepts only ibb; the offer has socks5');
      return true;
    });
    const refusal = await refused;
    assert.equal(refusal.name, 'photo.jpg');
    assert.equal(refusal.sid, 's5-only');
    assert.equal(refusal.from.toString(), pair.alice.jid.toString());
    assert.deepEqual(offers, []);
  });

  it('direct: false skips the sender’s own streamhost: the proxy relays it although direct was offered first', async () => {
    const { sender, receiver } = managers(createTransports({}), createTransports({ direct: false }));
    const target = join(files.path, 'proxied.jpg');
    const received = acceptInto(receiver, target);
    const transfer = sender.send(pair.bob.jid.toString(), source, { method: 'si' });
    const fallbacks: string[] = [];
    transfer.on('fallback', ({ reason }) => fallbacks.push(reason.message));
    const sent = await transfer.done;
    assert.deepEqual(fallbacks, []);
    assert.equal(sent.method, 'socks5');
    assert.equal(sent.streamhost, 'proxy.localhost');
    assert.equal((await received).method, 'socks5');
    assert.equal((await relayOf(sent.sid))?.bytesToTarget, 512 * 1024 + 3);
    assert.equal(await sha256File(target), sourceHash);
  });

  it('direct: false and only the sender’s own streamhost: item-not-found, and the sender falls back to IBB', async () => {
    const { sender, receiver } = managers(
      [createSocks5Transport({ discoverProxies: false }), createIbbTransport()],
      createTransports({ direct: false }),
    );
    const target = join(files.path, 'fallback.jpg');
    const received = acceptInto(receiver, target);
    const transfer = sender.send(pair.bob.jid.toString(), source, { method: 'si' });
    const fallbacks: string[] = [];
    transfer.on('fallback', ({ from, to, reason }) => fallbacks.push(`${from}→${to}: ${reason.message}`));
    const sent = await transfer.done;
    assert.equal(sent.method, 'ibb');
    assert.equal(fallbacks.length, 1);
    assert.match(fallbacks[0]!, /^socks5→ibb: .*direct connections are off/);
    assert.equal((await received).method, 'ibb');
    assert.equal(await sha256File(target), sourceHash);
  });
});
