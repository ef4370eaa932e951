// How every fuzz property runs (issue 11): fast-check with a fixed seed and run count per
// property, so CI is deterministic and bounded; FERRY_FUZZ_RUNS=N runs N cases per property and
// FERRY_FUZZ_SEED=S (or "random") another seed, for longer local runs. A failure names the seed,
// the shrunk counterexample and how to replay it; a failing input worth keeping goes into
// test/fuzz/regressions/<target>.json, which replay() runs on every run.
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import fc from 'fast-check';

export { fc };

interface Budget {
  /** The property's own seed: CI replays exactly these cases. */
  seed: number;
  /** Cases per property in CI (the whole suite stays well under a minute on 2 cores). */
  numRuns: number;
}

function parameters<Ts>(budget: Budget): fc.Parameters<Ts> {
  const runs = Number(process.env.FERRY_FUZZ_RUNS);
  const seedText = process.env.FERRY_FUZZ_SEED;
  const seed = seedText === 'random' ? Math.floor(Math.random() * 2 ** 31) : seedText ? Number(seedText) : budget.seed;
  return {
    seed,
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : budget.numRuns,
    // The report fast-check throws names the seed, the path and the shrunk counterexample.
  };
}

/** One property as one test. */
export function property<Ts>(name: string, budget: Budget, prop: fc.IRawProperty<Ts>): void {
  it(name, async () => {
    const params = parameters<Ts>(budget);
    try {
      await fc.assert(prop, params);
    } catch (error) {
      // fast-check's message already holds seed and path; say how to replay it with this suite.
      (error as Error).message =
        `fuzz property "${name}" failed (seed ${params.seed}; replay: FERRY_FUZZ_SEED=${params.seed} ` +
        `FERRY_FUZZ_RUNS=${params.numRuns}). Keep the counterexample in test/fuzz/regressions/.\n` +
        (error as Error).message;
      throw error;
    }
  });
}

export interface Regression<T> {
  /** What went wrong with it, and the commit that fixed it. */
  note: string;
  input: T;
}

/** Every stored input of `file` (test/fuzz/regressions/), each checked as its own test. */
export function replay<T>(file: string, check: (input: T) => void | Promise<void>): void {
  const url = new URL(`./regressions/${file}`, import.meta.url);
  const entries = JSON.parse(readFileSync(url, 'utf8')) as Regression<T>[];
  for (const [index, entry] of entries.entries()) {
    it(`regression ${file}#${index}: ${entry.note}`, () => check(entry.input));
  }
}

/** `bytes` cut at `cuts` (any numbers; taken modulo the length): every chunking of one input. */
export function split(bytes: Uint8Array, cuts: readonly number[]): Buffer[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length === 0) return [];
  const points = [...new Set(cuts.map((cut) => cut % (buffer.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    if (point > from) chunks.push(buffer.subarray(from, point));
    from = Math.max(from, point);
  }
  if (from < buffer.length) chunks.push(buffer.subarray(from));
  return chunks;
}

/** Cut points for split(). */
export const cuts = fc.array(fc.nat(), { maxLength: 12 });
