// One suite for every BlobStore backend (filesystem, S3…): the contract in
// src/server/modules/http-upload/blob-store/types.ts, case by case. Nothing here knows a backend:
// a test file calls describeBlobStore with a factory and owns whatever the factory needs.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  BlobExistsError,
  BlobSizeError,
  type BlobStore,
} from '../../src/server/modules/http-upload/blob-store/types.js';
import { hashingSink } from './files.js';

const MiB = 1024 * 1024;

export interface BlobStoreConformanceOptions {
  /** Bytes of the big streamed body; the default, 64 MiB, shows memory stays bounded. */
  bigSize?: number;
  /** How much the process's peak RSS may grow while the big body is stored. */
  maxRssGrowth?: number;
}

/**
 * Runs every case against stores made by `factory`: one fresh, empty store per case, closed
 * after it. The big case puts `bigSize` bytes and reads them back; keep the factory's store on
 * a fast disk or an in-process server.
 */
export function describeBlobStore(
  name: string,
  factory: () => Promise<BlobStore>,
  options: BlobStoreConformanceOptions = {},
): void {
  const bigSize = options.bigSize ?? 64 * MiB;
  const maxRssGrowth = options.maxRssGrowth ?? 48 * MiB;

  describe(`BlobStore conformance: ${name}`, () => {
    let store: BlobStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    /** Nothing visible under `key`: no get, no stat, not listed. */
    async function assertAbsent(key: string): Promise<void> {
      assert.equal(await store.stat(key), undefined, `stat ${key}`);
      assert.equal(await store.get(key), undefined, `get ${key}`);
      assert.ok(!(await listKeys(store)).includes(key), `keys() lists ${key}`);
    }

    it('stores a body and gives the same bytes back', async () => {
      const data = randomBytes(300 * 1024 + 7);
      await store.put('a1', Readable.from([data]), data.length, { contentType: 'image/png' });
      assert.equal(await sha256Of(await store.get('a1')), sha256(data));
      assert.deepEqual(await store.stat('a1'), { size: data.length });
    });

    it('stores an empty body', async () => {
      await store.put('empty', Readable.from([]), 0);
      assert.deepEqual(await store.stat('empty'), { size: 0 });
      assert.equal(await sha256Of(await store.get('empty')), sha256(Buffer.alloc(0)));
    });

    it('stores keys with several segments', async () => {
      await store.put('ab/cd/ef.-_1', Readable.from([Buffer.from('nested')]), 6);
      assert.equal((await readAll(await store.get('ab/cd/ef.-_1'))).toString(), 'nested');
    });

    it('reads inclusive byte ranges', async () => {
      const data = randomBytes(10_000);
      await store.put('ranged', chunked(data, 999), data.length);
      for (const [start, end] of [
        [0, 0],
        [10, 1009],
        [9_999, 9_999],
        [0, 9_999],
        [4_096, 8_191],
      ] as const) {
        const got = await readAll(await store.get('ranged', { start, end }));
        assert.ok(got.equals(data.subarray(start, end + 1)), `range ${start}-${end}`);
      }
    });

    it('answers undefined for an unknown key', async () => {
      assert.equal(await store.get('nope'), undefined);
      assert.equal(await store.get('nope', { start: 0, end: 0 }), undefined);
      assert.equal(await store.stat('nope'), undefined);
    });

    it('deletes: true the first time, false when there is nothing left', async () => {
      await store.put('gone', Readable.from([Buffer.from('bytes')]), 5);
      assert.equal(await store.delete('gone'), true);
      await assertAbsent('gone');
      assert.equal(await store.delete('gone'), false);
      assert.equal(await store.delete('never-was'), false);
    });

    it('refuses a key that is taken, and keeps the first blob', async () => {
      await store.put('taken', Readable.from([Buffer.from('first')]), 5);
      await assert.rejects(store.put('taken', Readable.from([Buffer.from('other')]), 5), BlobExistsError);
      assert.equal((await readAll(await store.get('taken'))).toString(), 'first');
    });

    for (const [label, size, sent] of [
      ['a small body that ends short', 1000, 900],
      ['a body of several MiB that ends short', 12 * MiB, 11 * MiB + 17],
      ['a small body that runs long', 1000, 1001],
      ['a body of several MiB that runs long', 12 * MiB, 13 * MiB],
    ] as const) {
      it(`fails with BlobSizeError on ${label}, leaving nothing`, async () => {
        const error = await rejection(store.put('sized', generated(sent), size));
        assert.ok(error instanceof BlobSizeError, `got ${String(error)}`);
        assert.equal(error.expected, size);
        if (sent < size) assert.equal(error.received, sent);
        else assert.ok(error.received > size);
        await assertAbsent('sized');
      });
    }

    it('fails when the body errors, leaving nothing', async () => {
      const body = new Readable({ read() {} });
      body.push(randomBytes(1000));
      setImmediate(() => body.destroy(new Error('client went away')));
      await assert.rejects(store.put('broken', body, 5000), /client went away/);
      await assertAbsent('broken');
    });

    for (const [label, before] of [
      ['after a few KiB', 10 * 1024],
      ['after several MiB', 12 * MiB],
    ] as const) {
      it(`stops when the signal aborts ${label}, leaving nothing`, { timeout: 30_000 }, async () => {
        const controller = new AbortController();
        const body = stallingStream(before, () => controller.abort());
        await assert.rejects(store.put('aborted', body, before * 2, { signal: controller.signal }), {
          name: 'AbortError',
        });
        await assertAbsent('aborted');
      });
    }

    it('refuses at once when the signal has already aborted', async () => {
      await assert.rejects(
        store.put('aborted', Readable.from([Buffer.from('x')]), 1, { signal: AbortSignal.abort() }),
        { name: 'AbortError' },
      );
      await assertAbsent('aborted');
    });

    it('lists every key it holds', async () => {
      const keys = ['k1', 'k2', 'dir/k3', 'dir/sub/k4', 'k5'];
      for (const key of keys) await store.put(key, Readable.from([Buffer.from(key)]), key.length);
      assert.deepEqual((await listKeys(store)).sort(), [...keys].sort());
      await store.delete('k2');
      assert.deepEqual((await listKeys(store)).sort(), ['dir/k3', 'dir/sub/k4', 'k1', 'k5']);
    });

    it(`streams ${bigSize / MiB} MiB made on the fly with bounded memory`, { timeout: 300_000 }, async (t) => {
      const expected = hashingSink();
      await pipeline(generated(bigSize), expected);
      const rssBefore = process.memoryUsage.rss();
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
      try {
        await store.put('big', generated(bigSize), bigSize);
      } finally {
        clearInterval(sampler);
      }
      const growth = peak - rssBefore;
      t.diagnostic(`peak RSS grew ${(growth / MiB).toFixed(1)} MiB while storing ${bigSize / MiB} MiB`);
      assert.ok(growth < maxRssGrowth, `RSS grew ${(growth / MiB).toFixed(1)} MiB storing ${bigSize / MiB} MiB`);
      assert.deepEqual(await store.stat('big'), { size: bigSize });
      assert.equal(await sha256Of(await store.get('big')), expected.digest());
    });
  });
}

