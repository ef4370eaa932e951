import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRetry } from '@ferry/protocol/payloads/http-upload';
import {
  DAY_MS,
  checkQuota,
  fileExpiry,
  isTypeAllowed,
  type QuotaLimits,
} from '../../../../../src/server/modules/http-upload/limits.js';
import { UploadError } from '../../../../../src/server/modules/http-upload/upload-errors.js';

// A fake clock: every time is a number we choose.
const NOW = Date.UTC(2025, 0, 10, 12);
const HOUR = 3_600_000;
const none: QuotaLimits = { dailyBytes: 0, userBytes: 0, globalBytes: 0 };

describe('quotas', () => {
  it('lets anything through when no quota is set', () => {
    assert.equal(
      checkQuota(10 ** 12, { files: [{ size: 10 ** 12, created: NOW }], globalBytes: 10 ** 13 }, none, NOW),
      null,
    );
  });

  it('daily quota: counts only the last 24 hours and names when room frees up', () => {
    const files = [
      { size: 600, created: NOW - 25 * HOUR }, // out of the window
      { size: 300, created: NOW - 20 * HOUR },
      { size: 500, created: NOW - 2 * HOUR },
    ];
    const limits = { ...none, dailyBytes: 1000 };
    assert.equal(checkQuota(200, { files, globalBytes: 0 }, limits, NOW), null); // 800 + 200
    const refusal = checkQuota(250, { files, globalBytes: 0 }, limits, NOW);
    assert.ok(refusal);
    assert.equal(refusal.condition, 'resource-constraint');
    assert.equal(refusal.type, 'wait');
    // Once the 300-byte upload is 24 h old, 500 + 250 fits.
    assert.deepEqual(readRetry(refusal), new Date(NOW - 20 * HOUR + DAY_MS));
    // 900 more needs both to age out: the retry is the later one's birthday.
    assert.deepEqual(
      readRetry(checkQuota(900, { files, globalBytes: 0 }, limits, NOW)!),
      new Date(NOW - 2 * HOUR + DAY_MS),
    );
  });

  it('daily quota: a file bigger than the whole quota gets no retry', () => {
    const refusal = checkQuota(2000, { files: [], globalBytes: 0 }, { ...none, dailyBytes: 1000 }, NOW);
    assert.ok(refusal);
    assert.equal(readRetry(refusal), undefined);
  });

  it('total per-account quota and global quota, without retry', () => {
    const files = [{ size: 900, created: NOW - 40 * DAY_MS }];
    const user = checkQuota(200, { files, globalBytes: 900 }, { ...none, userBytes: 1000 }, NOW);
    assert.match(user!.text!, /Storage quota reached/);
    assert.equal(readRetry(user!), undefined);
    const global = checkQuota(200, { files: [], globalBytes: 900 }, { ...none, globalBytes: 1000 }, NOW);
    assert.match(global!.text!, /full/);
    assert.equal(
      checkQuota(100, { files, globalBytes: 900 }, { ...none, userBytes: 1000, globalBytes: 1000 }, NOW),
      null,
    );
  });
});

describe('MIME type lists', () => {
  it('allows everything with empty lists, honours families and refuses the forbidden first', () => {
    assert.equal(isTypeAllowed('text/html', [], []), true);
    assert.equal(isTypeAllowed('image/png', ['image/*'], []), true);
    assert.equal(isTypeAllowed('Image/PNG; x=y', ['image/png'], []), true);
    assert.equal(isTypeAllowed('video/mp4', ['image/*'], []), false);
    assert.equal(isTypeAllowed('image/svg+xml', ['image/*'], ['image/svg+xml']), false);
    assert.equal(isTypeAllowed('text/html', [], ['text/*']), false);
  });
});

describe('purposes → expiry (XEP-0363 1.2)', () => {
  const policy = { expireAfterDays: 7, profileExpireAfterDays: 0, isPermanentHonoured: false };

  it('message files follow expire_after_days; profile files their own setting', () => {
    assert.equal(fileExpiry({ name: 'message' }, policy, NOW), NOW + 7 * DAY_MS);
    assert.equal(fileExpiry({ name: 'profile' }, policy, NOW), undefined);
    assert.equal(fileExpiry({ name: 'profile' }, { ...policy, profileExpireAfterDays: 30 }, NOW), NOW + 30 * DAY_MS);
  });

  it('ephemeral files get the earlier of their expire-before and ours', () => {
    const soon = new Date(NOW + HOUR);
    assert.equal(fileExpiry({ name: 'ephemeral', expireBefore: soon }, policy, NOW), NOW + HOUR);
    const late = new Date(NOW + 30 * DAY_MS);
    assert.equal(fileExpiry({ name: 'ephemeral', expireBefore: late }, policy, NOW), NOW + 7 * DAY_MS);
    assert.equal(
      fileExpiry({ name: 'ephemeral', expireBefore: late }, { ...policy, expireAfterDays: 0 }, NOW),
      late.getTime(),
    );
    assert.ok(fileExpiry({ name: 'ephemeral', expireBefore: new Date(NOW - 1) }, policy, NOW) instanceof UploadError);
  });

  it('permanent: refused with not-acceptable unless honoured or nothing expires', () => {
    const refusal = fileExpiry({ name: 'permanent' }, policy, NOW);
    assert.ok(refusal instanceof UploadError);
    assert.equal(refusal.condition, 'not-acceptable');
    assert.equal(fileExpiry({ name: 'permanent' }, { ...policy, isPermanentHonoured: true }, NOW), undefined);
    assert.equal(fileExpiry({ name: 'permanent' }, { ...policy, expireAfterDays: 0 }, NOW), undefined);
  });
});
