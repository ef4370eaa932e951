// Where uploaded files' bytes live: the local filesystem under the data dir by default, or an
// S3-compatible object store. Only bytes and keys here; who owns a file, its name, type and hash
// are metadata in the server's database (the module's store), so a backend stays a dumb bucket.
import type { Readable } from 'node:stream';

/** An inclusive byte range, already checked against the blob's size by the caller. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobPutOptions {
  contentType?: string;
  /** Aborting discards whatever was written: nothing becomes visible under the key. */
  signal?: AbortSignal;
}

export interface BlobStore {
  /** What the logs and `ferry doctor` call it: 'filesystem /var/lib/ferry/uploads', 's3 bucket at …'. */
  readonly description: string;
  /**
   * Streams `body` into a new blob. Resolves once exactly `size` bytes are stored and visible under
   * `key`; rejects when the body errors, ends short or runs long (BlobSizeError), the signal aborts,
   * or the key is taken (BlobExistsError) — and then nothing is visible under `key`. Respects the
   * body's back-pressure: never holds the whole body in memory.
   */
  put(key: string, body: Readable, size: number, options?: BlobPutOptions): Promise<void>;
  /** The blob's bytes (the range only, when given), or undefined when there is no such blob. */
  get(key: string, range?: ByteRange): Promise<Readable | undefined>;
  /** The stored size, or undefined when there is no such blob. */
  stat(key: string): Promise<{ size: number } | undefined>;
  /** False when there was nothing to delete. */
  delete(key: string): Promise<boolean>;
  /** Every key, in no particular order: the sweeper removes blobs whose metadata is gone. */
  keys(): AsyncIterable<string>;
  close(): Promise<void>;
}

/** Keys are `[A-Za-z0-9._-]` segments joined by '/', each segment not '.' or '..': safe as paths and object names. */
export function isValidBlobKey(key: string): boolean {
  if (key.length === 0 || key.length > 512) return false;
  return key.split('/').every((segment) => /^[A-Za-z0-9._-]+$/.test(segment) && segment !== '.' && segment !== '..');
}

export class BlobExistsError extends Error {
  readonly code = 'FERRY_ERR_BLOB_EXISTS';
  constructor(readonly key: string) {
    super(`a blob already exists at ${key}`);
    this.name = 'BlobExistsError';
  }
}

export class BlobSizeError extends Error {
  readonly code = 'FERRY_ERR_BLOB_SIZE';
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`expected ${expected} bytes, ${received < expected ? 'the body ended after' : 'got at least'} ${received}`);
    this.name = 'BlobSizeError';
  }
}
