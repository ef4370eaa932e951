// Failed logins from one address wait longer each time; a success or ten quiet minutes forgive.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle } from '../../../../src/server/stream/auth-throttle.js';

describe('AuthThrottle', () => {
  it('doubles the delay per failure from the same address, capped at 10 s', () => {
    const throttle = new AuthThrottle(250);
    const delays = Array.from({ length: 8 }, () => throttle.fail('192.0.2.1', 1_000));
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('keeps addresses apart', () => {
    const throttle = new AuthThrottle(100);
    throttle.fail('192.0.2.1', 0);
    throttle.fail('192.0.2.1', 0);
    assert.equal(throttle.fail('192.0.2.2', 0), 100);
  });

  it('forgets an address after a success or ten quiet minutes', () => {
    const throttle = new AuthThrottle(100);
    throttle.fail('192.0.2.1', 0);
    throttle.succeed('192.0.2.1');
    assert.equal(throttle.fail('192.0.2.1', 0), 100);
    assert.equal(throttle.fail('192.0.2.1', 11 * 60_000), 100);
  });
});
