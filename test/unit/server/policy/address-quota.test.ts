// Per-address quotas (proxy65's max_pending_per_address): counting holders per address until released.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddressQuota } from '../../../../src/server/policy/index.js';

describe('AddressQuota', () => {
  it('admits up to the limit per address, then refuses', () => {
    const quota = new AddressQuota<object>(2);
    assert.equal(quota.admit({}, '192.0.2.1'), true);
    assert.equal(quota.admit({}, '192.0.2.1'), true);
    assert.equal(quota.admit({}, '192.0.2.1'), false);
    assert.equal(quota.heldBy('192.0.2.1'), 2);
    // Another address has its own allowance.
    assert.equal(quota.admit({}, '192.0.2.2'), true);
  });

  it('frees a place when a holder is released, once however often it is released', () => {
    const quota = new AddressQuota<object>(1);
    const first = {};
    assert.equal(quota.admit(first, '192.0.2.1'), true);
    quota.release(first);
    quota.release(first); // activation, then close: must not free a second place
    assert.equal(quota.heldBy('192.0.2.1'), 0);
    const second = {};
    assert.equal(quota.admit(second, '192.0.2.1'), true);
    assert.equal(quota.admit({}, '192.0.2.1'), false);
  });

  it('ignores the release of a holder that was never admitted', () => {
    const quota = new AddressQuota<object>(1);
    const held = {};
    quota.admit(held, '192.0.2.1');
    quota.release({});
    assert.equal(quota.heldBy('192.0.2.1'), 1);
  });
});

describe('AddressQuota with a total limit', () => {
  it('refuses every address once all of them together hold the total, and admits again after a release', () => {
    const quota = new AddressQuota<object>(2, { maxTotal: 3 });
    const first = {};
    assert.equal(quota.admit(first, '192.0.2.1'), true);
    assert.equal(quota.admit({}, '192.0.2.2'), true);
    assert.equal(quota.admit({}, '192.0.2.3'), true);
    assert.equal(quota.isFull, true);
    assert.equal(quota.admit({}, '192.0.2.4'), false);
    assert.equal(quota.heldBy('192.0.2.4'), 0);
    quota.release(first);
    assert.equal(quota.total, 2);
    assert.equal(quota.admit({}, '192.0.2.4'), true);
  });
});
