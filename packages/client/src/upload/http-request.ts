// One HTTP(S) request made for an XMPP connection (XEP-0363 PUT, the GET of a shared link): TLS
// trust follows the connection's (insecure / caFile), set on this request only; https only unless
// plain http is explicitly allowed; a bounded connect, then a stall timeout on an idle socket; an
// AbortSignal that ends it with its reason. No agent: one socket per request, closed after it.
// Node only: reached through the platform seam (platform/node/http.ts) and by the CLI's doctor.
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tlsOptionsFor } from '../dial.js';
import { classifyDialError } from '../connect-errors.js';
import { TransferError } from '../transfer-error.js';
import { stalledError } from '../stall-watch.js';
import { checkUrl, type HttpSettings } from './http-settings.js';

export { HTTP_DEFAULTS, checkUrl, type HttpSettings } from './http-settings.js';
export { httpFailure } from './http-failure.js';

export interface HttpRequest {
  method: 'GET' | 'PUT';
  url: string;
  headers: OutgoingHttpHeaders;
  /** Streamed into the request with back-pressure; the request ends with it. */
  body?: Readable;
  signal?: AbortSignal | undefined;
}

/**
 * Resolves with the response once its headers arrive; the caller reads the body, whose errors
 * (stall, abort, reset) arrive as the stream's error. Rejects with a coded TransferError, or the
 * signal's reason.
 */
export function sendRequest(request: HttpRequest, settings: HttpSettings): Promise<IncomingMessage> {
  const url = checkUrl(request.url, settings.allowHttp);
  const isHttps = url.protocol === 'https:';
  const where = url.host;
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | undefined;
    let isSettled = false;
    const signal = request.signal;
    const fail = (error: Error) => {
      cleanup();
      if (!isSettled) {
        isSettled = true;
        reject(error);
      }
      response?.destroy(error);
      outgoing.destroy(error);
    };
    const onAbort = () => fail(signal!.reason instanceof Error ? signal!.reason : abortError());
    const cleanup = () => {
      clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : abortError());
      return;
    }
    const outgoing = (isHttps ? https : http).request(url, {
      method: request.method,
      headers: request.headers,
      agent: false,
      ...(isHttps ? tlsOptionsFor(settings.tls ?? { insecure: false, ca: undefined }) : {}),
    });
    const connectTimer = setTimeout(
      () =>
        fail(
          new TransferError(
            'FERRY_ERR_TIMEOUT',
            `connecting to ${where} took longer than ${settings.connectTimeoutMs} ms`,
          ),
        ),
      settings.connectTimeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.on('socket', (socket) => {
      socket.once(isHttps ? 'secureConnect' : 'connect', () => {
        clearTimeout(connectTimer);
        outgoing.setTimeout(settings.stallTimeoutMs, () =>
          fail(stalledError(settings.stallTimeoutMs, request.method === 'PUT' ? 'to' : 'from', where)),
        );
      });
    });
    outgoing.on('error', (error) =>
      fail(error instanceof TransferError || error === signal?.reason ? error : classify(error, where)),
    );
    outgoing.on('response', (incoming) => {
      response = incoming;
      incoming.once('close', cleanup);
      isSettled = true;
      resolve(incoming);
    });
    if (request.body) {
      pipeline(request.body, outgoing).catch((error: unknown) => fail(error as Error));
    } else {
      outgoing.end();
    }
  });
}

/** A socket or TLS failure as a coded error naming the host. */
function classify(error: Error, where: string): TransferError {
  const coded = classifyDialError(error, where);
  if (coded.code === 'FERRY_ERR_TLS_UNTRUSTED' || coded.code === 'FERRY_ERR_DNS') return coded;
  if (coded.code === 'FERRY_ERR_CONNECTION_REFUSED' && (error as { code?: string }).code === 'ECONNREFUSED')
    return coded;
  return new TransferError('FERRY_ERR_HTTP', `${where}: ${(error as { code?: string }).code ?? error.message}`, {
    cause: error,
  });
}

function abortError(): Error {
  return new DOMException('The operation was aborted', 'AbortError');
}
