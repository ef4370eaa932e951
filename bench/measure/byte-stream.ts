// The two ends of a measured byte stream. The source writes one 1 MiB random buffer over and over
// (no per-write allocation) and half-closes after the last byte, as Prosody's proxy requires. The
// sink counts and spot-checks: the first and last byte of every read must be the pattern's byte
// at that stream offset, which catches lost, duplicated or reordered data at almost no cost.
import { randomFillSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export const PATTERN = randomFillSync(Buffer.allocUnsafe(1024 * 1024));

export class Sink {
  readonly expected: number;
  bytes = 0;
  /** performance.now() when the last expected byte arrived. */
  finishedAt = 0;
  readonly done: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: Error) => void;
  #isSettled = false;

  constructor(expected: number) {
    this.expected = expected;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  }

  readonly onData = (chunk: Buffer): void => {
    if (this.#isSettled) return;
    const length = chunk.length;
    const offset = this.bytes;
    if (
      chunk[0] !== PATTERN[offset % PATTERN.length] ||
      chunk[length - 1] !== PATTERN[(offset + length - 1) % PATTERN.length]
    ) {
      this.fail(new Error(`corrupt data at byte ${offset}`));
      return;
    }
    this.bytes = offset + length;
    if (this.bytes === this.expected) {
      this.finishedAt = performance.now();
      this.#isSettled = true;
      this.#resolve();
    } else if (this.bytes > this.expected) {
      this.fail(new Error(`received ${this.bytes} bytes, expected ${this.expected}`));
    }
  };

  readonly onEnd = (): void => {
    if (!this.#isSettled) this.fail(new Error(`stream ended after ${this.bytes} of ${this.expected} bytes`));
  };

  readonly fail = (error: Error): void => {
    if (this.#isSettled) return;
    this.#isSettled = true;
    this.#reject(error);
  };
}

/** Resolves when the socket can take more, rejects if it closes or fails first. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      socket.off('error', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('the source socket closed while sending'));
    };
    socket.on('drain', onDrain);
    socket.on('close', onClose);
    socket.on('error', onClose);
  });
}

/** Writes `total` bytes of PATTERN with backpressure, then half-closes. */
export async function sendPattern(socket: Socket, total: number): Promise<void> {
  let sent = 0;
  while (sent < total) {
    if (socket.destroyed) throw new Error('the source socket closed while sending');
    const length = Math.min(PATTERN.length, total - sent);
    const isFlowing = socket.write(length === PATTERN.length ? PATTERN : PATTERN.subarray(0, length));
    sent += length;
    if (!isFlowing) await drained(socket);
  }
  socket.end();
}

/** A plain TCP sink that reads into one reused buffer; `preamble` is written first (relay routing). */
export function connectSink(host: string, port: number, sink: Sink, preamble?: string): Promise<Socket> {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      onread: {
        buffer,
        callback: (length: number): boolean => {
          sink.onData(buffer.subarray(0, length));
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', sink.fail);
      if (preamble) socket.write(preamble);
      resolve(socket);
    });
    socket.once('error', reject);
    socket.once('end', sink.onEnd);
  });
}
