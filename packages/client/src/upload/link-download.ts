// Fetching a shared link (XEP-0066 / XEP-0447 url-data) into NAME.part, renamed once verified: the
// size when known (offered, else the response's), the SHA-256 when the sender gave one. With
// resume, an existing NAME.part continues by an HTTP Range request (RFC 9110 §14); a server that
// ignores the range (200) or refuses it (416) gets the whole file again. The GET is the platform
// seam's getFile (node:http(s), or fetch() in a browser), which follows redirects held to the
// same https rule.
import { createHash, createReadStream, createWriteStream, rename, rm, stat, pipeline } from '../platform/index.js';
import { getFile, type HttpAnswer } from '../platform/http.js';
import type { Writable } from 'node:stream';
import { ProgressMeter, type Progress } from '../progress.js';
import { TransferError } from '../transfer-error.js';
import { byteLimit } from './byte-limit.js';
import { httpFailure } from './http-failure.js';
import type { HttpSettings } from './http-settings.js';

export interface DownloadRequest {
  url: string;
  /** A path (written as PATH.part) or a Writable. */
  to: string | Writable;
  /** Bytes already held: the `.part` size for a path, or the caller's offset for a Writable. */
  offset: number;
  expected: { size: number | undefined; sha256: string | undefined };
  method: string;
  name: string;
  signal: AbortSignal | undefined;
  report(progress: Progress): void;
}

export interface DownloadResult {
  /** Bytes fetched by this request (without the resumed offset). */
  bytes: number;
  offset: number;
  size: number;
  /** SHA-256 of the whole file (hex), when it could be computed. */
  sha256: string | undefined;
}

export async function downloadLink(request: DownloadRequest, http: HttpSettings): Promise<DownloadResult> {
  let offset = request.offset;
  let response = await getFile({ url: request.url, offset, signal: request.signal }, http);
  if (offset > 0 && (response.statusCode === 200 || response.statusCode === 416)) {
    // COMPAT: the server does not do ranges (200), or our part is no prefix of its file (416).
    if (response.statusCode === 416) {
      response.destroy();
      response = await getFile({ url: request.url, offset: 0, signal: request.signal }, http);
    }
    offset = 0;
  }
  if (response.statusCode === 206) {
    const range = parseContentRange(response.headers['content-range']);
    if (!range || range.start !== offset) {
      response.destroy();
      throw new TransferError('FERRY_ERR_HTTP', `${request.name}: the server answered another range than asked for`);
    }
  } else if (response.statusCode !== 200) {
    throw await httpFailure(response, `cannot download ${request.name}`);
  }
  const size = request.expected.size ?? announcedSize(response, offset);
  const announced = announcedSize(response, offset);
  if (request.expected.size !== undefined && announced !== undefined && announced !== request.expected.size) {
    response.destroy();
    throw new TransferError(
      'FERRY_ERR_SIZE_MISMATCH',
      `${request.name}: the server has ${announced} bytes, the offer said ${request.expected.size}`,
    );
  }
  const part = typeof request.to === 'string' ? `${request.to}.part` : undefined;
  // The SHA-256 covers the whole file: checkable from the start, or with the .part prefix at hand.
  const hash = offset === 0 || part ? createHash('sha256') : undefined;
  if (hash && part && offset > 0) {
    for await (const chunk of createReadStream(part, { end: offset - 1 })) hash.update(chunk as Buffer);
  }
  const meter = new ProgressMeter({ offset, total: size, method: request.method, hash, report: request.report });
  const output = part
    ? createWriteStream(part, { flags: offset > 0 ? 'r+' : 'w', start: offset })
    : (request.to as Writable);
  const limit = byteLimit({
    max: size === undefined ? undefined : size - offset,
    what: `${request.name} from the server`,
  });
  try {
    await pipeline(response, limit, meter, output, request.signal ? { signal: request.signal } : {});
  } catch (error) {
    throw broken(error, request, meter.bytes, part);
  }
  if (size !== undefined && meter.bytes !== size) {
    throw new TransferError(
      'FERRY_ERR_SIZE_MISMATCH',
      `received ${meter.bytes} of ${size} bytes of ${request.name}${part ? `; kept ${part} to resume` : ''}`,
    );
  }
  const digest = hash ? meter.digest() : undefined;
  if (request.expected.sha256 !== undefined && digest !== undefined && digest !== request.expected.sha256) {
    // A corrupt part would fail every resume too: start over next time.
    if (part) await rm(part, { force: true });
    throw new TransferError(
      'FERRY_ERR_HASH_MISMATCH',
      `${request.name}: SHA-256 ${digest} does not match the offered ${request.expected.sha256}`,
    );
  }
  if (part) await rename(part, request.to as string);
  return { bytes: meter.bytes - offset, offset, size: meter.bytes, sha256: digest };
}

/** A connection that broke mid-body (reset, closed early) as a coded error; ours pass through. */
function broken(error: unknown, request: DownloadRequest, bytes: number, part: string | undefined): unknown {
  if (error instanceof TransferError || (error as { name?: string }).name === 'AbortError') return error;
  if (request.signal?.aborted) return request.signal.reason as unknown;
  const { code, message } = error as { code?: string; message?: string };
  if (code && !code.startsWith('ERR_STREAM') && code !== 'ECONNRESET' && code !== 'EPIPE') return error; // disk: ENOSPC…
  return new TransferError(
    'FERRY_ERR_HTTP',
    `the download of ${request.name} broke after ${bytes} bytes (${code ?? message ?? 'closed'})${part ? `; kept ${part} to resume` : ''}`,
    { cause: error },
  );
}

/** The current size of PATH.part, 0 when there is none. */
export async function partSize(path: string): Promise<number> {
  const partial = await stat(`${path}.part`).catch(() => undefined);
  return partial?.isFile() ? partial.size : 0;
}

/** The whole file's size by the response: Content-Range's total (206) or Content-Length (200). */
function announcedSize(response: HttpAnswer, offset: number): number | undefined {
  if (response.statusCode === 206) return parseContentRange(response.headers['content-range'])?.total;
  const length = response.headers['content-length'];
  if (length === undefined || !/^\d{1,16}$/.test(length)) return undefined;
  return offset === 0 ? Number(length) : undefined;
}

function parseContentRange(header: string | undefined): { start: number; total: number | undefined } | undefined {
  const match = header && /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/.exec(header.trim());
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[3] === '*' ? undefined : Number(match[3]) };
}
