import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { fixedSizeParts } from '../../../../../src/server/modules/http-upload/blob-store/fixed-size-parts.js';
import { BlobSizeError } from '../../../../../src/server/modules/http-upload/blob-store/types.js';

/** `data` in chunks of the given sizes, cycling: chunk boundaries never line up with parts. */
function chunked(data: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return Readable.from(chunks);
}

async function collect(parts: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for await (const part of parts) all.push(Buffer.from(part));
  return all;
}

describe('fixedSizeParts', () => {
  it('cuts a body into parts of exactly partSize, the last one shorter, whatever the chunks', async () => {
    const data = randomBytes(1000);
    for (const sizes of [[1], [7, 3, 250], [100], [1000], [999, 1]]) {
      const parts = await collect(fixedSizeParts(chunked(data, sizes), 1000, 300));
      assert.deepEqual(
        parts.map((p) => p.length),
        [300, 300, 300, 100],
        `chunks ${sizes.join(',')}`,
      );
      assert.ok(Buffer.concat(parts).equals(data));
    }
  });

  it('yields one empty part for an empty body', async () => {
    const parts = await collect(fixedSizeParts(Readable.from([]), 0, 300));
    assert.deepEqual(
      parts.map((p) => p.length),
      [0],
    );
  });

  it('yields parts of exactly partSize when the size is a multiple of it', async () => {
    const parts = await collect(fixedSizeParts(chunked(randomBytes(600), [64]), 600, 300));
    assert.deepEqual(
      parts.map((p) => p.length),
      [300, 300],
    );
  });

  it('fails with the received count when the body ends short', async () => {
    await assert.rejects(collect(fixedSizeParts(chunked(randomBytes(650), [64]), 700, 300)), {
      name: 'BlobSizeError',
      expected: 700,
      received: 650,
    });
  });

  it('fails before yielding the last part when the body runs long', async () => {
    const yielded: number[] = [];
    const error = await (async () => {
      try {
        for await (const part of fixedSizeParts(chunked(randomBytes(601), [64]), 600, 300)) yielded.push(part.length);
      } catch (caught) {
        return caught;
      }
    })();
    assert.ok(error instanceof BlobSizeError);
    assert.ok(error.received > 600);
    assert.deepEqual(yielded, [300], 'the last part is held until the end of the body is seen');
  });

  it('rejects with the signal reason while waiting for bytes, without destroying the body', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(10));
    const controller = new AbortController();
    const parts = collect(fixedSizeParts(body, 100, 50, controller.signal));
    setImmediate(() => controller.abort());
    await assert.rejects(parts, { name: 'AbortError' });
    assert.equal(body.destroyed, false);
  });

  it('rethrows the error of the body', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(10));
    setImmediate(() => body.destroy(new Error('reset by peer')));
    await assert.rejects(collect(fixedSizeParts(body, 100, 50)), /reset by peer/);
  });

  it('pulls the body only as parts are asked for', async () => {
    let produced = 0;
    const body = new Readable({
      highWaterMark: 16,
      read() {
        produced += 16;
        this.push(Buffer.alloc(16));
      },
    });
    const parts = fixedSizeParts(body, 10_000, 64);
    await parts.next();
    assert.ok(produced < 64 + 4 * 16, `produced ${produced} bytes for one 64-byte part`);
    await parts.return(undefined);
  });
});
