// One warning per limit per interval, with the count of refusals it stood for.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RefusalLog } from '../../../../src/server/policy/index.js';
import { captureLogs } from '../../../helpers/log-capture.js';

describe('RefusalLog', () => {
  it('logs the first refusal of a flood, then one line per interval carrying how many were left out', () => {
    const { logger, lines } = captureLogs('warn');
    const clock = { now: 0 };
    const log = new RefusalLog(logger, { intervalMs: 60_000, now: () => clock.now });
    for (let i = 0; i < 1_000; i++) log.refused('limits.max_connections', {}, 'refused');
    log.refused('limits.max_unauthenticated_connections', {}, 'refused too');
    assert.deepEqual(
      lines.map((line) => line.limit),
      ['limits.max_connections', 'limits.max_unauthenticated_connections'],
    );
    clock.now = 60_000;
    log.refused('limits.max_connections', {}, 'refused');
    assert.equal(lines.length, 3);
    assert.equal(lines[2]!.refusedSinceLastLine, 999);
  });
});
