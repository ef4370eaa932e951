// The SI rows' driver: the phases at the BytestreamTransport level, the way XEP-0096's
// file-transfer layer opens a bytestream (expect() on bob, open() on alice, a fresh sid each),
// with each transport's allowed differences stated as data in transports.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ConnectionPair } from '../helpers/connection-pair.js';
import { patternStream } from '../helpers/files.js';
import { TransferError } from '@ferry/client/internal/transfer-error';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import { createIbbTransport } from '@ferry/client/internal/transports/ibb/index';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import type { CaseId, Carried, ConformanceDriver, How, Outcome } from './driver.js';
import {
  CARRY_MS,
  WAIT_MS,
  drain,
  ends,
  hashingTap,
  isAbortError,
  isStanzaError,
  isTransferError,
  openSession,
  prefixSha256,
  repeating,
  watchOpening,
  withTimeout,
  type Session,
} from './harness.js';
import type { TransportUnderTest } from './transports.js';

const MiB = 1024 * 1024;
/** What a mid-stream case sets out to send; the abort comes after the first few blocks. */
export const MID_STREAM_TOTAL = 64 * MiB;

type Transports = { initiator: BytestreamTransport; target: BytestreamTransport };

const NOT_SI: Partial<Record<CaseId, string>> = {
  'initiator-aborts-in-negotiation':
    'SI negotiates the bytestream inside open()/expect(): (a) aborts it while the target holds the opening and as it arrives',
  'target-aborts-in-negotiation':
    'SI negotiates the bytestream inside open()/expect(): (b) is the target giving up before the opening',
  'initiator-aborts-after-last-byte':
    'SI has no confirmation after the bytes: the end of the bytestream is the end of the transfer',
  'target-aborts-after-last-byte':
    'SI has no confirmation after the bytes: the end of the bytestream is the end of the transfer',
  'damaged-in-transit': 'an SI bytestream carries bytes only: XEP-0096’s MD5 belongs to the file layer',
};

export class SiDriver implements ConformanceDriver {
  readonly #row: TransportUnderTest;
  #pair: ConnectionPair | undefined;
  #transports: Transports | undefined;

  constructor(row: TransportUnderTest) {
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
    // One transport for each side, kept for all the row's cases (as a manager keeps them).
    this.#transports = { initiator: this.#row.create(), target: this.#row.create() };
  }

  stop(): void {}

