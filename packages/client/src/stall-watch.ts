// Issue 11 (#10): a transfer whose bytes stop moving is cancelled after `timeoutMs`, whichever
// side froze — the peer stopped reading or acknowledging, stopped sending, or our own disk or
// consumer stopped taking bytes. One timer per transfer, pushed back by every chunk that passes
// (Timeout#refresh: no new timer per chunk); its owner stops it when the transfer settles.
import { refreshableTimeout, type RefreshableTimeout } from './platform/index.js';
import { TransferError } from './transfer-error.js';

/** The default of FileTransferOptions.stallTimeoutMs and the CLI's --stall-timeout. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

export class StallWatch {
  readonly #controller = new AbortController();
  readonly #timer: RefreshableTimeout;

  /** Aborts `signal` with `stalled()` once `timeoutMs` pass without a touch(). */
  constructor(timeoutMs: number, stalled: () => Error) {
    this.#timer = refreshableTimeout(() => this.#controller.abort(stalled()), timeoutMs);
  }

  /** Aborted with the stall error when the transfer made no progress in time. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Bytes moved: the countdown starts again. */
  touch(): void {
    if (!this.#controller.signal.aborted) this.#timer.refresh();
  }

  stop(): void {
    this.#timer.clear();
  }
}

/** "no data for 30 s to bob@example.com/phone; cancelled" */
export function stalledError(timeoutMs: number, direction: 'from' | 'to', peer: string): TransferError {
  return new TransferError(
    'FERRY_ERR_STALLED',
    `no data for ${formatSeconds(timeoutMs)} ${direction} ${peer}; cancelled`,
  );
}

/** A stall timeout is a positive number of milliseconds; programmer input, so a bad one throws. */
export function checkStallTimeout(timeoutMs: number): number {
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new RangeError(`stallTimeoutMs must be a positive number of milliseconds, not ${timeoutMs}`);
  }
  return timeoutMs;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
