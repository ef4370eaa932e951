// The Jingle rows' driver: each phase of the case table as a whole XEP-0234 session between two
// FileTransferManagers (alice sends a stream, bob's 'offer' is answered by the case), over the
// row's transports. Besides what both APIs end with (the exact error), it asserts the
// session-terminate each side put on the wire, and reports what is left open: handlers the
// managers added, a session either side still answers for, a direct SOCKS5 listener. The phases
// before the bytes flow are in jingle-opening-phases.ts; the two managers and their wire, in
// test/helpers/jingle-conformance-pair.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ConnectionPair } from '../helpers/connection-pair.js';
import { patternStream } from '../helpers/files.js';
import { CountingSink, JingleConformancePair } from '../helpers/jingle-conformance-pair.js';
import { jingleAction, type JingleWire, type TapMatch } from '../helpers/jingle-conformance-wire.js';
import type { TransferResult } from '@ferry/client/internal/outgoing-transfer';
import { TransferError } from '@ferry/client/internal/transfer-error';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import { createIbbTransport } from '@ferry/client/internal/transports/ibb/index';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Element } from '@ferry/protocol/xml/element';
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
import {
  abortAtUnexpectedOpening,
  abortBeforeAccept,
  abortWhileHeld,
  abortedBeforeOpen,
  acceptAborted,
  decline,
  deferred,
  inNegotiation,
} from './jingle-opening-phases.js';
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
  #ends: JingleConformancePair | undefined;

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
    this.#ends = new JingleConformancePair(pair, this.#row.transports, WAIT_MS);
  }

  stop(): void {
    this.#ends?.close();
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
    return this.#bench().inCase(() => this.#carry(size, CARRY_MS));
  }

  async #carry(size: number, timeoutMs: number): Promise<Carried> {
    const { alice, bob } = this.#bench();
    const tap = hashingTap();
    const sink = new CountingSink();
    const fallbacks: string[] = [];
    const offered = this.#bench().nextOffer();
    // 64 KiB chunks: the sender's stall watch counts chunks, and a 1 MiB one over 16-byte
    // blocks (the seq-wrap case) takes longer than its 30 s.
    const transfer = this.#bench().send(repeating(randomBytes(64 * 1024), size).pipe(tap), size);
    transfer.on('fallback', ({ from, to }) => fallbacks.push(`${from} → ${to}`));
    const offer = await offered;
    const [sent, got] = await withTimeout(
      Promise.all([transfer.done, this.#bench().accept(offer, { to: sink })]),
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
    this.#bench().assertTerminates({ alice: [], bob: ['success'] });
    return {
      sent: { bytes: tap.bytes, sha256 },
      received: { bytes: sink.bytes, sha256: sink.digest(), error: undefined },
      leftovers: await this.#bench().leftovers(),
    };
  }

  run(id: CaseId, how: How): Promise<Outcome> {
    return this.#bench().inCase(() => this.#run(id, how));
  }

  #run(id: CaseId, how: How): Promise<Outcome> {
    switch (id) {
      case 'initiator-aborted-before-open':
        return abortedBeforeOpen(this.#bench());
      case 'initiator-aborts-at-unexpected-opening':
        return abortAtUnexpectedOpening(this.#bench());
      case 'initiator-aborts-while-opening-held':
        return abortWhileHeld(this.#bench());
      case 'initiator-aborts-at-opening':
        return abortBeforeAccept(this.#bench());
      case 'target-cancels-before-opening':
        return how === 'abort' ? decline(this.#bench()) : acceptAborted(this.#bench());
      case 'initiator-aborts-mid-stream':
        return this.#midStream('alice', how);
      case 'target-aborts-mid-stream':
        return this.#midStream('bob', how);
      case 'initiator-aborts-in-negotiation':
        return inNegotiation(this.#bench(), this.#row, 'alice');
      case 'target-aborts-in-negotiation':
        return inNegotiation(this.#bench(), this.#row, 'bob');
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

  async #midStream(side: 'alice' | 'bob', how: How): Promise<Outcome> {
    const threshold = 3 * this.blockSize;
    const controller = new AbortController();
    const reason = new TransferError('FERRY_ERR_CANCELLED', `${side} stopped`);
    const abort = () => (how === 'abort' ? controller.abort(reason) : controller.abort());
    const pattern = randomBytes(64 * 1024);
    const tap = hashingTap();
    const sink = new CountingSink((bytes) => bytes >= threshold && !controller.signal.aborted && abort());
    const offered = this.#bench().nextOffer();
    const transfer = this.#bench().send(
      repeating(pattern, MID_STREAM_TOTAL).pipe(tap),
      MID_STREAM_TOTAL,
      side === 'alice' ? controller.signal : undefined,
    );
    const offer = await offered;
    const accepting = this.#bench().accept(offer, {
      to: sink,
      ...(side === 'bob' ? { signal: controller.signal } : {}),
    });
    const byReason = how === 'abort' ? (error: unknown) => error === reason : isAbortError;
    const byPeer = isTransferError('FERRY_ERR_CANCELLED_BY_PEER');
    await withTimeout(assert.rejects(transfer.done, side === 'alice' ? byReason : byPeer), WAIT_MS, 'send() rejecting');
    await withTimeout(assert.rejects(accepting, side === 'bob' ? byReason : byPeer), WAIT_MS, 'accept() rejecting');
    assert.ok(sink.bytes >= threshold, `bob read ${sink.bytes} bytes before the abort`);
    assert.ok(sink.bytes < MID_STREAM_TOTAL, `bob read all ${sink.bytes} bytes`);
    assert.ok(sink.bytes <= tap.bytes, `bob read ${sink.bytes} bytes, alice wrote ${tap.bytes}`);
    assert.equal(sink.digest(), prefixSha256(pattern, sink.bytes), 'what arrived is what was sent');
    this.#bench().assertTerminates(side === 'alice' ? { alice: ['cancel'], bob: [] } : { alice: [], bob: ['cancel'] });
    return {
      leftovers: await this.#bench().leftovers(),
      note: `bob had ${sink.bytes} of the ${tap.bytes} bytes alice wrote`,
    };
  }

  async #afterLastByte(side: 'alice' | 'bob'): Promise<Outcome> {
    const size = 3 * this.blockSize;
    const controller = new AbortController();
    const held = deferred();
    const allIn = deferred();
    let release: ((error: StanzaError) => void) | undefined;
    const untap = this.#bench().bob.tap(CHECKSUM, () => {
      held.resolve();
      return new Promise<never>((_, reject) => (release = reject));
    });
    try {
      const sink = new CountingSink((bytes) => bytes === size && allIn.resolve());
      const offered = this.#bench().nextOffer();
      const transfer = this.#bench().send(patternStream(size), size, side === 'alice' ? controller.signal : undefined);
      const offer = await offered;
      const accepting = this.#bench().accept(offer, {
        to: sink,
        ...(side === 'bob' ? { signal: controller.signal } : {}),
      });
      await withTimeout(Promise.all([held.promise, allIn.promise]), WAIT_MS, 'every byte and the <checksum/> at bob');
      controller.abort();
      const byPeer = isTransferError('FERRY_ERR_CANCELLED_BY_PEER');
      await withTimeout(assert.rejects(transfer.done, side === 'alice' ? isAbortError : byPeer), WAIT_MS, 'send()');
      await withTimeout(assert.rejects(accepting, side === 'bob' ? isAbortError : byPeer), WAIT_MS, 'accept()');
      assert.equal(sink.bytes, size);
      assert.equal(actions(this.#bench().bob, 'session-info').length, 0, 'bob never confirmed with <received/>');
    } finally {
      release?.(new StanzaError('item-not-found'));
      untap();
    }
    this.#bench().assertTerminates(side === 'alice' ? { alice: ['cancel'], bob: [] } : { alice: [], bob: ['cancel'] });
    return { leftovers: await this.#bench().leftovers() };
  }

  async #damaged(): Promise<Outcome> {
    const size = 3 * this.blockSize;
    const untap = this.#bench().bob.tap(CHECKSUM, (_stanza, payload) => {
      // The sender's SHA-256 of a stream, changed before bob's manager reads it.
      const hash = findChild(payload, 'hash');
      assert.ok(hash, 'the <checksum/> carries a <hash/>');
      hash.children = [Buffer.alloc(32).toString('base64')];
      return undefined;
    });
    try {
      const offered = this.#bench().nextOffer();
      const transfer = this.#bench().send(patternStream(size), size);
      const offer = await offered;
      const accepting = this.#bench().accept(offer, { to: new CountingSink() });
      const damaged = isTransferError('FERRY_ERR_HASH_MISMATCH');
      await withTimeout(assert.rejects(accepting, damaged), WAIT_MS, 'accept() rejecting');
      await withTimeout(assert.rejects(transfer.done, damaged), WAIT_MS, 'send() rejecting');
    } finally {
      untap();
    }
    this.#bench().assertTerminates({ alice: [], bob: ['media-error'] });
    return { leftovers: await this.#bench().leftovers() };
  }

  async #seqWrap(): Promise<Outcome> {
    const wrap = this.#row.seqWrap;
    assert.ok(wrap, `${this.name} states no seq-wrap rule`);
    // The row's own sender gives way to one with the tiny block-size for this case.
    const restore = this.#bench().useSender(
      [createIbbTransport({ blockSize: wrap.blockSize, window: wrap.window })],
      this.#row.transports,
    );
    this.#bench().bob.settle();
    try {
      const size = (65536 + 7) * wrap.blockSize - 3;
      const carried = await this.#carry(size, 200_000);
      assert.equal(carried.received.bytes, size);
      assert.equal(carried.received.sha256, carried.sent.sha256);
      return carried;
    } finally {
      restore();
    }
  }

  #checkResult(result: TransferResult, sha256: string): void {
    assert.equal(result.method, this.#row.method);
    assert.equal(result.sha256, sha256);
    const expected = this.#row.streamhost === 'sender' ? this.#bench().pair.alice.jid.toString() : this.#row.streamhost;
    assert.equal(result.streamhost, expected);
  }

  #bench(): JingleConformancePair {
    assert.ok(this.#ends, 'start() first');
    return this.#ends;
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
