// GET and HEAD of an uploaded file (XEP-0363 §4's GET URL), with RFC 9110 single-range requests
// for resuming, validators (ETag from the SHA-256, Last-Modified), and the headers that keep a
// hostile upload from running in a browser. The body is piped with back-pressure: a client that
// never reads makes us hold one chunk, not the file.
import { performance } from 'node:perf_hooks';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HttpRequest, ServerResponse } from '../../transport/http/types.js';
import { parseRange } from './byte-range.js';
import { CORS_HEADERS, SERVED_FILE_SECURITY_HEADERS, contentDisposition } from './response-headers.js';
import type { UploadRuntime, UploadServedRecord } from './runtime.js';
import { sendError, uploadErrors } from './upload-errors.js';

export async function handleGet(runtime: UploadRuntime, request: HttpRequest, response: ServerResponse): Promise<void> {
  const started = performance.now();
  const id = request.segments[0];
  const record = request.segments.length === 2 && id !== undefined ? await runtime.records.get(id) : undefined;
  // XEP-0363 1.2 ephemeral: "MUST NOT make the file available after" its expiry, sweeper or not.
  if (!record || (record.expires !== undefined && record.expires <= runtime.now())) {
    return sendError(response, uploadErrors.notFound(), CORS_HEADERS);
  }
  const etag = `"${record.sha256}"`;
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    ...SERVED_FILE_SECURITY_HEADERS,
    'accept-ranges': 'bytes',
    etag,
    'last-modified': new Date(record.created).toUTCString(),
    'content-type': record.contentType,
    'content-disposition': contentDisposition(record.name, record.contentType),
  };
  if (matchesEtag(request.headers['if-none-match'], etag)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  // RFC 9110 §13.1.5: a Range under an If-Range that no longer matches gets the whole file.
  const ifRange = request.headers['if-range'];
  const outcome =
    ifRange === undefined || ifRange === etag
      ? parseRange(request.headers.range, record.size)
      : { kind: 'whole' as const };
  if (outcome.kind === 'unsatisfiable') {
    return sendError(response, uploadErrors.rangeNotSatisfiable(), {
      ...CORS_HEADERS,
      'content-range': `bytes */${record.size}`,
    });
  }
  const range = outcome.kind === 'partial' ? outcome.range : undefined;
  const blob = request.method === 'HEAD' ? undefined : await runtime.blobs.get(record.id, range);
  if (request.method !== 'HEAD' && !blob) {
    runtime.logger.warn({ id: record.id }, 'HTTP upload: metadata without its blob; answering 404');
    return sendError(response, uploadErrors.notFound(), CORS_HEADERS);
  }
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${record.size}`;
    headers['content-length'] = String(range.end - range.start + 1);
  } else {
    headers['content-length'] = String(record.size);
  }
  response.writeHead(range ? 206 : 200, headers);
  if (!blob) {
    response.end();
    return;
  }
  const counter = new ByteCounter();
  const size = range ? range.end - range.start + 1 : record.size;
  const untrack = runtime.live.add(
    { id: record.id, method: 'download', address: request.remoteAddress, size },
    () => counter.bytes,
  );
  let isComplete = true;
  try {
    await pipeline(blob, counter, response);
  } catch (error) {
    // A client that closes as soon as it has the last byte can make the response report a
    // premature close before 'finish': every byte was written all the same.
    isComplete = counter.bytes === size;
    runtime.logger.debug({ id: record.id, err: error }, 'HTTP upload: download cut off');
  } finally {
    untrack();
  }
  const served: UploadServedRecord = {
    id: record.id,
    bytes: counter.bytes,
    ...(range ? { range } : {}),
    durationMs: Math.round(performance.now() - started),
    remoteAddress: request.remoteAddress,
    isComplete,
  };
  runtime.logger.info(served, 'HTTP upload served');
  runtime.events.emit('http-upload-served', served);
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}
