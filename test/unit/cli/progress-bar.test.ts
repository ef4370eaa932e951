// The progress bar's ETA never reads NaN, INF or a raw template, whatever the file size.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatEta } from '../../../src/cli/progress-bar.js';

const progress = (bytes: number, total: number | undefined, rate: number) => ({ bytes, total, rate, method: 'ibb' });

describe('progress bar', () => {
  it('shows 0s for a file that arrived in one update, and -- while the rate is unknown', () => {
    assert.equal(formatEta(progress(12, 12, Number.NaN)), '0s');
    assert.equal(formatEta(progress(0, 12, 0)), '--');
    assert.equal(formatEta(progress(0, 12, Number.POSITIVE_INFINITY)), '--');
    assert.equal(formatEta(progress(5, undefined, 100)), '--');
  });

  it('counts seconds, minutes and hours', () => {
    assert.equal(formatEta(progress(0, 1000, 100)), '10s');
    assert.equal(formatEta(progress(0, 125 * 100, 100)), '2m05s');
    assert.equal(formatEta(progress(0, 3 * 3600 * 100 + 60 * 100, 100)), '3h01m');
  });

  it('formats sizes in binary units, and nonsense as 0 B', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(Number.NaN), '0 B');
  });
});
