// The File/Blob behind a stream made by fileSource(): an XEP-0363 PUT in a browser sends the Blob
// itself (fetch() streams a request body only over HTTP/2), while SI and Jingle read the stream.
import type { Readable } from 'node:stream';

const blobs = new WeakMap<Readable, Blob>();

export function rememberBlob(stream: Readable, blob: Blob): void {
  blobs.set(stream, blob);
}

export function blobBehind(stream: Readable): Blob | undefined {
  return blobs.get(stream);
}
