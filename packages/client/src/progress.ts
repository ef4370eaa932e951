// Counts the bytes that pass and reports progress at most every `intervalMs`, plus once at the
// end, so a fast transfer does not drown its listeners.
import { Transform, type TransformCallback, createHash, type StreamingHash as Hash } from './platform/index.js';

/** A transfer's progress, as 'progress' events report it (at most every 200 ms, and at the end). */
export interface Progress {
  /** Bytes of the file transferred so far, including a resumed offset. */
  bytes: number;
  /** Expected total, when known. */
  total: number | undefined;
  /** Bytes per second over the transfer so far. */
  rate: number;
  method: string;
}

export class ProgressMeter extends Transform {
  #bytes: number;
  readonly #startBytes: number;
  readonly #total: number | undefined;
  readonly #startedAt = Date.now();
  readonly #intervalMs: number;
  readonly #hash: Hash | undefined;
  #lastReport = 0;
  readonly #report: (progress: Progress) => void;
  readonly #onChunk: (() => void) | undefined;
  method: string;

  constructor(options: {
    offset: number;
    total: number | undefined;
    method: string;
    intervalMs?: number;
    /** Also hash what passes (MD5 for XEP-0096), optionally primed with the resumed prefix. */
    hash?: Hash | undefined;
    report(progress: Progress): void;
    /** Called for every chunk that passes (the stall watch's touch). */
    onChunk?: () => void;
  }) {
    super();
    this.#bytes = options.offset;
    this.#startBytes = options.offset;
    this.#total = options.total;
    this.method = options.method;
    this.#intervalMs = options.intervalMs ?? 200;
    this.#hash = options.hash;
    this.#report = options.report;
    this.#onChunk = options.onChunk;
  }

  get bytes(): number {
    return this.#bytes;
  }

  digest(): string | undefined {
    return this.#hash?.digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    this.#hash?.update(chunk);
    this.#onChunk?.();
    const now = Date.now();
    if (now - this.#lastReport >= this.#intervalMs) {
      this.#lastReport = now;
      this.#report(this.snapshot());
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#report(this.snapshot());
    callback();
  }

  snapshot(): Progress {
    const seconds = Math.max((Date.now() - this.#startedAt) / 1000, 0.001);
    return {
      bytes: this.#bytes,
      total: this.#total,
      rate: (this.#bytes - this.#startBytes) / seconds,
      method: this.method,
    };
  }
}

export function md5(): Hash {
  return createHash('md5');
}
