// The request body as handlers see it: a pass-through that errors with HttpBodyTooLargeError once
// more than `limit` bytes went through. Content-Length is checked before the handler runs; this
// catches chunked bodies (Node's parser already holds a sized body to its Content-Length).
import { Transform, type TransformCallback } from 'node:stream';
import { HttpBodyTooLargeError } from './types.js';

export function limitBody(limit: number): Transform {
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      received += chunk.length;
      if (received > limit) callback(new HttpBodyTooLargeError(limit));
      else callback(null, chunk);
    },
  });
}

/** The declared Content-Length, or undefined when there is none (Node has validated its syntax). */
export function declaredLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
