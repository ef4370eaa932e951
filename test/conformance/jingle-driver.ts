// The Jingle rows' driver: each phase of the case table as a whole XEP-0234 session between two
// FileTransferManagers (alice sends a stream, bob's 'offer' is answered by the case), over the
// row's transports. Besides what both APIs end with (the exact error), it asserts the
// session-terminate each side put on the wire, and reports what is left open: handlers the
// managers added, a session either side still answers for, a direct SOCKS5 listener.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import type { ConnectionPair } from '../helpers/connection-pair.js';
import { patternStream } from '../helpers/files.js';
import { listenersLeft, sessionLeft } from '../helpers/jingle-conformance-leftovers.js';
import { JingleWire, jingleAction, type TapMatch } from '../helpers/jingle-conformance-wire.js';
import { FileTransferManager } from '../../src/client/file-transfer.js';
import type { AcceptOptions, FileOffer } from '../../src/client/file-offer.js';
import type { OutgoingTransfer, TransferResult } from '../../src/client/outgoing-transfer.js';
import { TransferError } from '../../src/client/transfer-error.js';
import type { BytestreamTransport } from '../../src/client/transports/bytestream.js';
import { createIbbTransport } from '../../src/client/transports/ibb/index.js';
import { StanzaError } from '../../src/protocol/errors/stanza-error.js';
import type { Element } from '../../src/protocol/xml/element.js';
import type { CaseId, Carried, ConformanceDriver, How, Outcome } from './driver.js';
import {
  CARRY_MS,
  WAIT_MS,
  hashingTap,
  isAbortError,
  isTransferError,
  prefixSha256,
  repeating,
  withTimeout,
} from './harness.js';
import { MID_STREAM_TOTAL } from './si-driver.js';

/** What makes one Jingle row: its transports and what the session must look like on them. */
export interface JingleRow {
  name: string;
  blockSize: number;
  /** Each side's manager gets a fresh set (a manager owns its transports). */
  transports(): BytestreamTransport[];
  /** What the bytes end up on (TransferResult.method on both sides). */
  method: 'socks5' | 'ibb';
  /** TransferResult.streamhost: the sender's own JID (direct), the proxy's, or none (IBB). */
  streamhost: 'sender' | 'proxy.localhost' | undefined;
  /** XEP-0260 §2.6: SOCKS5 fails and the initiator replaces it with IBB. */
  isFallback: boolean;
  /** The iq that shows the transport being negotiated, and the side it arrives at. */
  negotiation: { side: 'alice' | 'bob'; on: TapMatch; what: string };
  /** XEP-0047 §2.2 over XEP-0261: the sender's block-size and window for 65 543 blocks. */
  seqWrap?: { blockSize: number; window: number };
  /** Cases that cannot apply to this row, with why. */
  skips: Partial<Record<CaseId, string>>;
}

const FILE_NAME = 'conformance.bin';

/** The XEP-0234 <checksum/> session-info that follows a stream's bytes. */
const CHECKSUM = jingleAction('session-info', (payload) =>
  payload.getChildElements().some((child) => child.getName() === 'checksum'),
);

const RULES: Partial<Record<CaseId, string>> = {
  'initiator-aborted-before-open': 'send() rejects AbortError, nothing sent to the target',
  'initiator-aborts-at-unexpected-opening':
    'send() rejects AbortError, alice terminates <cancel/>, bob (no offer listener) has no session',
  'initiator-aborts-while-opening-held': 'send() rejects AbortError, alice terminates <cancel/>',
  'initiator-aborts-at-opening':
    'before accept: send() rejects AbortError, alice terminates <cancel/>, the offer fails FERRY_ERR_CANCELLED_BY_PEER',
  'initiator-aborts-mid-stream':
    'alice terminates <cancel/>, send() rejects with its reason, accept() FERRY_ERR_CANCELLED_BY_PEER, an intact prefix arrived',
  'target-aborts-mid-stream':
    'bob terminates <cancel/>, accept() rejects with its reason, send() FERRY_ERR_CANCELLED_BY_PEER, an intact prefix arrived',
  'initiator-aborts-in-negotiation':
    'alice terminates <cancel/>, send() rejects AbortError, accept() FERRY_ERR_CANCELLED_BY_PEER',
  'target-aborts-in-negotiation':
    'bob terminates <cancel/>, accept() rejects AbortError, send() FERRY_ERR_CANCELLED_BY_PEER',
  'initiator-aborts-after-last-byte':
    'all bytes in, <checksum/> held: alice terminates <cancel/>, send() rejects AbortError, accept() FERRY_ERR_CANCELLED_BY_PEER',
  'target-aborts-after-last-byte':
    'all bytes in, <checksum/> held: bob terminates <cancel/>, accept() rejects AbortError, send() FERRY_ERR_CANCELLED_BY_PEER',
  'damaged-in-transit':
    'a <checksum/> altered on the way: bob terminates <media-error/>, both sides FERRY_ERR_HASH_MISMATCH',
};

