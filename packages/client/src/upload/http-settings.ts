// What every HTTP request of the client (XEP-0363 PUT, the GET of a shared link) is held to, on
// either platform: the connection's TLS trust, https only unless plain http is explicitly allowed,
// a bounded connect, then a stall timeout.
import type { TlsTrust } from '../dial.js';
import { TransferError } from '../transfer-error.js';
import { DEFAULT_STALL_TIMEOUT_MS } from '../stall-watch.js';

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
