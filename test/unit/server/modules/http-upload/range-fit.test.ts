import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { fitToRange } from '../../../../../src/server/modules/http-upload/blob-store/range-fit.js';

const DATA = Buffer.from('0123456789abcdefghij');

async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function served(start: number, end: number): Readable {
  const bytes = DATA.subarray(start, end + 1);
  return Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]);
}

describe('fitToRange', () => {
  it('passes through a body that is exactly the range', async () => {
    const body = served(2, 5);
    assert.equal(fitToRange(body, { start: 2, end: 5 }, 'bytes 2-5/20'), body);
  });

  it('cuts a body that runs past the range (s3rver answers bytes=0-0 with everything)', async () => {
    assert.equal(await text(fitToRange(served(0, 19), { start: 0, end: 0 }, 'bytes 0-19/20')), '0');
  });

  it('skips and cuts when the server ignored Range and sent the whole object', async () => {
    assert.equal(await text(fitToRange(served(0, 19), { start: 4, end: 12 }, undefined)), '456789abc');
  });

  it('refuses a body that starts after the range or ends before it', () => {
    assert.throws(() => fitToRange(served(3, 19), { start: 2, end: 5 }, 'bytes 3-19/20'), /asked for bytes 2-5/);
    assert.throws(() => fitToRange(served(0, 3), { start: 2, end: 5 }, 'bytes 0-3/20'), /asked for bytes 2-5/);
  });

  it('fails the stream when the object ends before the range does', async () => {
    await assert.rejects(text(fitToRange(served(0, 5), { start: 2, end: 9 }, undefined)), /ended 4 bytes before/);
  });
});
