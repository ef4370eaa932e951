// JSON in and out for the admin API, with the hostile-input rules: a bounded body read (a chunked
// body is cut off at the limit), application/json only, bad JSON a 400 — and the headers every
// console response carries (strict CSP, no caching, no framing, no sniffing).
import type { ServerResponse } from 'node:http';
import type { HttpRequest } from '../../transport/http/types.js';
import { apiErrors, type ApiError } from './api-errors.js';

/** Admin requests are small forms; anything bigger is refused before it is buffered. */
export const MAX_JSON_BYTES = 16 * 1024;

/** How long a client may take to send a small JSON body. */
const BODY_TIMEOUT_MS = 10_000;

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The body as a JSON value. @throws ApiError 413, 415, 400 */
export async function readJson(request: HttpRequest): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw apiErrors.notJson();
  if (request.contentLength !== undefined && request.contentLength > MAX_JSON_BYTES) {
    throw apiErrors.tooLarge(MAX_JSON_BYTES);
  }
  const text = await readText(request, MAX_JSON_BYTES);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw apiErrors.badJson();
  }
}

function readText(request: HttpRequest, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const { body } = request;
    const finish = (error: ApiError | undefined): void => {
      clearTimeout(timer);
      body.off('data', onData).off('end', onEnd).off('error', onError);
      if (error) {
        body.pause();
        reject(error);
        return;
      }
      const text = new TextDecoder('utf-8', { fatal: true });
      try {
        resolve(text.decode(Buffer.concat(chunks)));
      } catch {
        reject(apiErrors.badJson());
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(apiErrors.tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (): void => finish(apiErrors.invalid('the body could not be read'));
    const timer = setTimeout(() => finish(apiErrors.invalid('the body did not arrive in time')), BODY_TIMEOUT_MS);
    body.on('data', onData).once('end', onEnd).once('error', onError);
  });
}

export function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) return;
  const body = JSON.stringify(value);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  response.end(body);
}

/**
 * The error as JSON. A request whose body was not read to the end closes its connection, so a
 * refused body is not drained (Node would read all of it to keep the connection alive).
 */
export function sendError(request: HttpRequest, response: ServerResponse, error: ApiError): void {
  const isBodyUnread = !request.body.readableEnded && (request.contentLength ?? 0) > 0;
  const isChunked = request.headers['transfer-encoding'] !== undefined && !request.body.readableEnded;
  sendJson(
    response,
    error.status,
    { error: { code: error.code, message: error.message } },
    {
      ...error.headers,
      ...(isBodyUnread || isChunked ? { connection: 'close' } : {}),
    },
  );
}
