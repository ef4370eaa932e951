// TypedEmitter.idle(): what shutdown waits for, async listeners started so far.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from '../../../../src/server/core/typed-emitter.js';

describe('TypedEmitter.idle', () => {
  it('settles once the async listeners running have, including one that rejects', async () => {
    const errors: unknown[] = [];
    const events = new TypedEmitter<{ closed: [name: string] }>((error) => errors.push(error));
    const done: string[] = [];
    let release = (): void => {};
    events.on('closed', (name) => new Promise<void>((resolve) => (release = resolve)).then(() => void done.push(name)));
    events.on('closed', () => Promise.reject(new Error('broken listener')));
    events.emit('closed', 'alice');
    let isIdle = false;
    const idle = events.idle().then(() => (isIdle = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(isIdle, false);
    release();
    await idle;
    assert.deepEqual(done, ['alice']);
    assert.equal(errors.length, 1);
  });

  it('is settled at once with nothing running', async () => {
    await new TypedEmitter<{ x: [] }>().idle();
  });
});
