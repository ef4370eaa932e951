// The sender's block cutting and window accounting (XEP-0047 §2.2): pure, no sockets, no timers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AckWindow } from '@ferry/client/internal/transports/ibb/ack-window';
import { BlockChunker } from '@ferry/client/internal/transports/ibb/block-chunker';

const bytes = (text: string) => Buffer.from(text);
const texts = (blocks: Uint8Array[]) => blocks.map((block) => Buffer.from(block).toString());

describe('BlockChunker', () => {
  it('cuts input into blocks of exactly block-size, holding back the rest', () => {
    const chunker = new BlockChunker(4);
    assert.deepEqual(texts(chunker.push(bytes('abcdefghij'))), ['abcd', 'efgh']);
    assert.equal(chunker.buffered, 2);
    assert.equal(chunker.flush()?.toString(), 'ij');
    assert.equal(chunker.flush(), undefined);
  });

  it('never assumes chunk boundaries: one byte at a time gives the same blocks', () => {
    const chunker = new BlockChunker(3);
    const blocks: Uint8Array[] = [];
    for (const byte of bytes('abcdefgh')) blocks.push(...chunker.push(Buffer.from([byte])));
    assert.deepEqual(texts(blocks), ['abc', 'def']);
    assert.equal(chunker.flush()?.toString(), 'gh');
  });

  it('completes a held-back block with the start of the next chunk', () => {
    const chunker = new BlockChunker(4);
    assert.deepEqual(texts(chunker.push(bytes('ab'))), []);
    assert.deepEqual(texts(chunker.push(bytes('c'))), []);
    assert.deepEqual(texts(chunker.push(bytes('defghijkl'))), ['abcd', 'efgh', 'ijkl']);
    assert.equal(chunker.buffered, 0);
    assert.equal(chunker.flush(), undefined);
  });

  it('gives exactly one block for exactly block-size bytes, and nothing for none', () => {
    const chunker = new BlockChunker(4096);
    assert.equal(chunker.push(Buffer.alloc(0)).length, 0);
    const blocks = chunker.push(Buffer.alloc(4096, 1));
    assert.deepEqual(
      blocks.map((block) => block.length),
      [4096],
    );
    assert.equal(chunker.flush(), undefined);
  });

  it('copies what it holds back, so the caller may reuse its buffer', () => {
    const chunker = new BlockChunker(4);
    const reused = bytes('xy');
    chunker.push(reused);
    reused.write('ZZ');
    assert.deepEqual(texts(chunker.push(bytes('ab'))), ['xyab']);
  });

  it('refuses a block size below 1', () => {
    assert.throws(() => new BlockChunker(0), RangeError);
  });
});

describe('AckWindow', () => {
  const settled = async (promise: Promise<unknown>) => {
    let state = 'pending';
    promise.then(
      () => (state = 'resolved'),
      () => (state = 'rejected'),
    );
    await new Promise((resolve) => setImmediate(resolve));
    return state;
  };

  it('has room until `size` blocks are in flight', async () => {
    const window = new AckWindow(2);
    assert.equal(await settled(window.room()), 'resolved');
    window.acquire();
    window.acquire();
    assert.equal(window.hasRoom, false);
    assert.throws(() => window.acquire(), RangeError);
    const room = window.room();
    assert.equal(await settled(room), 'pending');
    window.release();
    assert.equal(await settled(room), 'resolved');
    assert.equal(window.inFlight, 1);
  });

  it('window 1 is ack-paced: each block waits for the previous ack', async () => {
    const window = new AckWindow(1);
    window.acquire();
    const next = window.room();
    assert.equal(await settled(next), 'pending');
    window.release();
    assert.equal(await settled(next), 'resolved');
  });

  it('wakes one room-waiter per freed slot', async () => {
    const window = new AckWindow(1);
    window.acquire();
    const first = window.room();
    const second = window.room();
    window.release();
    assert.equal(await settled(first), 'resolved');
    assert.equal(await settled(second), 'pending');
    window.acquire();
    window.release();
    assert.equal(await settled(second), 'resolved');
  });

  it('is drained only when every block is acknowledged', async () => {
    const window = new AckWindow(4);
    assert.equal(await settled(window.drained()), 'resolved');
    window.acquire();
    window.acquire();
    const drained = window.drained();
    window.release();
    assert.equal(await settled(drained), 'pending');
    window.release();
    assert.equal(await settled(drained), 'resolved');
  });

  it('rejects every waiter, now and later, once failed', async () => {
    const window = new AckWindow(1);
    window.acquire();
    const room = window.room();
    const drained = window.drained();
    const failure = new Error('ack timeout');
    window.fail(failure);
    await assert.rejects(room, failure);
    await assert.rejects(drained, failure);
    await assert.rejects(window.room(), failure);
    assert.throws(() => window.acquire(), failure);
  });

  it('refuses release() without a block in flight and a size below 1', () => {
    assert.throws(() => new AckWindow(1).release(), RangeError);
    assert.throws(() => new AckWindow(0), RangeError);
  });
});
