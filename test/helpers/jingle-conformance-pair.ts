// The two ends of a Jingle conformance row on the suite's connection pair: a FileTransferManager
// on each (alice sends, bob receives), each watched on the wire (jingle-conformance-wire.ts), and
// what a case needs to start transfers, answer offers and check what it left behind. A case runs
// inside inCase(): whatever it started and did not see settle is aborted and awaited when it
// ends, so that a failed case leaves nothing running into the next.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import type { ConnectionPair } from './connection-pair.js';
import { listenersLeft, sessionLeft } from './jingle-conformance-leftovers.js';
import { JingleWire } from './jingle-conformance-wire.js';
import { withTimeout } from './xmpp-client.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import type { AcceptOptions, FileOffer } from '@ferry/client/internal/file-offer';
import type { OutgoingTransfer, TransferResult } from '@ferry/client/internal/outgoing-transfer';
import { TransferError } from '@ferry/client/internal/transfer-error';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';

const FILE_NAME = 'conformance.bin';

export class JingleConformancePair {
  readonly pair: ConnectionPair;
  readonly alice: JingleWire;
  readonly bob: JingleWire;
  readonly receiver: FileTransferManager;
  #sender: FileTransferManager;
  readonly #waitMs: number;
  /** Aborted when the running case ends: what it started and left running stops. */
  #caseEnd = new AbortController();
  #inFlight: Array<Promise<void>> = [];

  constructor(pair: ConnectionPair, transports: () => BytestreamTransport[], waitMs: number) {
    this.pair = pair;
    this.#waitMs = waitMs;
    this.alice = new JingleWire(pair.alice);
    this.bob = new JingleWire(pair.bob);
    this.#sender = this.#manager(this.alice, transports());
    this.receiver = this.#manager(this.bob, transports());
    this.alice.settle();
    this.bob.settle();
  }

  close(): void {
    this.#sender.close();
    this.receiver.close();
  }

  /** Alice's manager gives way to one with these transports; the returned call restores hers. */
  useSender(transports: BytestreamTransport[], restore: () => BytestreamTransport[]): () => void {
    this.#sender.close();
    this.#sender = this.#manager(this.alice, transports);
    this.alice.settle();
    return () => {
      this.#sender.close();
      this.#sender = this.#manager(this.alice, restore());
      this.alice.settle();
    };
  }

  async inCase<T>(body: () => Promise<T>): Promise<T> {
    const caseEnd = new AbortController();
    this.#caseEnd = caseEnd;
    this.#inFlight = [];
    this.alice.clear();
    this.bob.clear();
    try {
      return await body();
    } finally {
      caseEnd.abort(new TransferError('FERRY_ERR_CANCELLED', 'the conformance case ended'));
      await withTimeout(Promise.all(this.#inFlight), this.#waitMs, 'what the case left in flight settling');
    }
  }

  /** Alice offers `size` bytes of `source` to bob over Jingle. */
  send(source: Readable, size: number, signal?: AbortSignal): OutgoingTransfer {
    const transfer = this.#sender.send(this.pair.bob.jid.toString(), source, {
      method: 'jingle',
      name: FILE_NAME,
      size,
      signal: this.#bounded(signal),
    });
    this.#track(transfer.done);
    return transfer;
  }

  /** Bob's next offer, bounded; the listener is gone once it came or timed out. */
  nextOffer(): Promise<FileOffer> {
    let listener!: (offer: FileOffer) => void;
    const offer = new Promise<FileOffer>((resolve) => {
      listener = resolve;
      this.receiver.once('offer', listener);
    });
    const offered = withTimeout(offer, this.#waitMs, 'the offer reaching bob').finally(() =>
      this.receiver.off('offer', listener),
    );
    // An offer the case never answered ends with the sender's abort when the case ends.
    this.#track(offered.then((it) => it.done));
    return offered;
  }

  /** Bob accepts. */
  accept(offer: FileOffer, options: AcceptOptions): Promise<TransferResult> {
    const accepting = offer.accept({ ...options, signal: this.#bounded(options.signal) });
    this.#track(accepting);
    return accepting;
  }

  assertTerminates(expected: { alice: string[]; bob: string[] }): void {
    assert.deepEqual(
      { alice: this.alice.terminates(), bob: this.bob.terminates() },
      expected,
      'the session-terminate reasons each side sent',
    );
  }

  /** Handlers over the managers' own, sessions either side still answers for, listeners still open. */
  async leftovers(): Promise<string[]> {
    const { pair, alice, bob } = this;
    const left: string[] = [];
    for (const [who, wire] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      const handlers = wire.handlersLeft();
      if (handlers !== 0) left.push(`${handlers} iq/message handlers of ${who}`);
    }
    const sid = alice.sent.find(({ jingle }) => jingle.action === 'session-initiate')?.jingle.sid;
    if (sid !== undefined) {
      for (const line of await Promise.all([
        sessionLeft(pair.alice, pair.bob.jid.toString(), sid),
        sessionLeft(pair.bob, pair.alice.jid.toString(), sid),
      ])) {
        if (line) left.push(line);
      }
    }
    left.push(...(await listenersLeft([...alice.sent, ...bob.sent])));
    return left;
  }

  #bounded(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([this.#caseEnd.signal, signal]) : this.#caseEnd.signal;
  }

  /** Awaited when the case ends; its rejection is the case's to assert, never unhandled here. */
  #track(promise: Promise<unknown>): void {
    this.#inFlight.push(promise.then(ignore, ignore));
  }

  #manager(wire: JingleWire, transports: BytestreamTransport[]): FileTransferManager {
    return new FileTransferManager(wire.connection, {
      transports,
      acceptTimeoutMs: this.#waitMs,
      streamTimeoutMs: this.#waitMs,
      links: false,
    });
  }
}

/** A receiver's Writable that counts and hashes, with a hook on the running count. */
export class CountingSink extends Writable {
  bytes = 0;
  readonly #hash = createHash('sha256');
  #digest: string | undefined;

  constructor(onChunk?: (bytes: number) => unknown) {
    super({
      write: (chunk: Buffer, _encoding, callback) => {
        this.#hash.update(chunk);
        this.bytes += chunk.length;
        onChunk?.(this.bytes);
        callback();
      },
    });
  }

  digest(): string {
    this.#digest ??= this.#hash.digest('hex');
    return this.#digest;
  }
}

function ignore(): void {}
