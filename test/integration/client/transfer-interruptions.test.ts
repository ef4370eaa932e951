// Transfers end at once, with the error that names the cause, when the server goes away or the
// receiver cancels — never after a 30–60 s timeout that blames something else.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { loginConnection, startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { xml } from '@ferry/protocol/xml/element';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import type { IncomingOffer } from '@ferry/client/internal/incoming-offer';

const SIZE = 64 * 1024 * 1024;

/** SIZE bytes, 16 KiB every 10 ms: a transfer that is surely still running when we interrupt it. */
function slowSource(): Readable {
  let sent = 0;
  const chunk = Buffer.alloc(16 * 1024, 7);
  return new Readable({
    read() {
      setTimeout(() => {
        if (sent >= SIZE) return this.push(null);
        sent += chunk.length;
        this.push(chunk);
      }, 10).unref();
    },
  });
}

const discard = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

const methods: { name: string; transports: () => BytestreamTransport[] }[] = [
  { name: 'IBB', transports: () => [createIbbTransport()] },
  // Direct: the bytestream itself does not pass through the server that stops.
  { name: 'SOCKS5 direct', transports: () => [createSocks5Transport({ discoverProxies: false })] },
];

/** Starts a transfer and resolves once bytes flow, with both sides' outcomes. */
async function startTransfer(pair: ConnectionPair, transports: () => BytestreamTransport[], signal?: AbortSignal) {
  const sender = new FileTransferManager(pair.alice, { transports: transports(), fallbackToIbb: false });
  const receiver = new FileTransferManager(pair.bob, { transports: transports() });
  const offered = new Promise<IncomingOffer>((resolve) =>
    receiver.once('offer', (offer) => resolve(offer as IncomingOffer)),
  );
  const transfer = sender.send(pair.bob.jid.toString(), slowSource(), { method: 'si', name: 'big.bin', size: SIZE });
  const offer = await offered;
  const received = offer.accept({ to: discard(), ...(signal ? { signal } : {}) });
  received.catch(() => {});
  await new Promise((resolve) => transfer.once('progress', resolve));
  return {
    sent: transfer.done,
    received,
    close() {
      sender.close();
      receiver.close();
    },
  };
}

async function rejectsWithin(promise: Promise<unknown>, ms: number, code: string, message?: RegExp) {
  const started = Date.now();
  await assert.rejects(promise, (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
  const took = Date.now() - started;
  assert.ok(took < ms, `took ${took} ms`);
}

for (const method of methods) {
  describe(`transfer over ${method.name}: the server stops mid-transfer`, () => {
    it('both sides reject with FERRY_ERR_DISCONNECTED at once', async () => {
      const pair = await startConnectionPair();
      const transfer = await startTransfer(pair, method.transports);
      try {
        const stopping = pair.ferry.stop();
        await Promise.all([
          rejectsWithin(transfer.sent, 3_000, 'FERRY_ERR_DISCONNECTED'),
          rejectsWithin(transfer.received, 3_000, 'FERRY_ERR_DISCONNECTED'),
        ]);
        await stopping;
      } finally {
        transfer.close();
        await pair.alice.stop();
        await pair.bob.stop();
      }
    });
  });
}

describe('transfers: the receiver cancels mid-transfer', () => {
  let pair: ConnectionPair;
  before(async () => {
    pair = await startConnectionPair();
  });
  after(() => pair.stop());

  for (const method of methods) {
    it(`over ${method.name}: the sender rejects FERRY_ERR_CANCELLED_BY_PEER within a second`, async () => {
      const cancel = new AbortController();
      const transfer = await startTransfer(pair, method.transports, cancel.signal);
      try {
        cancel.abort(new Error('the user pressed Ctrl-C'));
        await Promise.all([
          rejectsWithin(transfer.sent, 1_000, 'FERRY_ERR_CANCELLED_BY_PEER', /cancelled by the receiver/),
          assert.rejects(transfer.received, { name: 'AbortError' }),
        ]);
      } finally {
        transfer.close();
      }
    });
  }
});

describe('transfers: the sender goes offline mid-transfer', () => {
  it('the receiver rejects FERRY_ERR_PEER_OFFLINE at once, not after a timeout', async () => {
    const pair = await startConnectionPair();
    try {
      // bob subscribes to alice's presence, so he hears when her resources leave.
      const subscribed = new Promise<void>((resolve) =>
        pair.bob.onPresence((presence) => {
          if (presence.attrs.type === 'subscribed') resolve();
        }),
      );
      const requested = new Promise<void>((resolve) =>
        pair.alice.onPresence((presence) => {
          if (presence.attrs.type === 'subscribe') resolve();
        }),
      );
      await pair.bob.send(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));
      await requested;
      await pair.alice.send(xml('presence', { to: 'bob@localhost', type: 'subscribed' }));
      await subscribed;

      const laptop = await loginConnection(pair.ferry.ports.c2s, 'alice', 'laptop');
      // Direct SOCKS5: the bytes keep flowing after the laptop logs out; only presence tells.
      const transports = () => [createSocks5Transport({ discoverProxies: false })];
      const sender = new FileTransferManager(laptop, { transports: transports(), fallbackToIbb: false });
      const receiver = new FileTransferManager(pair.bob, { transports: transports() });
      const offered = new Promise<IncomingOffer>((resolve) =>
        receiver.once('offer', (offer) => resolve(offer as IncomingOffer)),
      );
      const transfer = sender.send(pair.bob.jid.toString(), slowSource(), {
        method: 'si',
        name: 'big.bin',
        size: SIZE,
      });
      transfer.done.catch(() => {});
      const received = (await offered).accept({ to: discard() });
      await new Promise((resolve) => transfer.once('progress', resolve));
      await laptop.stop();
      await rejectsWithin(received, 2_000, 'FERRY_ERR_PEER_OFFLINE', /alice@localhost\/laptop went offline/);
      sender.close();
      receiver.close();
    } finally {
      await pair.stop();
    }
  });
});