const PATTERN = makePattern();

/** `size` bytes of a fixed pseudo-random 1 MiB pattern (same bytes every call), made as they are read. */
function generated(size: number): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: 256 * 1024,
    read() {
      if (sent >= size) return void this.push(null);
      const length = Math.min(PATTERN.length - (sent % PATTERN.length), size - sent, 64 * 1024);
      const offset = sent % PATTERN.length;
      sent += length;
      this.push(PATTERN.subarray(offset, offset + length));
    },
  });
}

function makePattern(): Buffer {
  const pattern = Buffer.alloc(MiB);
  let block = createHash('sha256').update('ferry blob store conformance').digest();
  for (let offset = 0; offset < pattern.length; offset += block.length) {
    block.copy(pattern, offset);
    block = createHash('sha256').update(block).digest();
  }
  return pattern;
}

/** Gives `before` bytes, calls `onStall` once they are nearly all consumed, then never ends. */
function stallingStream(before: number, onStall: () => void): Readable {
  return Readable.from(
    (async function* () {
      yield* generated(before);
      onStall();
      await new Promise<never>(() => undefined); // only the signal can end this put
    })(),
    { objectMode: false },
  );
}

function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += size) chunks.push(data.subarray(offset, offset + size));
  return Readable.from(chunks);
}

async function listKeys(store: BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.keys()) keys.push(key);
  return keys;
}

async function readAll(body: Readable | undefined): Promise<Buffer> {
  assert.ok(body, 'expected a blob');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function sha256Of(body: Readable | undefined): Promise<string> {
  assert.ok(body, 'expected a blob');
  const sink = hashingSink();
  await pipeline(body, sink);
  return sink.digest();
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}
