// The Jingle rows' phases before the bytes flow (the case table's (a), (b) and (e)): the initiator
// giving up before or while its session-initiate reaches bob, bob declining or accepting with an
// aborted signal, and either side aborting while the transport is negotiated. Each asserts both
// APIs' exact error and the session-terminate each side sent.
import assert from 'node:assert/strict';
import { patternStream } from '../helpers/files.js';
import { CountingSink, type JingleConformancePair } from '../helpers/jingle-conformance-pair.js';
import { jingleAction } from '../helpers/jingle-conformance-wire.js';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Outcome } from './driver.js';
import { WAIT_MS, isAbortError, isTransferError, withTimeout } from './harness.js';
import type { JingleRow } from './jingle-driver.js';

export async function abortedBeforeOpen(bench: JingleConformancePair): Promise<Outcome> {
  const controller = new AbortController();
  controller.abort();
  const transfer = bench.send(patternStream(1), 1, controller.signal);
  await withTimeout(assert.rejects(transfer.done, isAbortError), WAIT_MS, 'send() rejecting');
  assert.equal(bench.alice.sentTo(bench.pair.bob.jid.toString()), 0, 'nothing was sent to bob');
  return { leftovers: await bench.leftovers() };
}

export async function abortAtUnexpectedOpening(bench: JingleConformancePair): Promise<Outcome> {
  const { bob } = bench;
  assert.equal(bench.receiver.listenerCount('offer'), 0, 'bob expects no offer');
  const controller = new AbortController();
  const arrived = deferred();
  const untap = bob.tap(jingleAction('session-initiate'), () => {
    controller.abort();
    arrived.resolve();
    return undefined;
  });
  try {
    const transfer = bench.send(patternStream(1), 1, controller.signal);
    await withTimeout(assert.rejects(transfer.done, isAbortError), WAIT_MS, 'send() rejecting');
    await withTimeout(arrived.promise, WAIT_MS, 'the session-initiate reaching bob');
  } finally {
    untap();
  }
  bench.assertTerminates({ alice: ['cancel'], bob: [] });
  return { leftovers: await bench.leftovers() };
}

export async function abortWhileHeld(bench: JingleConformancePair): Promise<Outcome> {
  const { bob } = bench;
  const controller = new AbortController();
  const arrived = deferred();
  let release: ((error: StanzaError) => void) | undefined;
  const untap = bob.tap(jingleAction('session-initiate'), () => {
    arrived.resolve();
    return new Promise<never>((_, reject) => (release = reject));
  });
  try {
    const transfer = bench.send(patternStream(1), 1, controller.signal);
    await withTimeout(arrived.promise, WAIT_MS, 'the session-initiate reaching bob');
    controller.abort();
    await withTimeout(assert.rejects(transfer.done, isAbortError), WAIT_MS, 'send() rejecting');
  } finally {
    release?.(new StanzaError('not-acceptable')); // alice's abandoned iq settles now
    untap();
  }
  bench.assertTerminates({ alice: ['cancel'], bob: [] });
  return { leftovers: await bench.leftovers() };
}

export async function abortBeforeAccept(bench: JingleConformancePair): Promise<Outcome> {
  const controller = new AbortController();
  const offered = bench.nextOffer();
  const transfer = bench.send(patternStream(1), 1, controller.signal);
  const offer = await offered;
  controller.abort();
  await withTimeout(assert.rejects(transfer.done, isAbortError), WAIT_MS, 'send() rejecting');
  await withTimeout(
    assert.rejects(offer.done, isTransferError('FERRY_ERR_CANCELLED_BY_PEER')),
    WAIT_MS,
    'the offer failing',
  );
  bench.assertTerminates({ alice: ['cancel'], bob: [] });
  return { leftovers: await bench.leftovers() };
}

export async function decline(bench: JingleConformancePair): Promise<Outcome> {
  const offered = bench.nextOffer();
  const transfer = bench.send(patternStream(1), 1);
  const offer = await offered;
  offer.decline('not now');
  await withTimeout(assert.rejects(transfer.done, isTransferError('FERRY_ERR_DECLINED')), WAIT_MS, 'send()');
  await withTimeout(assert.rejects(offer.done, isTransferError('FERRY_ERR_DECLINED')), WAIT_MS, 'the offer');
  bench.assertTerminates({ alice: [], bob: ['decline'] });
  return { leftovers: await bench.leftovers() };
}

export async function acceptAborted(bench: JingleConformancePair): Promise<Outcome> {
  const controller = new AbortController();
  controller.abort();
  const offered = bench.nextOffer();
  const transfer = bench.send(patternStream(1), 1);
  const offer = await offered;
  const accepting = bench.accept(offer, { to: new CountingSink(), signal: controller.signal });
  await withTimeout(assert.rejects(accepting, isAbortError), WAIT_MS, 'accept()');
  await withTimeout(
    assert.rejects(transfer.done, isTransferError('FERRY_ERR_CANCELLED_BY_PEER')),
    WAIT_MS,
    'send() rejecting',
  );
  bench.assertTerminates({ alice: [], bob: ['cancel'] });
  return { leftovers: await bench.leftovers() };
}

export async function inNegotiation(
  bench: JingleConformancePair,
  row: JingleRow,
  side: 'alice' | 'bob',
): Promise<Outcome> {
  const { negotiation } = row;
  const controller = new AbortController();
  const arrived = deferred();
  const untap = bench[negotiation.side].tap(negotiation.on, () => {
    controller.abort();
    arrived.resolve();
    return undefined;
  });
  try {
    const offered = bench.nextOffer();
    const transfer = bench.send(
      patternStream(3 * row.blockSize),
      3 * row.blockSize,
      side === 'alice' ? controller.signal : undefined,
    );
    const offer = await offered;
    const accepting = bench.accept(offer, {
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
  bench.assertTerminates(side === 'alice' ? { alice: ['cancel'], bob: [] } : { alice: [], bob: ['cancel'] });
  return { leftovers: await bench.leftovers() };
}

export function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}