export class JingleDriver implements ConformanceDriver {
  readonly #row: JingleRow;
  #pair: ConnectionPair | undefined;
  #alice: JingleWire | undefined;
  #bob: JingleWire | undefined;
  #sender: FileTransferManager | undefined;
  #receiver: FileTransferManager | undefined;
  /** Aborted when the running case ends: what it started and left running stops. */
  #caseEnd = new AbortController();
  #inFlight: Array<Promise<unknown>> = [];

  constructor(row: JingleRow) {
    this.#row = row;
  }

  get name(): string {
    return this.#row.name;
  }

  get blockSize(): number {
    return this.#row.blockSize;
  }

  start(pair: ConnectionPair): void {
    this.#pair = pair;
    this.#alice = new JingleWire(pair.alice);
    this.#bob = new JingleWire(pair.bob);
    this.#sender = this.#manager(this.#alice, this.#row.transports());
    this.#receiver = this.#manager(this.#bob, this.#row.transports());
    this.#alice.settle();
    this.#bob.settle();
  }

  stop(): void {
    this.#sender?.close();
    this.#receiver?.close();
  }

  skip(id: CaseId): string | undefined {
    return this.#row.skips[id];
  }

  rule(id: CaseId, how?: How): string {
    if (id === 'target-cancels-before-opening') {
      return how === 'abort'
        ? 'decline(): bob terminates <decline/>, send() rejects FERRY_ERR_DECLINED'
        : 'accept() with an aborted signal: rejects AbortError, bob terminates <cancel/>, send() FERRY_ERR_CANCELLED_BY_PEER';
    }
    if (id === 'seq-wrap') {
      const wrap = this.#row.seqWrap;
      return wrap ? `${65536 + 7} blocks of ${wrap.blockSize} bytes (window ${wrap.window}) over XEP-0261, intact` : '';
    }
    if (id === 'initiator-aborts-in-negotiation' || id === 'target-aborts-in-negotiation') {
      return `at ${this.#row.negotiation.what}: ${RULES[id]}`;
    }
    return RULES[id] ?? '';
  }

  carry(size: number): Promise<Carried> {
    return this.#inCase(() => this.#carry(size, CARRY_MS));
  }

