// XEP-0065 §5.3.2: the Target tries the StreamHosts "in the order they appear". Strictly one after
// another, a dead first streamhost costs a whole timeout before the second is even tried, so the
// attempts overlap (happy-eyeballs style: the next starts when the previous fails or `staggerMs`
// after it started) while the winner is still the first success in DOCUMENT order: a later
// candidate that connects sooner waits for the earlier ones to fail, and losers are released.

export interface AttemptFailure<C> {
  candidate: C;
  error: Error;
}

export type FirstInOrderOutcome<C, T> =
  | { ok: true; value: T; candidate: C; index: number; failures: AttemptFailure<C>[] }
  | { ok: false; failures: AttemptFailure<C>[] };

export interface FirstInOrderOptions<C, T> {
  /** One attempt; it must settle by itself (its own timeout) and give up when `signal` fires. */
  attempt(candidate: C, signal: AbortSignal): Promise<T>;
  /** Releases a success that lost (an earlier candidate won, or the whole race was aborted). */
  discard(value: T): void;
  /** Start the next attempt this long after the previous one started, even if it still runs. */
  staggerMs: number;
  /** Aborting ends the race: running attempts give up, successes are discarded, ok is false. */
  signal?: AbortSignal;
}

export async function firstInOrder<C, T>(
  candidates: readonly C[],
  options: FirstInOrderOptions<C, T>,
): Promise<FirstInOrderOutcome<C, T>> {
  const { attempt, discard, staggerMs, signal } = options;
  const controllers = candidates.map(() => new AbortController());
  const outcomes: Array<Promise<{ ok: true; value: T } | { ok: false; error: Error }>> = [];
  const timers = new Set<NodeJS.Timeout>();
  /** Successes not yet handed out or discarded, by index. */
  const successes = new Map<number, T>();
  let winner: number | undefined;
  let isDecided = false;

  const start = (index: number): void => {
    const candidate = candidates[index];
    const controller = controllers[index];
    if (isDecided || candidate === undefined || controller === undefined || outcomes[index]) return;
    outcomes[index] = (async () => attempt(candidate, controller.signal))().then(
      (value) => {
        if (isDecided && index !== winner) discard(value);
        else successes.set(index, value);
        return { ok: true as const, value };
      },
      (error: unknown) => {
        start(index + 1);
        return { ok: false as const, error: error instanceof Error ? error : new Error(String(error)) };
      },
    );
    if (index + 1 < candidates.length) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        start(index + 1);
      }, staggerMs);
      timers.add(timer);
    }
  };

  const onAbort = (): void => controllers.forEach((controller) => controller.abort(signal?.reason));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const failures: AttemptFailure<C>[] = [];
  try {
    for (let index = 0; index < candidates.length && !signal?.aborted; index += 1) {
      start(index); // usually started already, by the stagger timer or the previous failure
      const outcome = await outcomes[index];
      const candidate = candidates[index] as C;
      if (outcome === undefined || signal?.aborted) break;
      if (outcome.ok) {
        winner = index;
        successes.delete(index);
        return { ok: true, value: outcome.value, candidate, index, failures };
      }
      failures.push({ candidate, error: outcome.error });
    }
    return { ok: false, failures };
  } finally {
    isDecided = true;
    for (const timer of timers) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    controllers.forEach((controller, index) => {
      if (index !== winner) controller.abort(new Error('another streamhost was chosen'));
    });
    for (const value of successes.values()) discard(value);
    successes.clear();
  }
}
