import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange } from '../../../../../src/server/modules/http-upload/byte-range.js';

const SIZE = 10_000;

describe('Range header (RFC 9110 §14)', () => {
  const cases: [string | undefined, ReturnType<typeof parseRange>][] = [
    [undefined, { kind: 'whole' }],
    ['bytes=0-', { kind: 'partial', range: { start: 0, end: 9999 } }],
    ['bytes=500-', { kind: 'partial', range: { start: 500, end: 9999 } }],
    ['bytes=0-499', { kind: 'partial', range: { start: 0, end: 499 } }],
    ['bytes=-500', { kind: 'partial', range: { start: 9500, end: 9999 } }],
    ['bytes=-20000', { kind: 'partial', range: { start: 0, end: 9999 } }],
    ['bytes=9000-20000', { kind: 'partial', range: { start: 9000, end: 9999 } }],
    ['BYTES = 1-1', { kind: 'partial', range: { start: 1, end: 1 } }],
    // last-pos < first-pos: invalid, so the header is ignored.
    ['bytes=5-3', { kind: 'whole' }],
    ['bytes=10000-', { kind: 'unsatisfiable' }],
    ['bytes=20000-30000', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    // Several ranges: we may ignore Range and send 200 with the whole file.
    ['bytes=0-1,5-6', { kind: 'whole' }],
    ['items=0-5', { kind: 'whole' }],
    ['bytes=a-b', { kind: 'whole' }],
    ['bytes=', { kind: 'whole' }],
    ['bytes=1', { kind: 'whole' }],
  ];
  for (const [header, expected] of cases) {
    it(`${String(header)} → ${expected.kind}`, () => assert.deepEqual(parseRange(header, SIZE), expected));
  }

  it('cannot satisfy any range of an empty file', () => {
    assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=-5', 0), { kind: 'unsatisfiable' });
  });
});
