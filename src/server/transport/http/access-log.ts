// One access-log line per request, when the response has finished or the connection aborted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import type { HttpListenerName } from './types.js';

export interface AccessLogEntry {
  method: string;
  /** Without the query string, which may carry secrets (upload tokens). */
  path: string;
  /** null when the connection aborted before a status was sent. */
  status: number | null;
  /** Body bytes handed to the response (headers not counted; 0 for HEAD). */
  bytes: number;
  durationMs: number;
  remoteAddress: string;
  listener: HttpListenerName;
  aborted?: true;
}

/**
 * Starts timing and counting `response`; logs once, on 'finish' or on a 'close' that came first.
 * `onAborted` runs when the client went away before the response finished.
 */
export function logAccess(
  logger: Logger,
  request: IncomingMessage,
  response: ServerResponse,
  fields: { path: string; remoteAddress: string; listener: HttpListenerName },
  onAborted: () => void,
): void {
  const started = performance.now();
  const bytesSent = countBodyBytes(response);
  const method = request.method ?? '';
  const write = (aborted: boolean) => {
    const entry: AccessLogEntry = {
      method,
      path: fields.path,
      status: response.headersSent ? response.statusCode : null,
      bytes: method === 'HEAD' ? 0 : bytesSent(),
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      remoteAddress: fields.remoteAddress,
      listener: fields.listener,
    };
    if (aborted) entry.aborted = true;
    logger.info(entry, 'http request');
  };
  response.once('finish', () => write(false));
  response.once('close', () => {
    if (response.writableFinished) return;
    onAborted();
    write(true);
  });
}

/**
 * Counts body bytes by wrapping this response's write() and end(): Node keeps no such count, and
 * the socket's bytesWritten mixes in headers and, with keep-alive, other responses.
 */
function countBodyBytes(response: ServerResponse): () => number {
  let bytes = 0;
  const add = (chunk: unknown, encoding: unknown): void => {
    if (typeof chunk === 'string') {
      bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    } else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
  };
  type Variadic = (this: ServerResponse, ...args: unknown[]) => unknown;
  const write = response.write as unknown as Variadic;
  const end = response.end as unknown as Variadic;
  response.write = function (this: ServerResponse, ...args: unknown[]) {
    add(args[0], args[1]);
    return write.apply(this, args);
  } as ServerResponse['write'];
  response.end = function (this: ServerResponse, ...args: unknown[]) {
    if (typeof args[0] !== 'function') add(args[0], args[1]);
    return end.apply(this, args);
  } as ServerResponse['end'];
  return () => bytes;
}
