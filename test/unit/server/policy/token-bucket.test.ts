// Byte-rate limits (the proxy65 relay's bandwidth): how long to stop reading after each chunk, on a fake clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../../../src/server/policy/index.js';

function clock(): { now: () => number; advance(ms: number): void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('TokenBucket', () => {
  it('lets the first burst through without waiting', () => {
    const { now } = clock();
    const bucket = new TokenBucket(1000, { burstBytes: 500, now });
    assert.equal(bucket.take(200), 0);
    assert.equal(bucket.take(300), 0);
  });

  it('asks to wait until the debt is repaid at the configured rate', () => {
    const { now } = clock();
    const bucket = new TokenBucket(1000, { burstBytes: 0, now });
    // 1000 B/s = 1 byte per ms: a 250-byte chunk costs 250 ms.
    assert.equal(bucket.take(250), 250);
  });

  it('refills with elapsed time, never beyond the burst', () => {
    const c = clock();
    const bucket = new TokenBucket(1000, { burstBytes: 100, now: c.now });
    assert.equal(bucket.take(100), 0);
    c.advance(10_000); // idle for long: refills to 100, not 10 000
    assert.equal(bucket.take(100), 0);
    assert.equal(bucket.take(50), 50);
  });

  it('holds the long-run rate whatever the chunk sizes: total wait = (bytes - burst) / rate', () => {
    const c = clock();
    const rate = 64 * 1024;
    const bucket = new TokenBucket(rate, { now: c.now });
    const sizes = [65536, 1, 300, 65536, 16384, 7, 65536, 40000, 65536, 65536];
    let waited = 0;
    for (const size of sizes) {
      const wait = bucket.take(size);
      c.advance(wait); // the relay resumes reading exactly when told to
      waited += wait;
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    const expected = ((total - Math.min(rate, 64 * 1024)) / rate) * 1000;
    assert.ok(Math.abs(waited - expected) <= sizes.length, `waited ${waited} ms, expected ≈ ${expected} ms`);
  });

  it('defaults the burst to one second of traffic, capped at 64 KiB', () => {
    const small = new TokenBucket(1000, { now: clock().now });
    assert.equal(small.take(1000), 0);
    assert.equal(small.take(1), 1);
    const large = new TokenBucket(10 * 1024 * 1024, { now: clock().now });
    assert.equal(large.take(64 * 1024), 0);
    assert.ok(large.take(1) > 0);
  });

  it('refuses a rate that is not a positive number', () => {
    for (const rate of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new TokenBucket(rate), RangeError);
    }
  });
});
