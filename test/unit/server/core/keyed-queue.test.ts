// One task at a time per key, in order; keys independent; a failure does not block the queue.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedQueue } from '../../../../src/server/core/keyed-queue.js';
import { TypedEmitter } from '../../../../src/server/core/typed-emitter.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedQueue', () => {
  it('never interleaves two read-modify-writes on the same key', async () => {
    const queue = new KeyedQueue();
    let stored = 0;
    const increment = () =>
      queue.run('alice', async () => {
        const read = stored;
        await tick();
        stored = read + 1;
      });
    await Promise.all([increment(), increment(), increment()]);
    assert.equal(stored, 3);
    assert.equal(queue.size, 0, 'an empty queue is forgotten');
  });

  it('runs different keys concurrently and survives a failing task', async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    const failed = queue.run('a', async () => {
      await tick();
      throw new Error('boom');
    });
    const after = queue.run('a', async () => void order.push('a2'));
    const other = queue.run('b', async () => void order.push('b1'));
    await assert.rejects(failed, /boom/);
    await Promise.all([after, other]);
    assert.deepEqual(order, ['b1', 'a2']);
  });

  it('says when everything queued so far has finished', async () => {
    const queue = new KeyedQueue();
    const done: string[] = [];
    void queue.run('a', async () => {
      await tick();
      done.push('a');
    });
    void queue.run('b', async () => {
      await tick();
      await tick();
      done.push('b');
    });
    await queue.idle();
    assert.deepEqual(done.sort(), ['a', 'b']);
  });

  it('rejects (never throws) for a task that throws synchronously', async () => {
    const queue = new KeyedQueue();
    const result = queue.run('a', () => {
      throw new Error('sync');
    });
    await assert.rejects(result, /sync/);
  });
});

describe('TypedEmitter', () => {
  it('reports a throwing or rejecting listener and still runs the others', async () => {
    const errors: string[] = [];
    const events = new TypedEmitter<{ ping: [n: number] }>((error, event) =>
      errors.push(`${event}:${(error as Error).message}`),
    );
    const seen: number[] = [];
    events.on('ping', () => {
      throw new Error('sync');
    });
    events.on('ping', async () => {
      throw new Error('async');
    });
    events.on('ping', (n) => void seen.push(n));
    events.emit('ping', 1);
    await tick();
    assert.deepEqual(seen, [1]);
    assert.deepEqual(errors.sort(), ['ping:async', 'ping:sync']);
  });
});
