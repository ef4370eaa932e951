// One conformance suite for every bytestream transport (ARCHITECTURE.md "Habits"): the same
// cases, through a real Ferry server, for every row — SI's SOCKS5 direct, SOCKS5 mediated, IBB in
// iq and message mode (si-driver.ts, at the BytestreamTransport level) and Jingle's SOCKS5 direct,
// SOCKS5 through the server's proxy, IBB and the SOCKS5 → IBB fallback (jingle-driver.ts, whole
// sessions through FileTransferManager). Sizes are verified by byte count and sha256; every
// cancel phase must end in the row's exact outcome, bounded, with nothing left open. A case that
// cannot apply to a row is skipped with the reason the row gives.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConnectionPair, type ConnectionPair } from '../helpers/connection-pair.js';
import type { CaseId, ConformanceDriver, How, Outcome } from './driver.js';
import { JINGLE_ROWS } from './jingle-rows.js';
import { SiDriver } from './si-driver.js';
import { PROXY_OVERRIDES, TRANSPORTS } from './transports.js';

const MiB = 1024 * 1024;

const DRIVERS: ConformanceDriver[] = [...TRANSPORTS.map((row) => new SiDriver(row)), ...JINGLE_ROWS];

interface Case {
  id: CaseId;
  how?: How;
  title: string;
}

/** The phases every row goes through, in groups; a driver's rule completes each title. */
const CASES: Array<{ title: string; cases: Case[] }> = [
  {
    title: '(a) the initiator aborts before the target is ready',
    cases: [
      { id: 'initiator-aborted-before-open', title: 'with a signal aborted before it starts' },
      { id: 'initiator-aborts-at-unexpected-opening', title: 'once its opening reached a target that expects nothing' },
      { id: 'initiator-aborts-while-opening-held', title: 'while the target holds its opening unanswered' },
      { id: 'initiator-aborts-at-opening', title: 'just as its opening reaches an expecting target' },
    ],
  },
  {
    title: '(b) the target cancels before the opening arrives',
    cases: [
      { id: 'target-cancels-before-opening', how: 'abort', title: 'by its own call' },
      { id: 'target-cancels-before-opening', how: 'signal', title: 'by its signal' },
    ],
  },
  {
    title: '(c) the initiator aborts mid-stream',
    cases: [
      { id: 'initiator-aborts-mid-stream', how: 'abort', title: 'by abort(reason)' },
      { id: 'initiator-aborts-mid-stream', how: 'signal', title: 'by its signal' },
    ],
  },
  {
    title: '(d) the target aborts mid-stream',
    cases: [
      { id: 'target-aborts-mid-stream', how: 'abort', title: 'by abort(reason)' },
      { id: 'target-aborts-mid-stream', how: 'signal', title: 'by its signal' },
    ],
  },
  {
    title: '(e) either side aborts while the transport is negotiated',
    cases: [
      { id: 'initiator-aborts-in-negotiation', title: 'the initiator, by its signal' },
      { id: 'target-aborts-in-negotiation', title: 'the target, by its signal' },
    ],
  },
  {
    title: '(f) either side aborts after the last byte, before the target confirmed it',
    cases: [
      { id: 'initiator-aborts-after-last-byte', title: 'the initiator, by its signal' },
      { id: 'target-aborts-after-last-byte', title: 'the target, by its signal' },
    ],
  },
  {
    title: '(g) the bytes arrive damaged',
    cases: [{ id: 'damaged-in-transit', title: 'the sender’s hash does not match what arrived' }],
  },
];

describe('bytestream conformance: the same cases for every transport', () => {
  let pair: ConnectionPair;
  before(async () => {
    pair = await startConnectionPair(PROXY_OVERRIDES);
  });
  after(() => pair.stop());

  for (const driver of DRIVERS) {
    describe(driver.name, () => {
      before(() => driver.start(pair));
      after(() => driver.stop());

      describe('carries every size intact (byte count and sha256)', () => {
        for (const [name, size] of [
          ['0 bytes: the end alone ends the target’s stream', 0],
          ['1 byte', 1],
          [`exactly one block (${driver.blockSize} bytes)`, driver.blockSize],
          [`exactly three blocks (3 × ${driver.blockSize} bytes)`, 3 * driver.blockSize],
          ['a 4 MiB pattern', 4 * MiB],
        ] as const) {
          it(`carries ${name}`, async () => {
            const carried = await driver.carry(size);
            assert.equal(carried.received.error, undefined, 'the target’s stream ends normally');
            assert.equal(carried.sent.bytes, size);
            assert.equal(carried.received.bytes, size);
            assert.equal(carried.received.sha256, carried.sent.sha256);
            assert.deepEqual(carried.leftovers, [], 'nothing is left open once the stream ended');
          });
        }
      });

      for (const group of CASES) {
        describe(group.title, () => {
          for (const { id, how, title } of group.cases) {
            const rule = driver.rule(id, how);
            it(rule ? `${title}: ${rule}` : title, { skip: driver.skip(id) ?? false }, async (t) => {
              const outcome = await driver.run(id, how ?? 'signal');
              report(t, outcome);
            });
          }
        });
      }

      const rule = driver.rule('seq-wrap');
      it(
        `wraps seq 65535 → 0${rule ? `: ${rule}` : ''}`,
        // 65 543 round trips through the server: about 30 s on a quiet machine, more on a busy one.
        { skip: driver.skip('seq-wrap') ?? false, timeout: 240_000 },
        async (t) => report(t, await driver.run('seq-wrap', 'signal')),
      );
    });
  }
});

function report(t: { diagnostic(message: string): void }, outcome: Outcome): void {
  if (outcome.note) t.diagnostic(outcome.note);
  assert.deepEqual(outcome.leftovers, [], 'nothing is left open');
}
