import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LiveTransfers } from '../../../../src/server/core/live-transfers.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('LiveTransfers', () => {
  it('reads each byte counter when asked, and forgets a transfer when told', () => {
    const time = clock();
    const live = new LiveTransfers({ max: 10, now: time.now });
    let bytes = 0;
    const forget = live.add({ id: 'f1', method: 'upload', from: 'alice@example.org', size: 100 }, () => bytes);
    bytes = 40;
    const [seen] = live.snapshot();
    assert.deepEqual(
      { ...seen, bytesPerSecond: undefined },
      {
        id: 'f1',
        method: 'upload',
        from: 'alice@example.org',
        size: 100,
        bytes: 40,
        bytesPerSecond: undefined,
        since: new Date(1_000_000).toISOString(),
      },
    );
    forget();
    assert.deepEqual(live.snapshot(), []);
  });

  it('rates the bytes moved since the read a few seconds ago, not since the start', () => {
    const time = clock();
    const live = new LiveTransfers({ max: 10, now: time.now });
    let bytes = 0;
    live.add({ id: 'r', method: 'socks5-relay' }, () => bytes);
    time.advance(10_000);
    bytes = 1_000_000; // 100 kB/s over the first 10 s
    assert.equal(live.snapshot()[0]!.bytesPerSecond, 100_000);
    for (let second = 0; second < 6; second += 1) {
      time.advance(1_000);
      bytes += 10_000; // then 10 kB/s
    }
    assert.equal(live.snapshot()[0]!.bytesPerSecond, 10_000);
  });

  it('keeps at most `max` transfers, forgetting the oldest', () => {
    const live = new LiveTransfers({ max: 2 });
    for (const id of ['a', 'b', 'c']) live.add({ id, method: 'download' }, () => 0);
    assert.deepEqual(
      live.snapshot().map((transfer) => transfer.id),
      ['b', 'c'],
    );
  });
});
