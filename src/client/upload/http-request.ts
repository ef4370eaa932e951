// One HTTP(S) request made for an XMPP connection (XEP-0363 PUT, the GET of a shared link): TLS
// trust follows the connection's (insecure / caFile), set on this request only; https only unless
// plain http is explicitly allowed; a bounded connect, then a stall timeout on an idle socket; an
// AbortSignal that ends it with its reason. No agent: one socket per request, closed after it.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { http, https, pipeline, tlsOptionsFor } from '../platform/index.js';
import type { TlsTrust } from '../dial.js';
import { classifyDialError } from '../connect-errors.js';
import { TransferError } from '../transfer-error.js';
import { DEFAULT_STALL_TIMEOUT_MS, stalledError } from '../stall-watch.js';

export interface HttpSettings {
  /** The connection's trust (undefined: the system's CAs). */
  tls: TlsTrust | undefined;
  /** Plain-http URLs are refused (FERRY_ERR_INSECURE_URL) unless this is true: local tests only. */
  allowHttp: boolean;
  /** Until the TCP (and TLS) connection is up. */
  connectTimeoutMs: number;
  /**
   * Longest the socket may stay idle afterwards: waiting for headers, body bytes or the reader;
   * then FERRY_ERR_STALLED, as for SOCKS5 and IBB transfers (the manager's stallTimeoutMs).
   */
  stallTimeoutMs: number;
}

export const HTTP_DEFAULTS = {
  allowHttp: false,
  connectTimeoutMs: 15_000,
  stallTimeoutMs: DEFAULT_STALL_TIMEOUT_MS,
} as const;

export interface HttpRequest {
  method: 'GET' | 'PUT';
  url: string;
  headers: OutgoingHttpHeaders;
  /** Streamed into the request with back-pressure; the request ends with it. */
  body?: Readable;
  signal?: AbortSignal | undefined;
}

/** The URL, if its scheme is one we may fetch with these settings. */
export function checkUrl(raw: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TransferError('FERRY_ERR_HTTP', `not a URL: ${raw.slice(0, 100)}`);
  }
  if (url.protocol === 'http:' && !allowHttp) {
    throw new TransferError(
      'FERRY_ERR_INSECURE_URL',
      `refusing plain-http ${url.host}: the file would travel unencrypted (only https links are fetched)`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TransferError('FERRY_ERR_HTTP', `cannot fetch a ${url.protocol} URL (only https)`);
  }
  return url;
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

/** "404 Not Found: no such file" — the status and a short, single-line excerpt of the body. */
export async function httpFailure(response: IncomingMessage, what: string): Promise<TransferError> {
  let text = '';
  try {
    for await (const chunk of response) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length >= 512) break;
    }
  } catch {
    // The status is the message; the body was only a nicety.
  }
  response.destroy();
  const status = response.statusCode ?? 0;
  const excerpt = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
  const reason = response.statusMessage ?? '';
  return new TransferError(
    'FERRY_ERR_HTTP',
    `${what}: HTTP ${status}${reason ? ` ${reason}` : ''}${excerpt && excerpt !== reason ? ` (${excerpt})` : ''}`,
    { detail: { status } },
  );
}
