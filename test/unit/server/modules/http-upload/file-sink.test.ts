import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  BlobFileSink,
  SYNC_EVERY_BYTES,
  WRITE_BATCH_BYTES,
} from '../../../../../src/server/modules/http-upload/blob-store/file-sink.js';
import { BlobSizeError } from '../../../../../src/server/modules/http-upload/blob-store/types.js';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'ferry-sink-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** `size` bytes of `block` in chunks of uneven sizes (never a multiple of the batch). */
function chunked(block: Buffer, size: number): Readable {
  const sizes = [1, 16_384, 7, 16_000, 65_537, 0, 3];
  let sent = 0;
  let turn = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const length = Math.min(sizes[turn++ % sizes.length]!, size - sent, block.length);
      const offset = sent % (block.length - length + 1);
      sent += length;
      this.push(Buffer.from(block.subarray(offset, offset + length)));
    },
  });
}

function expectedBytes(block: Buffer, size: number): Buffer {
  const sizes = [1, 16_384, 7, 16_000, 65_537, 0, 3];
  const parts: Buffer[] = [];
  let sent = 0;
  let turn = 0;
  while (sent < size) {
    const length = Math.min(sizes[turn++ % sizes.length]!, size - sent, block.length);
    const offset = sent % (block.length - length + 1);
    sent += length;
    parts.push(block.subarray(offset, offset + length));
  }
  return Buffer.concat(parts);
}

describe('blob file sink', () => {
  it('writes every byte in order across batches and background syncs', async () => {
    const size = SYNC_EVERY_BYTES * 2 + WRITE_BATCH_BYTES + 12_345;
    const block = randomBytes(200_000);
    const path = join(root, 'blob');
    const file = await open(path, 'wx', 0o600);
    const sink = new BlobFileSink(file, size);
    try {
      await pipeline(chunked(block, size), sink);
    } finally {
      await file.close();
    }
    assert.equal(sink.received, size);
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    assert.equal(sha(readFileSync(path)), sha(expectedBytes(block, size)));
  });

  it('fails with BlobSizeError the moment the body runs past its size', async () => {
    const file = await open(join(root, 'long'), 'wx', 0o600);
    try {
      await assert.rejects(
        pipeline(chunked(randomBytes(100_000), 300_000), new BlobFileSink(file, 200_000)),
        (error) => {
          assert.ok(error instanceof BlobSizeError);
          assert.equal(error.expected, 200_000);
          assert.ok(error.received > 200_000);
          return true;
        },
      );
    } finally {
      await file.close();
    }
  });

  it('counts a short body without failing: the store compares the count', async () => {
    const path = join(root, 'short');
    const file = await open(path, 'wx', 0o600);
    const sink = new BlobFileSink(file, 1_000_000);
    try {
      await pipeline(Readable.from([Buffer.from('abc')]), sink);
    } finally {
      await file.close();
    }
    assert.equal(sink.received, 3);
    assert.equal(readFileSync(path, 'utf8'), 'abc');
  });
});
