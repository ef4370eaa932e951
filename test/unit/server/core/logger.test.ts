// The log ring: a tee on the logger's destination (the lines still reach it unchanged), bounded,
// read back with levels and fields, filtered by level.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { LogRing, logRing } from '../../../../src/server/core/logger.js';

function loggerInto(lines: string[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return pino({ level: 'debug', base: undefined }, stream);
}

describe('log ring', () => {
  it('keeps what the logger and its children write, without changing what the destination gets', () => {
    const written: string[] = [];
    const logger = loggerInto(written);
    logger.info('before the ring');
    const ring = logRing(logger);
    logger.child({ module: 'admin' }).warn({ user: 'bob' }, 'careful');
    logger.debug('details');
    assert.equal(written.length, 3);
    assert.match(written[1]!, /"module":"admin","user":"bob","msg":"careful"/);
    const entries = ring.entries();
    assert.deepEqual(
      entries.map((entry) => [entry.level, entry.msg, entry.fields]),
      [
        ['warn', 'careful', { module: 'admin', user: 'bob' }],
        ['debug', 'details', {}],
      ],
    );
    assert.ok(entries[0]!.time > 0);
    assert.equal(logRing(logger.child({})), ring, 'one ring per destination');
  });

  it('filters by level and limits to the last lines', () => {
    const ring = new LogRing(10);
    for (const level of [20, 30, 40, 50, 30]) ring.push(JSON.stringify({ level, time: 1, msg: `at ${level}` }));
    assert.deepEqual(
      ring.entries({ level: 'warn' }).map((entry) => entry.msg),
      ['at 40', 'at 50'],
    );
    assert.deepEqual(
      ring.entries({ limit: 2 }).map((entry) => entry.msg),
      ['at 50', 'at 30'],
    );
  });

  it('forgets the oldest lines past its capacity and skips lines it cannot read', () => {
    const ring = new LogRing(3);
    ring.push('not json');
    for (let i = 0; i < 4; i++) ring.push(JSON.stringify({ level: 30, time: i, msg: `line ${i}` }));
    ring.push(JSON.stringify({ level: 30, msg: 'x'.repeat(20_000) }));
    assert.deepEqual(
      ring.entries().map((entry) => entry.msg),
      ['line 2', 'line 3'],
    );
  });
});
