// COMPAT: some S3-compatible servers answer a Range request with more than was asked: s3rver
// reads `bytes=0-0` as "from 0 to the end", and a server may ignore Range altogether (200 with the
// whole object). The caller sends exactly the range to an HTTP client, so the body is cut to it.
import { Readable } from 'node:stream';
import type { ByteRange } from './types.js';

/**
 * `body` as the server sent it for `range`, given its Content-Range header (absent: the whole
 * object), cut to exactly `range` when the server sent more.
 */
export function fitToRange(body: Readable, range: ByteRange, contentRange: string | undefined): Readable {
  const match = contentRange === undefined ? undefined : /^bytes (\d+)-(\d+)\//.exec(contentRange);
  const servedStart = match ? Number(match[1]) : 0;
  const servedEnd = match ? Number(match[2]) : undefined;
  if (servedStart === range.start && servedEnd === range.end) return body;
  if (contentRange !== undefined && !match) throw new Error(`unreadable Content-Range ${contentRange}`);
  if (servedStart > range.start || (servedEnd !== undefined && servedEnd < range.end)) {
    body.destroy();
    throw new Error(`asked for bytes ${range.start}-${range.end}, the server sent ${contentRange}`);
  }
  return slice(body, range.start - servedStart, range.end - range.start + 1);
}

function slice(source: Readable, skip: number, length: number): Readable {
  async function* pieces(): AsyncGenerator<Buffer> {
    let toSkip = skip;
    let left = length;
    // Leaving the loop early destroys `source`: the rest of the object is not wanted.
    for await (const chunk of source) {
      const buffer = chunk as Buffer;
      if (toSkip >= buffer.length) {
        toSkip -= buffer.length;
        continue;
      }
      const piece = buffer.subarray(toSkip, toSkip + left);
      toSkip = 0;
      left -= piece.length;
      yield piece;
      if (left === 0) return;
    }
    throw new Error(`the object ended ${left} bytes before the end of the range`);
  }
  return Readable.from(pieces(), { objectMode: false });
}
