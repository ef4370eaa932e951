// The body limit as a stream: bytes in, the same bytes out, an HttpBodyTooLargeError past the limit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { declaredLength, limitBody } from '../../../../../src/server/transport/http/body-limit.js';
import { HttpBodyTooLargeError } from '../../../../../src/server/transport/http/index.js';

const drain = async (chunks: Buffer[], limit: number): Promise<number> => {
  let total = 0;
  await pipeline(Readable.from(chunks), limitBody(limit), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) total += chunk.length;
  });
  return total;
};

describe('HTTP body limit', () => {
  it('passes a body up to the limit, exactly at it included', async () => {
    assert.equal(await drain([Buffer.alloc(600), Buffer.alloc(424)], 1024), 1024);
    assert.equal(await drain([], 0), 0);
  });

  it('fails with HttpBodyTooLargeError on the chunk that crosses the limit', async () => {
    await assert.rejects(drain([Buffer.alloc(1000), Buffer.alloc(25)], 1024), (error: unknown) => {
      assert.ok(error instanceof HttpBodyTooLargeError);
      assert.equal(error.code, 'FERRY_ERR_HTTP_BODY_TOO_LARGE');
      assert.equal(error.limit, 1024);
      return true;
    });
    await assert.rejects(drain([Buffer.alloc(1)], 0), HttpBodyTooLargeError);
  });

  it('reads a declared Content-Length, and none when absent', () => {
    assert.equal(declaredLength('1048576'), 1048576);
    assert.equal(declaredLength('0'), 0);
    assert.equal(declaredLength(undefined), undefined);
  });
});
