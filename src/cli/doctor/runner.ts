// `ferry doctor`'s runner: checks in order, each bounded by its own deadline and signal, each
// printed as it finishes. A check that needs one that did not pass is skipped with the reason, so
// one broken step (a stopped server) gives one ✗ and a list of skips, never a hang or a cascade.

/** What one check found. `warn` passes (exit 0) but says what to improve. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** Passed or warned: exit 0 is "every check ok". */
  ok: boolean;
  /** What was found: addresses, versions, the error. */
  detail: string;
  /** What to do about a fail or a warning: the config key, the flag, or the network step. */
  fix?: string | undefined;
}

/** A check's own verdict; the runner adds its name and `ok`. */
export interface Verdict {
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string | undefined;
}

export const pass = (detail: string): Verdict => ({ status: 'ok', detail });
export const warn = (detail: string, fix: string): Verdict => ({ status: 'warn', detail, fix });
export const fail = (detail: string, fix: string): Verdict => ({ status: 'fail', detail, fix });

export interface Check<State> {
  name: string;
  /** Names of earlier checks that must have passed (ok or warn); otherwise this one is skipped. */
  needs?: readonly string[];
  /** May also return undefined: not applicable here (the check is left out of the report). */
  run(state: State, signal: AbortSignal): Promise<Verdict | undefined>;
}

export interface RunOptions {
  /** Per check. */
  timeoutMs: number;
  /** Called as each check finishes, in order. */
  report?: (result: CheckResult) => void;
  /** Ctrl-C: the check running now ends with its reason, the rest are skipped. */
  signal?: AbortSignal;
}

export async function runChecks<State>(
  checks: readonly Check<State>[],
  state: State,
  options: RunOptions,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const passed = new Set<string>();
  const record = (result: CheckResult) => {
    results.push(result);
    if (result.ok) passed.add(result.name);
    options.report?.(result);
  };
  for (const check of checks) {
    if (options.signal?.aborted) {
      record({ name: check.name, ok: false, status: 'skip', detail: 'interrupted' });
      continue;
    }
    const missing = (check.needs ?? []).filter((name) => !passed.has(name));
    if (missing.length > 0) {
      record({ name: check.name, ok: false, status: 'skip', detail: `needs ${missing.join(', ')}` });
      continue;
    }
    const verdict = await runOne(check, state, options);
    if (verdict === undefined) continue;
    record({ name: check.name, ok: verdict.status !== 'fail', ...verdict });
  }
  return results;
}

/** Runs one check against its deadline; a throw or a timeout is a fail, never an escape. */
async function runOne<State>(check: Check<State>, state: State, options: RunOptions): Promise<Verdict | undefined> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(new Error('interrupted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Verdict>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${options.timeoutMs / 1000} s`));
      resolve(
        fail(
          `no result within ${options.timeoutMs / 1000} s`,
          'a step of it did not answer: look at the network path it names, or raise --timeout',
        ),
      );
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([
      check
        .run(state, controller.signal)
        .catch((error: unknown) =>
          fail(
            controller.signal.aborted ? String((controller.signal.reason as Error).message) : describe(error),
            'run with --debug for details',
          ),
        ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (!controller.signal.aborted) controller.abort(new Error('check finished'));
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '–' };

/** "✓ tcp c2s: 127.0.0.1:5222 accepts connections", then the fix indented on its own line. */
export function formatResult(result: CheckResult): string {
  if (result.status === 'skip') return `– ${result.name}: skipped (${result.detail})`;
  const line = `${MARK[result.status]} ${result.name}: ${result.detail}`;
  return result.fix ? `${line}\n    fix: ${result.fix}` : line;
}
