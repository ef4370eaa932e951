// Cuts an upload body into parts of known sizes while counting its bytes, so a backend that must
// send whole parts (S3 multipart) holds at most one part in memory and never commits a body that
// ended short or ran long. Not S3-specific: any backend that buffers parts can use it.
import type { Readable } from 'node:stream';
import { BlobSizeError } from './types.js';

/**
 * Yields `Math.max(1, ceil(size / partSize))` buffers of exactly `partSize` bytes (the last one
 * shorter, or empty when `size` is 0). The last part is yielded only once the body has ended, so a
 * body longer than `size` fails before it is committed. Pulls the body only while the consumer asks
 * for the next part: back-pressure reaches the sender. Never destroys `body`; its owner does.
 */
export async function* fixedSizeParts(
  body: Readable,
  size: number,
  partSize: number,
  signal?: AbortSignal,
): AsyncGenerator<Buffer, void, undefined> {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid blob size ${size}`);
  if (!Number.isSafeInteger(partSize) || partSize < 1) throw new RangeError(`invalid part size ${partSize}`);
  // destroyOnReturn: false — stopping early (abort, long body) must leave the caller's stream alone.
  const chunks = body.iterator({ destroyOnReturn: false });
  const partCount = Math.max(1, Math.ceil(size / partSize));
  let received = 0;
  let leftover: Buffer | undefined;
  try {
    for (let index = 0; index < partCount; index++) {
      const part = Buffer.allocUnsafe(Math.min(partSize, size - index * partSize));
      let filled = 0;
      while (filled < part.length) {
        leftover ??= await nextChunk(chunks, signal);
        if (leftover === undefined) throw new BlobSizeError(size, received);
        const copied = leftover.copy(part, filled);
        filled += copied;
        received += copied;
        leftover = copied < leftover.length ? leftover.subarray(copied) : undefined;
      }
      if (index === partCount - 1) {
        // The body must end exactly here; one more pull tells.
        const extra = leftover ?? (await nextChunk(chunks, signal));
        if (extra !== undefined) throw new BlobSizeError(size, received + extra.length);
      }
      yield part;
    }
  } finally {
    // Not awaited: after an abort a read is still pending, and the iterator would wait for it.
    chunks.return?.().catch(() => undefined);
  }
}

/** The next non-empty chunk as a Buffer, or undefined at the end; rejects as soon as `signal` aborts. */
async function nextChunk(chunks: NodeJS.AsyncIterator<unknown>, signal?: AbortSignal): Promise<Buffer | undefined> {
  for (;;) {
    const result = await raceAbort(chunks.next(), signal);
    if (result.done) return undefined;
    const chunk = typeof result.value === 'string' ? Buffer.from(result.value) : (result.value as Buffer);
    if (chunk.length > 0) return chunk;
  }
}

function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
