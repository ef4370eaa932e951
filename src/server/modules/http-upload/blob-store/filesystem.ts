// The default BlobStore: one file per blob under <data_dir>/uploads/. A put writes a temp file in
// the blob's own folder and hard-links it to its name only once exactly `size` bytes are on disk
// and synced: link() fails when the name exists, so two puts to one key cannot both win (rename
// would silently replace), and nothing is ever visible half-written. Files are 0600, folders 0700.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, stat, unlink, link } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobFileSink } from './file-sink.js';
import {
  BlobExistsError,
  BlobSizeError,
  isValidBlobKey,
  type BlobPutOptions,
  type BlobStore,
  type ByteRange,
} from './types.js';

/** '~' never occurs in a valid key, so a temp file can never be mistaken for a blob. */
const TEMP_MARK = '~part';

export function createFilesystemBlobStore(root: string): BlobStore {
  const pathOf = (key: string): string => {
    // Keys come from our own random ids, but a wrong one must never walk out of the root.
    if (!isValidBlobKey(key)) throw new RangeError(`invalid blob key ${JSON.stringify(key)}`);
    return join(root, ...key.split('/'));
  };

  return {
    description: `filesystem ${root}`,

    async put(key: string, body: Readable, size: number, options: BlobPutOptions = {}): Promise<void> {
      const path = pathOf(key);
      // Until pipeline() takes the body (a few awaits away) an error on it would be uncaught;
      // pipeline still sees it, since it reads a destroyed stream's stored error.
      body.on('error', ignore);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      if (await exists(path)) throw new BlobExistsError(key);
      const temp = `${path}.${randomBytes(8).toString('hex')}${TEMP_MARK}`;
      const file = await open(temp, 'wx', 0o600);
      try {
        // Counts, writes in batches and syncs (the last sync before pipeline resolves).
        const sink = new BlobFileSink(file, size);
        await pipeline(body, sink, { ...(options.signal ? { signal: options.signal } : {}) });
        if (sink.received !== size) throw new BlobSizeError(size, sink.received);
        try {
          await link(temp, path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BlobExistsError(key);
          throw error;
        }
      } finally {
        await file.close().catch(() => {});
        await unlink(temp).catch(() => {});
      }
    },

    async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
      if (!isValidBlobKey(key)) return undefined;
      // Opened first, so a missing blob is an undefined here, not an error event later.
      const file = await open(pathOf(key), 'r').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!file) return undefined;
      return file.createReadStream(range ? { start: range.start, end: range.end } : {});
    },

    async stat(key: string): Promise<{ size: number } | undefined> {
      if (!isValidBlobKey(key)) return undefined;
      const info = await stat(pathOf(key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      return info?.isFile() ? { size: info.size } : undefined;
    },

    async delete(key: string): Promise<boolean> {
      if (!isValidBlobKey(key)) return false;
      try {
        await unlink(pathOf(key));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },

    async *keys(): AsyncIterable<string> {
      for await (const path of walk(root)) {
        const key = relative(root, path).split(sep).join('/');
        if (!key.includes('~') && isValidBlobKey(key)) yield key;
      }
    },

    async close(): Promise<void> {},
  };
}

function ignore(): void {}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

async function* walk(folder: string): AsyncIterable<string> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}
