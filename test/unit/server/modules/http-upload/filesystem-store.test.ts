import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createFilesystemBlobStore } from '../../../../../src/server/modules/http-upload/blob-store/filesystem.js';
import {
  BlobExistsError,
  BlobSizeError,
  type BlobStore,
} from '../../../../../src/server/modules/http-upload/blob-store/types.js';

let root: string;
let store: BlobStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-blobs-'));
  store = createFilesystemBlobStore(join(root, 'uploads'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Every file under the store's folder, temp files included. */
function filesOnDisk(): string[] {
  try {
    return readdirSync(join(root, 'uploads'), { recursive: true }) as string[];
  } catch {
    return [];
  }
}

async function keys(): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.keys()) out.push(key);
  return out.sort();
}

describe('filesystem blob store', () => {
  it('stores a body, 0600, and reads it back whole and by range', async () => {
    await store.put('abc', Readable.from([Buffer.from('hello '), Buffer.from('world')]), 11);
    assert.equal(statSync(join(root, 'uploads', 'abc')).mode & 0o777, 0o600);
    assert.deepEqual(await store.stat('abc'), { size: 11 });
    assert.equal(await text((await store.get('abc'))!), 'hello world');
    assert.equal(await text((await store.get('abc', { start: 6, end: 10 }))!), 'world');
    assert.deepEqual(await keys(), ['abc']);
    assert.deepEqual(filesOnDisk(), ['abc']);
  });

  it('nothing is visible while a put streams, and the blob appears complete', async () => {
    const body = new PassThrough();
    const putting = store.put('k', body, 8);
    body.write('1234');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await store.stat('k'), undefined);
    assert.equal(await store.get('k'), undefined);
    assert.deepEqual(await keys(), []); // the temp file is not a key
    body.end('5678');
    await putting;
    assert.equal(await text((await store.get('k'))!), '12345678');
  });

  it('a short body rejects with BlobSizeError and leaves nothing', async () => {
    await assert.rejects(store.put('k', Readable.from([Buffer.from('123')]), 8), (error: unknown) => {
      assert.ok(error instanceof BlobSizeError);
      assert.equal(error.received, 3);
      return true;
    });
    assert.deepEqual(filesOnDisk(), []);
  });

  it('a long body rejects with BlobSizeError and leaves nothing', async () => {
    await assert.rejects(store.put('k', Readable.from([randomBytes(100)]), 8), BlobSizeError);
    assert.deepEqual(filesOnDisk(), []);
  });

  it('an aborted put or a body that errors leaves nothing', async () => {
    const abort = new AbortController();
    const body = new PassThrough();
    const putting = store.put('k', body, 1000, { signal: abort.signal });
    body.write(randomBytes(100));
    await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    await assert.rejects(putting);
    const failing = new PassThrough();
    const failed = store.put('j', failing, 1000);
    failing.write(randomBytes(100));
    failing.destroy(new Error('client reset'));
    await assert.rejects(failed, /client reset/);
    assert.deepEqual(filesOnDisk(), []);
  });

  it('refuses an existing key with BlobExistsError and keeps the first', async () => {
    await store.put('k', Readable.from([Buffer.from('first')]), 5);
    await assert.rejects(store.put('k', Readable.from([Buffer.from('other')]), 5), BlobExistsError);
    assert.equal(await text((await store.get('k'))!), 'first');
  });

  it('deletes, and answers undefined/false for what is not there or not a key', async () => {
    await store.put('a/b', Readable.from([Buffer.from('x')]), 1);
    assert.deepEqual(await keys(), ['a/b']);
    assert.equal(await store.delete('a/b'), true);
    assert.equal(await store.delete('a/b'), false);
    assert.equal(await store.get('../etc/passwd'), undefined);
    assert.equal(await store.stat('nope'), undefined);
  });
});
