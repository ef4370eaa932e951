// One progress bar for send and receive: bytes, rate, ETA and the method in use.
import { SingleBar } from 'cli-progress';
import type { Progress } from '@ferry/client/internal/progress';

export class TransferProgressBar {
  readonly #bar: SingleBar;
  #isStarted = false;

  constructor(label: string) {
    this.#bar = new SingleBar({
      format: `${label} [{bar}] {percentage}% | {done}/{size} | {speed} | ETA {eta} | {method}`,
      barCompleteChar: '#',
      barIncompleteChar: '-',
      hideCursor: true,
      etaBuffer: 50,
      stream: process.stderr,
      noTTYOutput: false,
    });
  }

  update(progress: Progress): void {
    const payload = {
      done: formatBytes(progress.bytes),
      size: formatBytes(progress.total ?? 0),
      speed: `${formatBytes(Number.isFinite(progress.rate) ? progress.rate : 0)}/s`,
      eta: formatEta(progress),
      method: progress.method,
    };
    if (!this.#isStarted) {
      this.#isStarted = true;
      this.#bar.start(Math.max(progress.total ?? 0, 1), progress.bytes, payload);
      return;
    }
    this.#bar.update(progress.bytes, payload);
  }

  note(text: string): void {
    if (this.#isStarted) this.#bar.stop();
    this.#isStarted = false;
    process.stderr.write(`${text}\n`);
  }

  stop(): void {
    if (this.#isStarted) this.#bar.stop();
    this.#isStarted = false;
  }
}

/**
 * Our own ETA: cli-progress's is derived from its update timing and shows NaN/"INF" (or a
 * mangled template) when a small file arrives in one update. Unknown → "--", done → "0s".
 */
export function formatEta({ bytes, total, rate }: Progress): string {
  if (total === undefined) return '--';
  const left = Math.max(total - bytes, 0);
  if (left === 0) return '0s';
  if (!Number.isFinite(rate) || rate <= 0) return '--';
  const seconds = Math.ceil(left / rate);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
