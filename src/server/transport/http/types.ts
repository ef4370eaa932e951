// The HTTP service modules register routes on (HTTP upload, the admin console): the public types.
//
// Handlers get a typed request with the body as a stream, and Node's own ServerResponse. Why the
// asymmetry: the body limit has to sit between the socket and the handler (a handler that pipes
// `body` into a file can never write more than maxBodyBytes), and the request target is parsed and
// checked once, here; whereas a response wrapper would have to re-implement a Writable with
// back-pressure, headers and trailers to add nothing — `pipeline(file, response)` just works.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

export const HTTP_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Methods whose routes must state maxBodyBytes: their requests normally carry a body. */
export const BODY_METHODS: readonly HttpMethod[] = ['PUT', 'POST', 'PATCH'];

/** Which listener a request came in on: 'http' (5280) or 'https' (5281). */
export type HttpListenerName = 'http' | 'https';

export interface HttpRequest {
  /** As sent; 'HEAD' also reaches a GET route when its prefix has no HEAD route. */
  readonly method: string;
  /** The path without the query string, still percent-encoded. */
  readonly path: string;
  /** The prefix of the route that matched, without its trailing slash ('' for the root route). */
  readonly prefix: string;
  /** The percent-decoded segments after the prefix: '/upload/a%20b/c' under '/upload/' → ['a b', 'c']. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The declared Content-Length; undefined for a chunked body or none. */
  readonly contentLength: number | undefined;
  readonly remoteAddress: string;
  readonly listener: HttpListenerName;
  readonly isSecure: boolean;
  /**
   * The request body, streamed (never buffered by the service). Past the route's maxBodyBytes it
   * errors with HttpBodyTooLargeError and the service answers 413 itself.
   */
  readonly body: Readable;
  /** Aborted when the client goes away before the response has finished. */
  readonly signal: AbortSignal;
}

/**
 * Answers one request. A throw or rejection becomes a 500 with a generic body (logged with the
 * route's prefix); the service never leaks the error's message to the client.
 */
export type HttpHandler = (request: HttpRequest, response: ServerResponse) => void | Promise<void>;

export interface HttpRouteOptions {
  /** One method or several, e.g. ['PUT', 'GET', 'HEAD']. A GET route also answers HEAD. */
  method: HttpMethod | readonly HttpMethod[];
  /** Matched on whole path segments: '/upload/' (or '/upload') matches /upload and /upload/x, not /uploads. */
  prefix: string;
  /**
   * Largest request body accepted, in bytes; a larger Content-Length is answered 413 before the
   * handler runs, a chunked body growing past it is cut off with 413. Default 0 (no body) for
   * GET/HEAD/DELETE/OPTIONS; a route taking PUT, POST or PATCH must state it.
   */
  maxBodyBytes?: number;
  /** Answer only on the HTTPS listener; plain HTTP gets 403. */
  secureOnly?: boolean;
  handler: HttpHandler;
}

/** What a module sees as `ctx.http`. */
export interface HttpService {
  /** Adds a route; returns its removal (the module context also removes it at teardown). */
  route(options: HttpRouteOptions): () => void;
  /**
   * The absolute URL clients reach `path` at (already percent-encoded, e.g. '/upload/abc/f.txt'):
   * under http.public_url when configured, else https://<domain>:<the HTTPS listener's real port>.
   */
  publicUrl(path: string): string;
}

/** Stable code for a body that outgrew its route's limit. */
export class HttpBodyTooLargeError extends Error {
  readonly code = 'FERRY_ERR_HTTP_BODY_TOO_LARGE';

  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'HttpBodyTooLargeError';
  }
}

export type { ServerResponse };
