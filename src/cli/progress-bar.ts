// One progress bar for send and receive: bytes, rate, ETA and the method in use.
import { SingleBar } from 'cli-progress';
import type { Progress } from '../client/progress.js';

export class TransferProgressBar {
  readonly #bar: SingleBar;
  #isStarted = false;

  constructor(label: string) {
    this.#bar = new SingleBar({
      format: `${label} [{bar}] {percentage}% | {done}/{size} | {speed} | ETA {eta_formatted} | {method}`,
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
      speed: `${formatBytes(progress.rate)}/s`,
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

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
