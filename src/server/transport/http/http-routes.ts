// The HTTP service on the HTTP (5280) and HTTPS (5281) listeners: modules add routes; a request
// is routed by path prefix and method, checked (secureOnly, body limit), handed to its handler,
// and logged. The WebSocket upgrade path is the listeners' business, not this.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { logAccess } from './access-log.js';
import { declaredLength, limitBody } from './body-limit.js';
import { joinUrl, publicBase } from './public-url.js';
import { parseRequestTarget, segmentsAfter } from './request-target.js';
import { RouteTable, normalisePrefix, type RouteEntry } from './route-table.js';
import {
  BODY_METHODS,
  HTTP_METHODS,
  HttpBodyTooLargeError,
  type HttpListenerName,
  type HttpMethod,
  type HttpRequest,
  type HttpRouteOptions,
  type HttpService,
} from './types.js';

export interface HttpRoutesOptions {
  config: Config;
  /** The server's logger: access lines at info, handler failures at error. */
  logger: Logger;
}

export class HttpRoutes implements HttpService {
  readonly #table = new RouteTable();
  readonly #config: Config;
  readonly #logger: Logger;
  #ports: Partial<Record<HttpListenerName, number>> = {};

  constructor(options: HttpRoutesOptions) {
    this.#config = options.config;
    this.#logger = options.logger;
  }

  route(options: HttpRouteOptions, owner?: string): () => void {
    const methods = new Set<HttpMethod>(typeof options.method === 'string' ? [options.method] : options.method);
    const prefix = normalisePrefix(options.prefix);
    // Programmer errors, thrown at registration so they fail start-up.
    for (const method of methods) {
      if (!HTTP_METHODS.includes(method)) throw new TypeError(`HTTP route ${prefix}: unknown method ${method}`);
    }
    if (methods.size === 0) throw new TypeError(`HTTP route ${prefix}: no method`);
    const takesBody = [...methods].find((method) => BODY_METHODS.includes(method));
    if (takesBody !== undefined && options.maxBodyBytes === undefined) {
      // No silent default: an upload route at 1 MiB would look like a bug, an unlimited one is one.
      throw new TypeError(`HTTP route ${takesBody} ${prefix || '/'} must state maxBodyBytes`);
    }
    const maxBodyBytes = options.maxBodyBytes ?? 0;
    if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) {
      throw new TypeError(`HTTP route ${prefix}: maxBodyBytes must be a whole number of bytes ≥ 0`);
    }
    const entry: RouteEntry = {
      prefix,
      methods,
      maxBodyBytes,
      isSecureOnly: options.secureOnly === true,
      handler: options.handler,
      ...(owner === undefined ? {} : { owner }),
    };
    return this.#table.add(entry);
  }

  publicUrl(path: string): string {
    const { http, domain } = this.#config;
    const base = publicBase({
      configured: http.public_url,
      domain,
      httpsPort: this.#ports.https,
      httpPort: this.#ports.http,
    });
    return joinUrl(base, path);
  }

  /** The listeners' real ports, once listening (port 0 in config becomes a real one). */
  listening(ports: Partial<Record<HttpListenerName, number>>): void {
    this.#ports = { ...ports };
  }

  /** `ctx.http` for one module: its routes are removed at its teardown. */
  forModule(owner: string, onTeardown: (teardown: () => void) => void): HttpService {
    return {
      route: (options) => {
        const remove = this.route(options, owner);
        onTeardown(remove);
        return remove;
      },
      publicUrl: (path) => this.publicUrl(path),
    };
  }

  /** Serves one request; never rejects, never throws. `expectsContinue`: 'checkContinue' requests. */
  async handle(
    raw: IncomingMessage,
    response: ServerResponse,
    listener: HttpListenerName,
    expectsContinue = false,
  ): Promise<void> {
    const abort = new AbortController();
    const target = parseRequestTarget(raw.url);
    const remoteAddress = raw.socket.remoteAddress ?? 'unknown';
    logAccess(this.#logger, raw, response, { path: target?.path ?? '-', remoteAddress, listener }, () => abort.abort());
    // Neither may crash the process: a reset client errors the request, a late write the response.
    raw.on('error', (error) => this.#logger.debug({ err: error }, 'HTTP request stream failed'));
    response.on('error', (error) => this.#logger.debug({ err: error }, 'HTTP response stream failed'));

    if (!target) return answer(raw, response, 400, 'bad request');
    const method = raw.method ?? '';
    const match = this.#table.match(method, target.path);
    if (match.kind === 'not-found') return answer(raw, response, 404, 'not found');
    if (match.kind === 'method-not-allowed') {
      return answer(raw, response, 405, 'method not allowed', { allow: match.allow.join(', ') });
    }
    const { route } = match;
    // 403 rather than a redirect: whatever the URL carries (an upload slot's secret) has already
    // crossed the network in clear, and a redirect would teach clients that plain HTTP works.
    if (route.isSecureOnly && listener !== 'https') return answer(raw, response, 403, 'use https');
    const contentLength = declaredLength(raw.headers['content-length']);
    if (contentLength !== undefined && contentLength > route.maxBodyBytes) {
      return answer(raw, response, 413, 'payload too large');
    }
    const segments = segmentsAfter(target.path, route.prefix);
    if (!segments) return answer(raw, response, 400, 'bad request');
    if (expectsContinue) response.writeContinue();

    let isCutOff = false;
    let body: Readable = raw;
    // A declared length needs no counting hop: Node's parser never delivers more bytes than it
    // says, and it was held to the limit above. Only a chunked body goes through limitBody, a
    // stream hop for every 16 KiB TLS record of an upload.
    if (contentLength === undefined) {
      const limited = limitBody(route.maxBodyBytes);
      raw.on('error', (error) => limited.destroy(error));
      limited.on('error', (error) => {
        if (!(error instanceof HttpBodyTooLargeError)) return; // the handler sees it on its stream
        isCutOff = true;
        raw.unpipe(limited);
        if (!response.headersSent) answer(raw, response, 413, 'payload too large');
        else response.destroy(error); // too late for a status: the client must not take it as complete
      });
      raw.pipe(limited);
      body = limited;
    }

    const request: HttpRequest = {
      method,
      path: target.path,
      prefix: route.prefix,
      segments,
      query: target.query,
      headers: raw.headers,
      contentLength,
      remoteAddress,
      listener,
      isSecure: listener === 'https',
      body,
      signal: abort.signal,
    };
    try {
      await route.handler(request, response);
    } catch (error) {
      if (isCutOff) {
        // The 413 (or the reset) is already on its way; the handler just saw its body fail.
        this.#logger.debug({ err: error, prefix: route.prefix || '/' }, 'HTTP handler stopped by the body limit');
        return;
      }
      this.#logger.error(
        { err: error, prefix: route.prefix || '/', module: route.owner, method, path: target.path },
        'HTTP handler failed',
      );
      if (!response.headersSent) answer(raw, response, 500, 'internal server error');
      else response.destroy();
    }
  }
}

/**
 * A short plain-text answer. When the request still has a body we have not read, the connection
 * is closed after the answer: otherwise Node would read and discard all of it to keep the
 * connection alive, however large it is.
 */
function answer(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent || response.writableEnded) return;
  const body = `${text}\n`;
  const hasUnreadBody = !request.complete && isBodyExpected(request);
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    ...(hasUnreadBody ? { connection: 'close' } : {}),
    ...headers,
  });
  response.end(body);
}

function isBodyExpected(request: IncomingMessage): boolean {
  return (
    request.headers['transfer-encoding'] !== undefined || (declaredLength(request.headers['content-length']) ?? 0) > 0
  );
}
