// One conformance suite for every bytestream transport (ARCHITECTURE.md "Habits"): the same
// cases, at the BytestreamTransport level (expect() on bob, open() on alice, a fresh sid each),
// against SOCKS5 direct, SOCKS5 mediated, IBB in iq mode and IBB in message mode, through a real
// Ferry server. Sizes are verified by byte count and sha256; every cancel phase must end in a
// clear error or a documented short end (transports.ts), bounded, with no handler left behind.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { startConnectionPair, type ConnectionPair } from '../helpers/connection-pair.js';
import { patternStream } from '../helpers/files.js';
import { TransferError } from '@ferry/client/internal/transfer-error';
import { createIbbTransport } from '@ferry/client/internal/transports/ibb/index';
import type { BytestreamTransport } from '@ferry/client/internal/transports/bytestream';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import {
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
import { PROXY_OVERRIDES, TRANSPORTS, type TransportUnderTest } from './transports.js';

const MiB = 1024 * 1024;
/** What a mid-stream case sets out to send; the abort comes after the first few blocks. */
const MID_STREAM_TOTAL = 64 * MiB;

describe('bytestream conformance: the same cases for every transport', () => {
  let pair: ConnectionPair;
  before(async () => {
    pair = await startConnectionPair(PROXY_OVERRIDES);
  });
  after(() => pair.stop());

  for (const row of TRANSPORTS) {
    describe(row.name, () => {
      const transports = { initiator: row.create(), target: row.create() };
      const aborts = abortCases(row, transports, () => pair);

      describe('carries every size intact (byte count and sha256)', () => {
        for (const [name, size] of [
          ['0 bytes: end() alone ends the target’s readable', 0],
          ['1 byte', 1],
          [`exactly one block (${row.blockSize} bytes)`, row.blockSize],
          [`exactly three blocks (3 × ${row.blockSize} bytes)`, 3 * row.blockSize],
          ['a 4 MiB pattern', 4 * MiB],
        ] as const) {
          it(`carries ${name}`, () => carry(pair, transports, size));
        }
      });

      describe('(a) the initiator aborts before the target is ready', () => {
        it('with a signal aborted before open(): AbortError, nothing sent to the target', async () => {
          const controller = new AbortController();
          controller.abort();
          const sides = ends(pair, { alice: controller.signal });
          await withTimeout(assert.rejects(transports.initiator.open(sides.alice), isAbortError), WAIT_MS, 'open()');
          assert.equal(sides.sentToTarget(), 0);
          assert.equal(sides.handlersLeft(), 0);
        });

        it('once its opening reached a target that expects nothing: open() rejects AbortError', async () => {
          const controller = new AbortController();
          const sides = ends(pair, { alice: controller.signal });
          const watch = watchOpening(pair.bob, row.opening, sides.sid, { onArrival: () => controller.abort() });
          try {
            await withTimeout(assert.rejects(transports.initiator.open(sides.alice), isAbortError), WAIT_MS, 'open()');
            await withTimeout(watch.arrived, WAIT_MS, 'the opening reaching bob');
            assert.equal(sides.handlersLeft(), 0);
          } finally {
            watch.stop();
          }
        });

        it('while the target holds its opening unanswered: open() rejects AbortError', async () => {
          const controller = new AbortController();
          const sides = ends(pair, { alice: controller.signal });
          const hold = watchOpening(pair.bob, row.opening, sides.sid, { hold: true });
          try {
            const opening = transports.initiator.open(sides.alice);
            await withTimeout(hold.arrived, WAIT_MS, 'the opening reaching bob');
            controller.abort();
            await withTimeout(assert.rejects(opening, isAbortError), WAIT_MS, 'open() rejecting');
            assert.equal(sides.handlersLeft(), 0);
          } finally {
            hold.release(new StanzaError('not-acceptable')); // alice's abandoned iq settles now
            hold.stop();
          }
        });

        it(`just as its opening reaches an expecting target: ${describeAtOpening(row)}`, () => aborts.atOpening());
      });

      describe('(b) the target cancels before the opening arrives', () => {
        it(`by cancel(): established rejects FERRY_ERR_CANCELLED, open() rejects ${row.unexpectedOpening}`, async () => {
          const sides = ends(pair);
          const expectation = transports.target.expect(sides.bob, WAIT_MS);
          expectation.cancel();
          await withTimeout(
            assert.rejects(expectation.established, isTransferError('FERRY_ERR_CANCELLED')),
            WAIT_MS,
            'established rejecting',
          );
          await withTimeout(
            assert.rejects(transports.initiator.open(sides.alice), isStanzaError(row.unexpectedOpening)),
            WAIT_MS,
            'open() rejecting',
          );
          assert.equal(sides.handlersLeft(), 0);
        });

        it(`by its signal: established rejects AbortError, open() rejects ${row.unexpectedOpening}`, async () => {
          const controller = new AbortController();
          const sides = ends(pair, { bob: controller.signal });
          const expectation = transports.target.expect(sides.bob, WAIT_MS);
          controller.abort();
          await withTimeout(assert.rejects(expectation.established, isAbortError), WAIT_MS, 'established rejecting');
          await withTimeout(
            assert.rejects(transports.initiator.open(sides.alice), isStanzaError(row.unexpectedOpening)),
            WAIT_MS,
            'open() rejecting',
          );
          assert.equal(sides.handlersLeft(), 0);
        });
      });

      describe(`(c) the initiator aborts mid-stream: the target’s readable ${describeMidStream(row)}`, () => {
        it('by abort(reason)', async (t) => t.diagnostic(await aborts.initiatorMidStream('abort')));
        it('by its signal', async (t) => t.diagnostic(await aborts.initiatorMidStream('signal')));
      });

      describe('(d) the target aborts mid-stream: the initiator’s writable errors FERRY_ERR_CANCELLED', () => {
        it('by abort(reason)', () => aborts.targetMidStream('abort'));
        it('by its signal', () => aborts.targetMidStream('signal'));
      });

      const { seqWrap } = row;
      if (seqWrap) {
        const blocks = 65536 + 7;
        it(
          `wraps seq 65535 → 0: ${blocks} blocks of ${seqWrap.blockSize} bytes (window ${seqWrap.window}) intact`,
          { skip: seqWrap.skip ?? false, timeout: 60_000 },
          () =>
            carry(
              pair,
              {
                initiator: createIbbTransport({ blockSize: seqWrap.blockSize, window: seqWrap.window }),
                target: transports.target,
              },
              blocks * seqWrap.blockSize - 3,
              50_000,
            ),
        );
      }
    });
  }
});

/** Sends `size` pattern bytes alice → bob and checks what bob read against what alice sent. */
async function carry(
  pair: ConnectionPair,
  transports: { initiator: BytestreamTransport; target: BytestreamTransport },
  size: number,
  timeoutMs = WAIT_MS,
): Promise<void> {
  const session = await openSession(pair, transports);
  const tap = hashingTap();
  const [received] = await withTimeout(
    Promise.all([drain(session.incoming.readable), pipeline(patternStream(size), tap, session.outgoing.writable)]),
    timeoutMs,
    `carrying ${size} bytes`,
  );
  assert.equal(received.error, undefined, 'the readable ends normally');
  assert.equal(tap.bytes, size);
  assert.equal(received.bytes, size);
  assert.equal(received.sha256, tap.digest());
  assert.equal(session.handlersLeft(), 0, 'every handler is removed once the stream ended');
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

/** The cases where one side gives up on an established or establishing stream. */
function abortCases(
  row: TransportUnderTest,
  transports: { initiator: BytestreamTransport; target: BytestreamTransport },
  getPair: () => ConnectionPair,
) {
  const threshold = 3 * row.blockSize;

  /** Sends MID_STREAM_TOTAL bytes; `onReceived` runs on each chunk bob reads. */
  function run(session: Session, onReceived: (bytes: number) => void) {
    const pattern = randomBytes(64 * 1024);
    const tap = hashingTap();
    const sending = pipeline(repeating(pattern, MID_STREAM_TOTAL), tap, session.outgoing.writable);
    sending.catch(() => {}); // asserted by the caller
    const receiving = withTimeout(drain(session.incoming.readable, onReceived), WAIT_MS, "bob's readable ending");
    return { pattern, tap, sending: withTimeout(sending, WAIT_MS, "alice's writable ending"), receiving };
  }

  return {
    async atOpening() {
      const pair = getPair();
      const controller = new AbortController();
      const sides = ends(pair, { alice: controller.signal });
      const watch = watchOpening(pair.bob, row.opening, sides.sid, { onArrival: () => controller.abort() });
      try {
        const expectation = transports.target.expect(sides.bob, WAIT_MS);
        await withTimeout(assert.rejects(transports.initiator.open(sides.alice), isAbortError), WAIT_MS, 'open()');
        const rule = row.initiatorAbortAtOpening;
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
        assert.equal(sides.handlersLeft(), 0);
      } finally {
        watch.stop();
      }
    },

    /** Returns how bob's readable ended, for the report. */
    async initiatorMidStream(how: 'abort' | 'signal'): Promise<string> {
      const controller = new AbortController();
      const session = await openSession(getPair(), transports, { alice: controller.signal });
      const reason = new TransferError('FERRY_ERR_CANCELLED', 'alice stopped sending');
      const { pattern, tap, sending, receiving } = run(session, (bytes) => {
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
      const rule = row.initiatorAbortMidStream;
      if (rule.outcome === 'ends short') assert.equal(received.error, undefined, 'the readable ends normally');
      else if (rule.outcome === 'errors' || received.error !== undefined) isTransferError(rule.code)(received.error);
      assert.equal(session.handlersLeft(), 0);
      const ending = received.error === undefined ? 'ended normally' : `errored (${(received.error as Error).message})`;
      return `bob's readable ${ending} after ${received.bytes} of the ${tap.bytes} bytes alice wrote`;
    },

    async targetMidStream(how: 'abort' | 'signal') {
      const controller = new AbortController();
      const session = await openSession(getPair(), transports, { bob: controller.signal });
      const reason = new TransferError('FERRY_ERR_CANCELLED', 'bob stopped receiving');
      const { pattern, sending, receiving } = run(session, (bytes) => {
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
      assert.equal(session.handlersLeft(), 0);
    },
  };
}
