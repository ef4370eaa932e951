// The Target's streamhost race (XEP-0065 §5.3.2): overlapping attempts, document order wins.
// No sockets, no real timers: attempts are promises the test settles, the stagger is mocked.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { firstInOrder } from '@ferry/client/internal/transports/socks5/first-in-order';

interface Pending {
  candidate: string;
  signal: AbortSignal;
  resolve(value: string): void;
  reject(error: Error): void;
}

/** Attempts that stay pending until the test settles them, recorded in start order. */
function scriptedAttempts() {
  const started: Pending[] = [];
  const discarded: string[] = [];
  return {
    started,
    discarded,
    attempt: (candidate: string, signal: AbortSignal) =>
      new Promise<string>((resolve, reject) => {
        started.push({ candidate, signal, resolve, reject });
        signal.addEventListener('abort', () => reject(new Error(`${candidate} aborted`)), { once: true });
      }),
    discard: (value: string) => void discarded.push(value),
    get(candidate: string): Pending {
      const pending = started.find((entry) => entry.candidate === candidate);
      assert.ok(pending, `${candidate} was not started`);
      return pending;
    },
    names: () => started.map((entry) => entry.candidate),
  };
}

/** Lets promise callbacks run (no timers involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('firstInOrder: the first success in document order wins', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('starts only the first candidate, then the next one staggerMs later', async () => {
    const script = scriptedAttempts();
    const race = firstInOrder(['direct', 'proxy'], { ...script, staggerMs: 250 });
    await settle();
    assert.deepEqual(script.names(), ['direct']);
    mock.timers.tick(249);
    assert.deepEqual(script.names(), ['direct']);
    mock.timers.tick(1);
    assert.deepEqual(script.names(), ['direct', 'proxy']);
    script.get('direct').resolve('socket-direct');
    const outcome = await race;
    assert.ok(outcome.ok);
    assert.equal(outcome.candidate, 'direct');
  });

  it('starts the next candidate at once when the previous one fails', async () => {
    const script = scriptedAttempts();
    const race = firstInOrder(['a', 'b', 'c'], { ...script, staggerMs: 10_000 });
    await settle();
    script.get('a').reject(new Error('ECONNREFUSED'));
    await settle();
    assert.deepEqual(script.names(), ['a', 'b']);
    script.get('b').resolve('socket-b');
    const outcome = await race;
    assert.ok(outcome.ok);
    assert.equal(outcome.index, 1);
    assert.equal(outcome.failures[0]?.candidate, 'a');
    assert.equal(outcome.failures[0]?.error.message, 'ECONNREFUSED');
    assert.deepEqual(script.names(), ['a', 'b'], 'c never started');
  });

  it('a later candidate that connects first waits for the earlier one, and loses to it', async () => {
    const script = scriptedAttempts();
    const race = firstInOrder(['direct', 'proxy'], { ...script, staggerMs: 100 });
    await settle();
    mock.timers.tick(100);
    script.get('proxy').resolve('socket-proxy');
    await settle();
    script.get('direct').resolve('socket-direct');
    const outcome = await race;
    assert.ok(outcome.ok);
    assert.equal(outcome.value, 'socket-direct');
    assert.deepEqual(script.discarded, ['socket-proxy']);
  });

  it('takes the later candidate once the earlier one fails', async () => {
    const script = scriptedAttempts();
    const race = firstInOrder(['direct', 'proxy'], { ...script, staggerMs: 100 });
    await settle();
    mock.timers.tick(100);
    script.get('proxy').resolve('socket-proxy');
    await settle();
    script.get('direct').reject(new Error('timed out'));
    const outcome = await race;
    assert.ok(outcome.ok);
    assert.equal(outcome.value, 'socket-proxy');
    assert.deepEqual(script.discarded, []);
  });

  it('aborts the losers still running and discards a loser that succeeds afterwards', async () => {
    const script = scriptedAttempts();
    const race = firstInOrder(['a', 'b', 'c'], { ...script, staggerMs: 10 });
    await settle();
    mock.timers.tick(10);
    mock.timers.tick(10);
    assert.deepEqual(script.names(), ['a', 'b', 'c']);
    script.get('a').resolve('socket-a');
    const outcome = await race;
    assert.ok(outcome.ok);
    assert.equal(script.get('b').signal.aborted, true);
    assert.equal(script.get('c').signal.aborted, true);
    assert.equal(script.get('a').signal.aborted, false, 'the winner is left alone');
  });

  it('reports every failure in document order when none succeeds', async () => {
    const script = scriptedAttempts();
    const race = firstInOrder(['a', 'b', 'c'], { ...script, staggerMs: 10 });
    await settle();
    mock.timers.tick(10);
    mock.timers.tick(10);
    script.get('c').reject(new Error('c failed'));
    script.get('b').reject(new Error('b failed'));
    script.get('a').reject(new Error('a failed'));
    const outcome = await race;
    assert.equal(outcome.ok, false);
    assert.deepEqual(
      outcome.failures.map(({ candidate, error }) => `${candidate}: ${error.message}`),
      ['a: a failed', 'b: b failed', 'c: c failed'],
    );
  });

  it('gives up when the signal fires: attempts are aborted, successes discarded', async () => {
    const script = scriptedAttempts();
    const controller = new AbortController();
    const race = firstInOrder(['a', 'b'], { ...script, staggerMs: 10, signal: controller.signal });
    await settle();
    mock.timers.tick(10);
    script.get('b').resolve('socket-b');
    await settle();
    controller.abort(new Error('cancelled'));
    const outcome = await race;
    assert.equal(outcome.ok, false);
    assert.equal(script.get('a').signal.aborted, true);
    assert.deepEqual(script.discarded, ['socket-b']);
  });

  it('starts nothing when the signal has already fired', async () => {
    const script = scriptedAttempts();
    const outcome = await firstInOrder(['a'], { ...script, staggerMs: 10, signal: AbortSignal.abort() });
    assert.equal(outcome.ok, false);
    assert.deepEqual(script.names(), []);
  });

  it('turns an attempt that throws synchronously into a failure', async () => {
    const outcome = await firstInOrder(['a'], {
      attempt: () => {
        throw new RangeError('bad port');
      },
      discard: () => {},
      staggerMs: 10,
    });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.failures[0]?.error.message, 'bad port');
  });
});
