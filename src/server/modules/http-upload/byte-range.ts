// RFC 9110 §14.1.2 / §14.2: the Range request header, for resuming a download. Pure: a header
// value and the representation's size in, what to send out. We serve one range; a request for
// several is answered with the whole file (200), which §14.2 allows ("A server MAY ignore the
// Range header field"), and spares us multipart/byteranges.
import type { ByteRange } from './blob-store/types.js';

export type RangeOutcome =
  /** Send the whole representation with 200 (no Range, an unknown unit, several ranges, a malformed one). */
  | { kind: 'whole' }
  /** Send these bytes with 206 and Content-Range. */
  | { kind: 'partial'; range: ByteRange }
  /** 416 with `Content-Range: bytes *\/size`: a valid range that does not overlap the representation. */
  | { kind: 'unsatisfiable' };

const INT = /^\d+$/;

export function parseRange(header: string | undefined, size: number): RangeOutcome {
  if (header === undefined) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  // §14.2: an unknown range unit is ignored.
  if (!match) return { kind: 'whole' };
  const specs = match[1]!
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  if (specs.length !== 1) return { kind: 'whole' };
  const spec = specs[0]!;
  const dash = spec.indexOf('-');
  if (dash < 0) return { kind: 'whole' };
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();
  if (first === '') {
    // §14.1.2 suffix-range "-N": the last N bytes. "-0" can never be satisfied.
    if (!INT.test(last)) return { kind: 'whole' };
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  if (!INT.test(first) || (last !== '' && !INT.test(last))) return { kind: 'whole' };
  const start = Number(first);
  // §14.1.1: last-pos < first-pos makes the range invalid, and an invalid Range is ignored.
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', range: { start, end } };
}