  async #carry(size: number, timeoutMs: number): Promise<Carried> {
    const { alice, bob } = this.#wires();
    alice.clear();
    bob.clear();
    const tap = hashingTap();
    const sink = new CountingSink();
    const fallbacks: string[] = [];
    const offered = this.#nextOffer();
    // 64 KiB chunks: the sender's stall watch counts chunks, and a 1 MiB one over 16-byte
    // blocks (the seq-wrap case) takes longer than its 30 s.
    const transfer = this.#send(repeating(randomBytes(64 * 1024), size).pipe(tap), size);
    transfer.on('fallback', ({ from, to }) => fallbacks.push(`${from} → ${to}`));
    const offer = await offered;
    const [sent, got] = await withTimeout(
      Promise.all([transfer.done, this.#accept(offer, { to: sink })]),
      timeoutMs,
      `carrying ${size} bytes`,
    );
    const sha256 = tap.digest();
    this.#checkResult(sent, sha256);
    this.#checkResult(got, sink.digest());
    assert.deepEqual(fallbacks, this.#row.isFallback ? ['socks5 → ibb'] : []);
    if (this.#row.isFallback) {
      assert.deepEqual(actions(alice, 'transport-replace'), ['transport-replace'], 'alice replaced SOCKS5 with IBB');
      assert.deepEqual(actions(bob, 'transport-accept'), ['transport-accept'], 'bob accepted the replacement');
    }
    // XEP-0234 §6.6: the receiver ends the session once it has verified the file.
    this.#assertTerminates({ alice: [], bob: ['success'] });
    return {
      sent: { bytes: tap.bytes, sha256 },
      received: { bytes: sink.bytes, sha256: sink.digest(), error: undefined },
      leftovers: await this.#leftovers(),
    };
  }

  run(id: CaseId, how: How): Promise<Outcome> {
    return this.#inCase(() => this.#run(id, how));
  }

  #run(id: CaseId, how: How): Promise<Outcome> {
    this.#wires().alice.clear();
    this.#wires().bob.clear();
    switch (id) {
      case 'initiator-aborted-before-open':
        return this.#abortedBeforeOpen();
      case 'initiator-aborts-at-unexpected-opening':
        return this.#abortAtUnexpectedOpening();
      case 'initiator-aborts-while-opening-held':
        return this.#abortWhileHeld();
      case 'initiator-aborts-at-opening':
        return this.#abortBeforeAccept();
      case 'target-cancels-before-opening':
        return how === 'abort' ? this.#decline() : this.#acceptAborted();
      case 'initiator-aborts-mid-stream':
        return this.#midStream('alice', how);
      case 'target-aborts-mid-stream':
        return this.#midStream('bob', how);
      case 'initiator-aborts-in-negotiation':
        return this.#inNegotiation('alice');
      case 'target-aborts-in-negotiation':
        return this.#inNegotiation('bob');
      case 'initiator-aborts-after-last-byte':
        return this.#afterLastByte('alice');
      case 'target-aborts-after-last-byte':
        return this.#afterLastByte('bob');
      case 'damaged-in-transit':
        return this.#damaged();
      case 'seq-wrap':
        return this.#seqWrap();
      default:
        throw new Error(`unknown case ${String(id)}`);
    }
  }

  // --- the phases --------------------------------------------------------------------------------

  async #abortedBeforeOpen(): Promise<Outcome> {
    const controller = new AbortController();
    controller.abort();
    const transfer = this.#send(patternStream(1), 1, controller.signal);
    await withTimeout(assert.rejects(transfer.done, isAbortError), WAIT_MS, 'send() rejecting');
    assert.equal(this.#wires().alice.sentTo(this.#getPair().bob.jid.toString()), 0, 'nothing was sent to bob');
    return { leftovers: await this.#leftovers() };
  }

  async #abortAtUnexpectedOpening(): Promise<Outcome> {
    const { bob } = this.#wires();
    assert.equal(this.#getReceiver().listenerCount('offer'), 0, 'bob expects no offer');
    const controller = new AbortController();
    const arrived = deferred();
    const untap = bob.tap(jingleAction('session-initiate'), () => {
      controller.abort();
      arrived.resolve();
      return undefined;
    });
    try {
      const transfer = this.#send(patternStream(1), 1, controller.signal);
      await withTimeout(assert.rejects(transfer.done, isAbortError), WAIT_MS, 'send() rejecting');
      await withTimeout(arrived.promise, WAIT_MS, 'the session-initiate reaching bob');
    } finally {
      untap();
    }
    this.#assertTerminates({ alice: ['cancel'], bob: [] });
    return { leftovers: await this.#leftovers() };
  }

  async #abortWhileHeld(): Promise<Outcome> {
    const { bob } = this.#wires();
    const controller = new AbortController();
    const arrived = deferred();
    let release: ((error: StanzaError) => void) | undefined;
    const untap = bob.tap(jingleAction('session-initiate'), () => {
      arrived.resolve();
      return new Promise<never>((_, reject) => (release = reject));
    });
    try {
      const transfer = this.#send(patternStream(1), 1, controller.signal);
      await withTimeout(arrived.promise, WAIT_MS, 'the session-initiate reaching bob');
      controller.abort();
      await withTimeout(assert.rejects(transfer.done, isAbortError), WAIT_MS, 'send() rejecting');
    } finally {
      release?.(new StanzaError('not-acceptable')); // alice's abandoned iq settles now
      untap();
    }
    this.#assertTerminates({ alice: ['cancel'], bob: [] });
    return { leftovers: await this.#leftovers() };
  }

  async #abortBeforeAccept(): Promise<Outcome> {
    const controller = new AbortController();
    const offered = this.#nextOffer();
    const transfer = this.#send(patternStream(1), 1, controller.signal);
    const offer = await offered;
    controller.abort();
    await withTimeout(assert.rejects(transfer.done, isAbortError), WAIT_MS, 'send() rejecting');
    await withTimeout(
      assert.rejects(offer.done, isTransferError('FERRY_ERR_CANCELLED_BY_PEER')),
      WAIT_MS,
      'the offer failing',
    );
    this.#assertTerminates({ alice: ['cancel'], bob: [] });
    return { leftovers: await this.#leftovers() };
  }

  async #decline(): Promise<Outcome> {
    const offered = this.#nextOffer();
    const transfer = this.#send(patternStream(1), 1);
    const offer = await offered;
    offer.decline('not now');
    await withTimeout(assert.rejects(transfer.done, isTransferError('FERRY_ERR_DECLINED')), WAIT_MS, 'send()');
    await withTimeout(assert.rejects(offer.done, isTransferError('FERRY_ERR_DECLINED')), WAIT_MS, 'the offer');
    this.#assertTerminates({ alice: [], bob: ['decline'] });
    return { leftovers: await this.#leftovers() };
  }

  async #acceptAborted(): Promise<Outcome> {
    const controller = new AbortController();
    controller.abort();
    const offered = this.#nextOffer();
    const transfer = this.#send(patternStream(1), 1);
    const offer = await offered;
    const accepting = this.#accept(offer, { to: new CountingSink(), signal: controller.signal });
    await withTimeout(assert.rejects(accepting, isAbortError), WAIT_MS, 'accept()');
    await withTimeout(
      assert.rejects(transfer.done, isTransferError('FERRY_ERR_CANCELLED_BY_PEER')),
      WAIT_MS,
      'send() rejecting',
    );
    this.#assertTerminates({ alice: [], bob: ['cancel'] });
    return { leftovers: await this.#leftovers() };
  }

  async #midStream(side: 'alice' | 'bob', how: How): Promise<Outcome> {
    const threshold = 3 * this.blockSize;
    const controller = new AbortController();
    const reason = new TransferError('FERRY_ERR_CANCELLED', `${side} stopped`);
    const abort = () => (how === 'abort' ? controller.abort(reason) : controller.abort());
    const pattern = randomBytes(64 * 1024);
    const tap = hashingTap();
    const sink = new CountingSink((bytes) => bytes >= threshold && !controller.signal.aborted && abort());
    const offered = this.#nextOffer();
    const transfer = this.#send(
      repeating(pattern, MID_STREAM_TOTAL).pipe(tap),
      MID_STREAM_TOTAL,
      side === 'alice' ? controller.signal : undefined,
    );
    const offer = await offered;
    const accepting = this.#accept(offer, { to: sink, ...(side === 'bob' ? { signal: controller.signal } : {}) });
    const byReason = how === 'abort' ? (error: unknown) => error === reason : isAbortError;
    const byPeer = isTransferError('FERRY_ERR_CANCELLED_BY_PEER');
    await withTimeout(assert.rejects(transfer.done, side === 'alice' ? byReason : byPeer), WAIT_MS, 'send() rejecting');
    await withTimeout(assert.rejects(accepting, side === 'bob' ? byReason : byPeer), WAIT_MS, 'accept() rejecting');
    assert.ok(sink.bytes >= threshold, `bob read ${sink.bytes} bytes before the abort`);
    assert.ok(sink.bytes < MID_STREAM_TOTAL, `bob read all ${sink.bytes} bytes`);
    assert.ok(sink.bytes <= tap.bytes, `bob read ${sink.bytes} bytes, alice wrote ${tap.bytes}`);
    assert.equal(sink.digest(), prefixSha256(pattern, sink.bytes), 'what arrived is what was sent');
    this.#assertTerminates(side === 'alice' ? { alice: ['cancel'], bob: [] } : { alice: [], bob: ['cancel'] });
    return {
      leftovers: await this.#leftovers(),
      note: `bob had ${sink.bytes} of the ${tap.bytes} bytes alice wrote`,
    };
  }

  async #inNegotiation(side: 'alice' | 'bob'): Promise<Outcome> {
    const { negotiation } = this.#row;
    const controller = new AbortController();
    const arrived = deferred();
    const untap = this.#wires()[negotiation.side].tap(negotiation.on, () => {
      controller.abort();
      arrived.resolve();
      return undefined;
    });
    try {
      const offered = this.#nextOffer();
      const transfer = this.#send(
        patternStream(3 * this.blockSize),
        3 * this.blockSize,
        side === 'alice' ? controller.signal : undefined,
      );
      const offer = await offered;
      const accepting = this.#accept(offer, {
        to: new CountingSink(),
        ...(side === 'bob' ? { signal: controller.signal } : {}),
      });
      const byPeer = isTransferError('FERRY_ERR_CANCELLED_BY_PEER');
      await withTimeout(arrived.promise, WAIT_MS, negotiation.what);
      await withTimeout(assert.rejects(transfer.done, side === 'alice' ? isAbortError : byPeer), WAIT_MS, 'send()');
      await withTimeout(assert.rejects(accepting, side === 'bob' ? isAbortError : byPeer), WAIT_MS, 'accept()');
    } finally {
      untap();
    }
    this.#assertTerminates(side === 'alice' ? { alice: ['cancel'], bob: [] } : { alice: [], bob: ['cancel'] });
    return { leftovers: await this.#leftovers() };
  }

  async #afterLastByte(side: 'alice' | 'bob'): Promise<Outcome> {
    const size = 3 * this.blockSize;
    const controller = new AbortController();
    const held = deferred();
    const allIn = deferred();
    let release: ((error: StanzaError) => void) | undefined;
    const untap = this.#wires().bob.tap(CHECKSUM, () => {
      held.resolve();
      return new Promise<never>((_, reject) => (release = reject));
    });
    try {
      const sink = new CountingSink((bytes) => bytes === size && allIn.resolve());
      const offered = this.#nextOffer();
      const transfer = this.#send(patternStream(size), size, side === 'alice' ? controller.signal : undefined);
      const offer = await offered;
      const accepting = this.#accept(offer, { to: sink, ...(side === 'bob' ? { signal: controller.signal } : {}) });
      await withTimeout(Promise.all([held.promise, allIn.promise]), WAIT_MS, 'every byte and the <checksum/> at bob');
      controller.abort();
      const byPeer = isTransferError('FERRY_ERR_CANCELLED_BY_PEER');
      await withTimeout(assert.rejects(transfer.done, side === 'alice' ? isAbortError : byPeer), WAIT_MS, 'send()');
      await withTimeout(assert.rejects(accepting, side === 'bob' ? isAbortError : byPeer), WAIT_MS, 'accept()');
      assert.equal(sink.bytes, size);
      assert.equal(actions(this.#wires().bob, 'session-info').length, 0, 'bob never confirmed with <received/>');
    } finally {
      release?.(new StanzaError('item-not-found'));
      untap();
    }
    this.#assertTerminates(side === 'alice' ? { alice: ['cancel'], bob: [] } : { alice: [], bob: ['cancel'] });
    return { leftovers: await this.#leftovers() };
  }

  async #damaged(): Promise<Outcome> {
    const size = 3 * this.blockSize;
    const untap = this.#wires().bob.tap(CHECKSUM, (_stanza, payload) => {
      // The sender's SHA-256 of a stream, changed before bob's manager reads it.
      const hash = findChild(payload, 'hash');
      assert.ok(hash, 'the <checksum/> carries a <hash/>');
      hash.children = [Buffer.alloc(32).toString('base64')];
      return undefined;
    });
    try {
      const offered = this.#nextOffer();
      const transfer = this.#send(patternStream(size), size);
      const offer = await offered;
      const accepting = this.#accept(offer, { to: new CountingSink() });
      const damaged = isTransferError('FERRY_ERR_HASH_MISMATCH');
      await withTimeout(assert.rejects(accepting, damaged), WAIT_MS, 'accept() rejecting');
      await withTimeout(assert.rejects(transfer.done, damaged), WAIT_MS, 'send() rejecting');
    } finally {
      untap();
    }
    this.#assertTerminates({ alice: [], bob: ['media-error'] });
    return { leftovers: await this.#leftovers() };
  }

  async #seqWrap(): Promise<Outcome> {
    const wrap = this.#row.seqWrap;
    assert.ok(wrap, `${this.name} states no seq-wrap rule`);
    const { alice, bob } = this.#wires();
    // The row's own sender gives way to one with the tiny block-size for this case.
    this.#sender?.close();
    this.#sender = this.#manager(alice, [createIbbTransport({ blockSize: wrap.blockSize, window: wrap.window })]);
    alice.settle();
    bob.settle();
    try {
      const size = (65536 + 7) * wrap.blockSize - 3;
      const carried = await this.#carry(size, 200_000);
      assert.equal(carried.received.bytes, size);
      assert.equal(carried.received.sha256, carried.sent.sha256);
      return carried;
    } finally {
      this.#sender.close();
      this.#sender = this.#manager(alice, this.#row.transports());
      alice.settle();
    }
  }

  // --- plumbing ----------------------------------------------------------------------------------

  /**
   * Runs one case; whatever it started and did not see settle (it failed half-way) is aborted and
   * awaited afterwards, so that the next case starts with nothing of this one in flight.
   */
  async #inCase<T>(body: () => Promise<T>): Promise<T> {
    const caseEnd = new AbortController();
    this.#caseEnd = caseEnd;
    this.#inFlight = [];
    try {
      return await body();
    } finally {
      caseEnd.abort(new TransferError('FERRY_ERR_CANCELLED', 'the conformance case ended'));
      await withTimeout(Promise.all(this.#inFlight), WAIT_MS, 'what the case left in flight settling');
    }
  }

  /** Awaited when the case ends; its rejection is the case's to assert, never unhandled here. */
  #track(promise: Promise<unknown>): void {
    this.#inFlight.push(promise.then(ignore, ignore));
  }

  /** Bob accepts, bounded by the case. */
  #accept(offer: FileOffer, options: AcceptOptions): Promise<TransferResult> {
    const signal = options.signal ? AbortSignal.any([this.#caseEnd.signal, options.signal]) : this.#caseEnd.signal;
    const accepting = offer.accept({ ...options, signal });
    this.#track(accepting);
    return accepting;
  }

  #manager(wire: JingleWire, transports: BytestreamTransport[]): FileTransferManager {
    return new FileTransferManager(wire.connection, {
      transports,
      acceptTimeoutMs: WAIT_MS,
      streamTimeoutMs: WAIT_MS,
      links: false,
    });
  }

  #send(source: Readable, size: number, signal?: AbortSignal): OutgoingTransfer {
    const bob = this.#getPair().bob.jid.toString();
    const transfer = this.#getSender().send(bob, source, {
      method: 'jingle',
      name: FILE_NAME,
      size,
      signal: signal ? AbortSignal.any([this.#caseEnd.signal, signal]) : this.#caseEnd.signal,
    });
    this.#track(transfer.done);
    return transfer;
  }

  /** Bob's next offer (a Jingle one), bounded; the listener is gone once it came or timed out. */
  #nextOffer(): Promise<FileOffer> {
    const receiver = this.#getReceiver();
    let listener!: (offer: FileOffer) => void;
    const offer = new Promise<FileOffer>((resolve) => {
      listener = resolve;
      receiver.once('offer', listener);
    });
    const offered = withTimeout(offer, WAIT_MS, 'the offer reaching bob').finally(() =>
      receiver.off('offer', listener),
    );
    // An offer the case never answered ends with the sender's abort when the case ends.
    this.#track(offered.then((it) => it.done));
    return offered;
  }

  #checkResult(result: TransferResult, sha256: string): void {
    assert.equal(result.method, this.#row.method);
    assert.equal(result.sha256, sha256);
    const expected = this.#row.streamhost === 'sender' ? this.#getPair().alice.jid.toString() : this.#row.streamhost;
    assert.equal(result.streamhost, expected);
  }

  #assertTerminates(expected: { alice: string[]; bob: string[] }): void {
    const { alice, bob } = this.#wires();
    assert.deepEqual(
      { alice: alice.terminates(), bob: bob.terminates() },
      expected,
      'the session-terminate reasons each side sent',
    );
  }

  /** Handlers over the managers' own, sessions either side still answers for, listeners still open. */
  async #leftovers(): Promise<string[]> {
    const pair = this.#getPair();
    const { alice, bob } = this.#wires();
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
    alice.clear();
    bob.clear();
    return left;
  }

  #getPair(): ConnectionPair {
    assert.ok(this.#pair, 'start() first');
    return this.#pair;
  }

  #wires(): { alice: JingleWire; bob: JingleWire } {
    assert.ok(this.#alice && this.#bob, 'start() first');
    return { alice: this.#alice, bob: this.#bob };
  }

  #getSender(): FileTransferManager {
    assert.ok(this.#sender, 'start() first');
    return this.#sender;
  }

  #getReceiver(): FileTransferManager {
    assert.ok(this.#receiver, 'start() first');
    return this.#receiver;
  }
}

/** A receiver's Writable that counts and hashes, with a hook on the running count. */
class CountingSink extends Writable {
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

function actions(wire: JingleWire, action: string): string[] {
  return wire.sent.filter(({ jingle }) => jingle.action === action).map(({ jingle }) => jingle.action);
}

function findChild(element: Element, name: string): Element | undefined {
  for (const child of element.getChildElements()) {
    if (child.getName() === name) return child;
    const found = findChild(child, name);
    if (found) return found;
  }
  return undefined;
}

function ignore(): void {}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}
