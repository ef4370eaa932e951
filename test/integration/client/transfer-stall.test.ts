// Issue 11 (#10): a transfer whose bytes stop moving is cancelled with FERRY_ERR_STALLED after the
// stall timeout, on whichever side notices, and the other side is told the protocol's way (IBB
// <close/>, SOCKS5 reset), so both settle. A frozen receiver is one whose output stops taking
// bytes: its SOCKS5 socket is then paused, its IBB acks held. A frozen sender's source stops
// giving bytes. Outcomes are asserted, never durations.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import type { IncomingOffer } from '@ferry/client/internal/incoming-offer';

const SIZE = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 7);

/** Gives `before` bytes on demand, then none: a sender whose disk or pipe froze. */
function source(before = SIZE): Readable {
  let given = 0;
  return new Readable({
    read() {
      if (given >= before) return; // frozen: never pushes again
      given += CHUNK.length;
      this.push(CHUNK);
    },
  });
}

/** Takes `before` bytes, then never calls back: a receiver that froze. */
function sink(before = Infinity): Writable {
  let taken = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (taken >= before) return; // frozen
      taken += chunk.length;
      callback();
    },
  });
}

const methods: { name: string; transports: () => BytestreamTransport[] }[] = [
  { name: 'IBB', transports: () => [createIbbTransport()] },
  { name: 'SOCKS5 direct', transports: () => [createSocks5Transport({ discoverProxies: false })] },
  { name: 'SOCKS5 via the proxy', transports: () => [createSocks5Transport({ direct: false })] },
];

async function transfer(
  pair: ConnectionPair,
  transports: () => BytestreamTransport[],
  options: { senderStallMs: number; receiverStallMs: number; source: Readable; sink: Writable },
) {
  const sender = new FileTransferManager(pair.alice, {
    transports: transports(),
    fallbackToIbb: false,
    stallTimeoutMs: options.senderStallMs,
  });
  const receiver = new FileTransferManager(pair.bob, {
    transports: transports(),
    stallTimeoutMs: options.receiverStallMs,
  });
  const offered = new Promise<IncomingOffer>((resolve) =>
    receiver.once('offer', (offer) => resolve(offer as IncomingOffer)),
  );
  const sending = sender.send(pair.bob.jid.toString(), options.source, { method: 'si', name: 'big.bin', size: SIZE });
  const received = (await offered).accept({ to: options.sink });
  const [sent, got] = await Promise.allSettled([sending.done, received]);
  sender.close();
  receiver.close();
  return { sent, got };
}

function codeOf(outcome: PromiseSettledResult<unknown>): string | undefined {
  assert.equal(outcome.status, 'rejected', 'the transfer cannot have completed');
  return (outcome as PromiseRejectedResult & { reason: { code?: string } }).reason.code;
}

function messageOf(outcome: PromiseSettledResult<unknown>): string {
  return ((outcome as PromiseRejectedResult).reason as Error).message;
}

for (const method of methods) {
  describe(`a stalled transfer over ${method.name}`, () => {
    let pair: ConnectionPair;
    before(async () => {
      pair = await startConnectionPair();
    });
    after(() => pair.stop());

    it('a receiver that stops reading: the sender cancels with FERRY_ERR_STALLED and the receiver settles', async () => {
      const { sent, got } = await transfer(pair, method.transports, {
        senderStallMs: 1_000,
        receiverStallMs: 4_000,
        source: source(),
        sink: sink(256 * 1024),
      });
      assert.equal(codeOf(sent), 'FERRY_ERR_STALLED', messageOf(sent));
      assert.equal(messageOf(sent), 'no data for 1 s to bob@localhost/receiver; cancelled');
      // SOCKS5: the reset arrives; IBB: the <close/> ends a stream our frozen output never drains,
      // so the receiver's own stall timeout ends it.
      assert.ok(
        ['FERRY_ERR_CANCELLED', 'FERRY_ERR_STALLED'].includes(codeOf(got) ?? ''),
        `receiver: ${codeOf(got)} ${messageOf(got)}`,
      );
    });

    it('a sender that stops sending: the receiver cancels with FERRY_ERR_STALLED and the sender is told', async () => {
      const { sent, got } = await transfer(pair, method.transports, {
        senderStallMs: 30_000,
        receiverStallMs: 1_000,
        source: source(256 * 1024),
        sink: sink(),
      });
      assert.equal(codeOf(got), 'FERRY_ERR_STALLED', messageOf(got));
      assert.equal(messageOf(got), 'no data for 1 s from alice@localhost/sender; cancelled');
      assert.equal(codeOf(sent), 'FERRY_ERR_CANCELLED_BY_PEER', messageOf(sent));
    });
  });
}