  skip(id: CaseId): string | undefined {
    if (id === 'seq-wrap') {
      if (this.#row.seqWrap) return this.#row.seqWrap.skip;
      return this.#row.opening.namespace === NS.IBB
        ? 'message mode numbers its blocks with the same sender (ibb-sender.ts) as the iq row, which states the wrap'
        : 'SOCKS5 carries bare bytes: no sequence numbers to wrap';
    }
    return NOT_SI[id];
  }

  rule(id: CaseId, how?: How): string {
    const row = this.#row;
    switch (id) {
      case 'initiator-aborted-before-open':
        return 'open() rejects AbortError, nothing sent to the target';
      case 'initiator-aborts-at-unexpected-opening':
      case 'initiator-aborts-while-opening-held':
        return 'open() rejects AbortError';
      case 'initiator-aborts-at-opening':
        return describeAtOpening(row);
      case 'target-cancels-before-opening':
        return how === 'signal'
          ? `established rejects AbortError, open() rejects ${row.unexpectedOpening}`
          : `cancel(): established rejects FERRY_ERR_CANCELLED, open() rejects ${row.unexpectedOpening}`;
      case 'initiator-aborts-mid-stream':
        return `the target’s readable ${describeMidStream(row)}`;
      case 'target-aborts-mid-stream':
        return 'the initiator’s writable errors FERRY_ERR_CANCELLED';
      case 'seq-wrap': {
        const wrap = row.seqWrap;
        return wrap ? `${65536 + 7} blocks of ${wrap.blockSize} bytes (window ${wrap.window}) intact` : '';
      }
      default:
        return '';
    }
  }

  carry(size: number): Promise<Carried> {
    return carry(this.#getPair(), this.#getTransports(), size, CARRY_MS);
  }

  async run(id: CaseId, how: How): Promise<Outcome> {
    switch (id) {
      case 'initiator-aborted-before-open':
        return this.#abortedBeforeOpen();
      case 'initiator-aborts-at-unexpected-opening':
        return this.#abortAtUnexpectedOpening();
      case 'initiator-aborts-while-opening-held':
        return this.#abortWhileHeld();
      case 'initiator-aborts-at-opening':
        return this.#abortAtOpening();
      case 'target-cancels-before-opening':
        return this.#targetCancels(how);
      case 'initiator-aborts-mid-stream':
        return this.#initiatorMidStream(how);
      case 'target-aborts-mid-stream':
        return this.#targetMidStream(how);
      case 'seq-wrap':
        return this.#seqWrap();
      default:
        throw new Error(`${id} does not apply to ${this.name}: ${this.skip(id)}`);
    }
  }

  #getPair(): ConnectionPair {
    assert.ok(this.#pair, 'start() first');
    return this.#pair;
  }

  #getTransports(): Transports {
    assert.ok(this.#transports, 'start() first');
    return this.#transports;
  }

  async #abortedBeforeOpen(): Promise<Outcome> {
    const controller = new AbortController();
    controller.abort();
    const sides = ends(this.#getPair(), { alice: controller.signal });
    await withTimeout(
      assert.rejects(this.#getTransports().initiator.open(sides.alice), isAbortError),
      WAIT_MS,
      'open()',
    );
    assert.equal(sides.sentToTarget(), 0);
    return { leftovers: handlersLeft(sides.handlersLeft()) };
  }

  async #abortAtUnexpectedOpening(): Promise<Outcome> {
    const pair = this.#getPair();
    const controller = new AbortController();
    const sides = ends(pair, { alice: controller.signal });
    const watch = watchOpening(pair.bob, this.#row.opening, sides.sid, { onArrival: () => controller.abort() });
    try {
      await withTimeout(
        assert.rejects(this.#getTransports().initiator.open(sides.alice), isAbortError),
        WAIT_MS,
        'open()',
      );
      await withTimeout(watch.arrived, WAIT_MS, 'the opening reaching bob');
      return { leftovers: handlersLeft(sides.handlersLeft()) };
    } finally {
      watch.stop();
    }
  }

  async #abortWhileHeld(): Promise<Outcome> {
    const pair = this.#getPair();
    const controller = new AbortController();
    const sides = ends(pair, { alice: controller.signal });
    const hold = watchOpening(pair.bob, this.#row.opening, sides.sid, { hold: true });
    try {
      const opening = this.#getTransports().initiator.open(sides.alice);
      await withTimeout(hold.arrived, WAIT_MS, 'the opening reaching bob');
      controller.abort();
      await withTimeout(assert.rejects(opening, isAbortError), WAIT_MS, 'open() rejecting');
      return { leftovers: handlersLeft(sides.handlersLeft()) };
    } finally {
      hold.release(new StanzaError('not-acceptable')); // alice's abandoned iq settles now
      hold.stop();
    }
  }

  async #abortAtOpening(): Promise<Outcome> {
    const pair = this.#getPair();
    const transports = this.#getTransports();
    const controller = new AbortController();
    const sides = ends(pair, { alice: controller.signal });
    const watch = watchOpening(pair.bob, this.#row.opening, sides.sid, { onArrival: () => controller.abort() });
    try {
      const expectation = transports.target.expect(sides.bob, WAIT_MS);
      await withTimeout(assert.rejects(transports.initiator.open(sides.alice), isAbortError), WAIT_MS, 'open()');
      const rule = this.#row.initiatorAbortAtOpening;
      if (rule.outcome === 'rejected') {
        await withTimeout(
          assert.rejects(expectation.established, isTransferError(rule.code)),
          WAIT_MS,
          'established rejecting',
        );
      } else {
        const incoming = await withTimeout(expectation.established, WAIT_MS, 'established');
        const received = await withTimeout(drain(incoming.readable), WAIT_MS, "bob's readable ending");
        assert.equal(received.bytes, 0);
        if (rule.outcome === 'established, then errors') {
          assert.equal((received.error as { code?: string } | undefined)?.code, rule.code);
        } else {
          assert.equal(received.error, undefined);
        }
      }
      return { leftovers: handlersLeft(sides.handlersLeft()) };
    } finally {
      watch.stop();
    }
  }

  async #targetCancels(how: How): Promise<Outcome> {
    const transports = this.#getTransports();
    const controller = new AbortController();
    const sides = ends(this.#getPair(), { bob: controller.signal });
    const expectation = transports.target.expect(sides.bob, WAIT_MS);
    if (how === 'abort') {
      expectation.cancel();
      await withTimeout(
        assert.rejects(expectation.established, isTransferError('FERRY_ERR_CANCELLED')),
        WAIT_MS,
        'established rejecting',
      );
    } else {
      controller.abort();
      await withTimeout(assert.rejects(expectation.established, isAbortError), WAIT_MS, 'established rejecting');
    }
    await withTimeout(
      assert.rejects(transports.initiator.open(sides.alice), isStanzaError(this.#row.unexpectedOpening)),
      WAIT_MS,
      'open() rejecting',
    );
    return { leftovers: handlersLeft(sides.handlersLeft()) };
  }

  /** Sends MID_STREAM_TOTAL bytes; `onReceived` runs on each chunk bob reads. */
  #midStream(session: Session, onReceived: (bytes: number) => void) {
    const pattern = randomBytes(64 * 1024);
    const tap = hashingTap();
    const sending = pipeline(repeating(pattern, MID_STREAM_TOTAL), tap, session.outgoing.writable);
    sending.catch(() => {}); // asserted by the caller
    const receiving = withTimeout(drain(session.incoming.readable, onReceived), WAIT_MS, "bob's readable ending");
    return { pattern, tap, sending: withTimeout(sending, WAIT_MS, "alice's writable ending"), receiving };
  }

  async #initiatorMidStream(how: How): Promise<Outcome> {
    const threshold = 3 * this.blockSize;
    const controller = new AbortController();
    const session = await openSession(this.#getPair(), this.#getTransports(), { alice: controller.signal });
    const reason = new TransferError('FERRY_ERR_CANCELLED', 'alice stopped sending');
    const { pattern, tap, sending, receiving } = this.#midStream(session, (bytes) => {
      if (bytes < threshold) return;
      if (how === 'abort') session.outgoing.abort(reason);
      else controller.abort();
    });
    await assert.rejects(sending, how === 'abort' ? (error) => error === reason : isAbortError);
    const received = await receiving;
    assert.ok(received.bytes >= threshold, `bob read ${received.bytes} bytes before the abort`);
    assert.ok(received.bytes < MID_STREAM_TOTAL, `bob read all ${received.bytes} bytes`);
    assert.ok(received.bytes <= tap.bytes, `bob read ${received.bytes} bytes, alice wrote ${tap.bytes}`);
    assert.equal(received.sha256, prefixSha256(pattern, received.bytes), 'what arrived is what was sent');
    const rule = this.#row.initiatorAbortMidStream;
    if (rule.outcome === 'ends short') assert.equal(received.error, undefined, 'the readable ends normally');
    else if (rule.outcome === 'errors' || received.error !== undefined) isTransferError(rule.code)(received.error);
    const ending = received.error === undefined ? 'ended normally' : `errored (${(received.error as Error).message})`;
    return {
      leftovers: handlersLeft(session.handlersLeft()),
      note: `bob's readable ${ending} after ${received.bytes} of the ${tap.bytes} bytes alice wrote`,
    };
  }

  async #targetMidStream(how: How): Promise<Outcome> {
    const threshold = 3 * this.blockSize;
    const controller = new AbortController();
    const session = await openSession(this.#getPair(), this.#getTransports(), { bob: controller.signal });
    const reason = new TransferError('FERRY_ERR_CANCELLED', 'bob stopped receiving');
    const { pattern, sending, receiving } = this.#midStream(session, (bytes) => {
      if (bytes < threshold) return;
      if (how === 'abort') session.incoming.abort(reason);
      else controller.abort();
    });
    await assert.rejects(sending, isTransferError('FERRY_ERR_CANCELLED'));
    const received = await receiving;
    if (how === 'abort') assert.equal(received.error, reason);
    else isAbortError(received.error);
    assert.ok(received.bytes < MID_STREAM_TOTAL);
    assert.equal(received.sha256, prefixSha256(pattern, received.bytes));
    return { leftovers: handlersLeft(session.handlersLeft()) };
  }

  async #seqWrap(): Promise<Outcome> {
    const wrap = this.#row.seqWrap;
    assert.ok(wrap, `${this.name} states no seq-wrap rule`);
    const blocks = 65536 + 7;
    const initiator = createIbbTransport({ blockSize: wrap.blockSize, window: wrap.window });
    const size = blocks * wrap.blockSize - 3;
    const carried = await carry(this.#getPair(), { initiator, target: this.#getTransports().target }, size, 50_000);
    assert.equal(carried.received.error, undefined, 'the readable ends normally');
    assert.equal(carried.received.bytes, size);
    assert.equal(carried.received.sha256, carried.sent.sha256);
    return carried;
  }
}

/** Sends `size` pattern bytes alice → bob; what bob read, what alice sent. */
async function carry(
  pair: ConnectionPair,
  transports: Transports,
  size: number,
  timeoutMs = WAIT_MS,
): Promise<Carried> {
  const session = await openSession(pair, transports);
  const tap = hashingTap();
  const [received] = await withTimeout(
    Promise.all([drain(session.incoming.readable), pipeline(patternStream(size), tap, session.outgoing.writable)]),
    timeoutMs,
    `carrying ${size} bytes`,
  );
  return {
    sent: { bytes: tap.bytes, sha256: tap.digest() },
    received,
    leftovers: handlersLeft(session.handlersLeft()),
  };
}

function handlersLeft(count: number): string[] {
  return count === 0 ? [] : [`${count} iq/message handlers still registered`];
}

function describeAtOpening(row: TransportUnderTest): string {
  const rule = row.initiatorAbortAtOpening;
  if (rule.outcome === 'rejected') return `open() rejects AbortError, established rejects ${rule.code}`;
  if (rule.outcome === 'established, then errors') {
    return `open() rejects AbortError, established resolves and its readable errors ${rule.code}`;
  }
  return 'open() rejects AbortError, established resolves and its readable ends empty';
}

function describeMidStream(row: TransportUnderTest): string {
  const rule = row.initiatorAbortMidStream;
  if (rule.outcome === 'ends short') return 'ends normally, short';
  return rule.outcome === 'errors' ? `errors ${rule.code}` : `errors ${rule.code} or ends normally, short`;
}
