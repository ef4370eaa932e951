// Operational errors of the SOCKS5 layer: stable codes (ARCHITECTURE.md "Errors") that the
// transfer layer turns into "try the next streamhost" or a TransferError; messages name host:port.

export type Socks5ErrorCode =
  /** The whole attempt (TCP connect + handshake [+ decision]) outlived its timeoutMs. */
  | 'FERRY_ERR_SOCKS5_TIMEOUT'
  /** No TCP connection: DNS failure, ECONNREFUSED, EHOSTUNREACH… */
  | 'FERRY_ERR_SOCKS5_UNREACHABLE'
  /** The peer spoke SOCKS5 and said no: method X'FF', or a reply with REP ≠ 0 (see `rep`). */
  | 'FERRY_ERR_SOCKS5_REFUSED'
  /** The peer's bytes are not the XEP-0065 subset of SOCKS5, or its reply echoed another hash. */
  | 'FERRY_ERR_SOCKS5_PROTOCOL'
  /** The connection closed or reset before the handshake finished. */
  | 'FERRY_ERR_SOCKS5_CLOSED';

export interface Socks5ErrorOptions {
  cause?: unknown;
  /** RFC 1928 §6 REP of a refusing reply. */
  rep?: number;
}

export class Socks5Error extends Error {
  readonly code: Socks5ErrorCode;
  readonly rep: number | undefined;

  constructor(code: Socks5ErrorCode, message: string, options: Socks5ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'Socks5Error';
    this.code = code;
    this.rep = options.rep;
  }
}

/**
 * The rejection for a fired AbortSignal: `name === 'AbortError'` like Node's own APIs (there is no
 * public AbortError constructor in Node 20), with the signal's reason as `cause`. A reason that is
 * already a coded operational error (FERRY_ERR_…, e.g. the connection was lost) is the error itself.
 */
export function abortError(message: string, signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && String((reason as { code?: unknown }).code).startsWith('FERRY_ERR_')) return reason;
  const error = new Error(message, { cause: signal.reason });
  error.name = 'AbortError';
  return Object.assign(error, { code: 'ABORT_ERR' });
}
