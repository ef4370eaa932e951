import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IbbSessions } from '../../../../src/server/core/ibb-sessions.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('IbbSessions', () => {
  const A = 'alice@example.org/a';
  const B = 'bob@example.org/b';

  it('follows a session from <open/> through <data/> (either way) to <close/>', () => {
    const ibb = new IbbSessions();
    ibb.opened(A, B, 's1', 'i1');
    ibb.data(A, B, 's1', 4096);
    ibb.data(B, A, 's1', 10);
    ibb.data(A, B, 'unknown', 99);
    assert.deepEqual(
      ibb.snapshot().map(({ id, method, from, to, bytes }) => ({ id, method, from, to, bytes })),
      [{ id: 's1', method: 'ibb', from: A, to: B, bytes: 4106 }],
    );
    ibb.closed(B, A, 's1');
    assert.equal(ibb.size, 0);
    assert.deepEqual(ibb.snapshot(), []);
  });

  it('forgets an <open/> answered with an error, matched by its IQ id', () => {
    const ibb = new IbbSessions();
    ibb.opened(A, B, 's1', 'i1');
    ibb.refused(B, A, 'other');
    assert.equal(ibb.size, 1);
    ibb.refused(B, A, 'i1');
    assert.equal(ibb.size, 0);
  });

  it('forgets the sessions of a session that ended, at either end', () => {
    const ibb = new IbbSessions();
    ibb.opened(A, B, 's1', undefined);
    ibb.opened(B, A, 's2', undefined);
    ibb.opened(A, 'carol@example.org/c', 's3', undefined);
    ibb.sessionEnded(B);
    assert.deepEqual(
      ibb.snapshot().map((transfer) => transfer.id),
      ['s3'],
    );
  });

  it('bounds what one sender and all senders can make it hold', () => {
    const ibb = new IbbSessions({ maxPerSender: 3, maxTotal: 5 });
    for (let i = 0; i < 10; i += 1) ibb.opened(A, B, `flood${i}`, undefined);
    assert.deepEqual(
      ibb.snapshot().map((transfer) => transfer.id),
      ['flood7', 'flood8', 'flood9'],
    );
    for (let i = 0; i < 4; i += 1) ibb.opened(`user${i}@example.org/r`, `peer${i}@example.org/r`, `s${i}`, undefined);
    assert.equal(ibb.size, 5);
  });

  it('drops a session idle for five minutes', () => {
    const time = clock();
    const ibb = new IbbSessions({ now: time.now });
    ibb.opened(A, B, 'quiet', undefined);
    ibb.opened(A, B, 'busy', undefined);
    time.advance(4 * 60_000);
    ibb.data(A, B, 'busy', 1);
    time.advance(2 * 60_000);
    assert.deepEqual(
      ibb.snapshot().map((transfer) => transfer.id),
      ['busy'],
    );
  });
});
