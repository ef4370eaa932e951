// What went wrong while connecting, as one coded TransferError with a one-line human message.
import { TransferError } from './transfer-error.js';

// OpenSSL verification results and Node's name check: the certificate is not one we trust.
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

export const connectErrors = {
  timeout: (where: string, ms: number) =>
    new TransferError('FERRY_ERR_CONNECT_TIMEOUT', `connecting to ${where} took longer than ${ms} ms`),
  notXmpp: (where: string, detail: string) =>
    new TransferError('FERRY_ERR_NOT_XMPP', `${where} does not speak XMPP (${detail})`),
  tlsRequired: (where: string) =>
    new TransferError('FERRY_ERR_TLS_REQUIRED', `${where} requires TLS: use xmpp://, xmpps:// or wss://`),
  noLogin: (where: string) =>
    new TransferError('FERRY_ERR_AUTH', `${where} offers no way to log in on this connection`),
  stream: (where: string, condition: string) =>
    new TransferError('FERRY_ERR_STREAM', `${where} ended the stream: ${condition}`),
  auth: (jid: string, condition: string) =>
    new TransferError('FERRY_ERR_AUTH', `authentication failed for ${jid} (${condition}): check the password`),
  noService: (domain: string) =>
    new TransferError('FERRY_ERR_DNS', `${domain} publishes no XMPP service (its SRV targets are ".")`),
  caFile: (path: string, reason: string) =>
    new TransferError('FERRY_ERR_CA_FILE', `cannot read the CA file ${path} (${reason})`),
  closedDuringLogin: (where: string) =>
    new TransferError('FERRY_ERR_DISCONNECTED', `${where} closed the connection during login`),
};

/** Maps an error xmpp.js reports during login (SASL, stream errors) on `where`. */
export function classifyLoginError(error: Error & { condition?: string }, jid: string, where: string): TransferError {
  if (error instanceof TransferError) return error;
  if (error.name === 'SASLError') return connectErrors.auth(jid, error.condition ?? error.message);
  if (error.name === 'StreamError') {
    if (error.condition === 'not-authorized') return connectErrors.auth(jid, error.condition);
    return connectErrors.stream(where, error.condition ?? error.message);
  }
  return connectErrors.notXmpp(where, error.message);
}

/** Maps a socket, DNS or TLS error met while dialing `where` (host:port or URL). */
export function classifyDialError(error: unknown, where: string): TransferError {
  if (error instanceof TransferError) return error;
  const { code, message } = error as { code?: string; message?: string };
  const detail = message ?? String(error);
  if (code === 'ECONNREFUSED')
    return new TransferError('FERRY_ERR_CONNECTION_REFUSED', `connection refused by ${where}: is the server running?`, {
      cause: error,
    });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA' || code === 'EAI_NONAME')
    return new TransferError('FERRY_ERR_DNS', `cannot resolve ${hostOf(where)} (${code})`, { cause: error });
  if (code && UNTRUSTED.has(code))
    return new TransferError(
      'FERRY_ERR_TLS_UNTRUSTED',
      `the certificate of ${where} is not trusted (${detail}); pass caFile to trust its CA, or insecure to skip the check`,
      { cause: error },
    );
  if (code?.startsWith('ERR_SSL_') || /^Unexpected server response|subprotocol/.test(detail))
    return new TransferError('FERRY_ERR_NOT_XMPP', `${where} does not speak XMPP (${detail})`, { cause: error });
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return new TransferError('FERRY_ERR_DISCONNECTED', `${where} closed the connection (${code})`, { cause: error });
  return new TransferError('FERRY_ERR_CONNECTION_REFUSED', `cannot connect to ${where} (${code ?? detail})`, {
    cause: error,
  });
}

function hostOf(where: string): string {
  return where.includes('://') ? new URL(where).hostname : where.replace(/:\d+$/, '');
}

// When several endpoints fail, the one that got furthest explains best.
const DEPTH: Record<string, number> = {
  FERRY_ERR_DNS: 0,
  FERRY_ERR_CONNECTION_REFUSED: 1,
  FERRY_ERR_DISCONNECTED: 2,
  FERRY_ERR_NOT_XMPP: 3,
  FERRY_ERR_TLS_REQUIRED: 4,
  FERRY_ERR_STREAM: 4,
  FERRY_ERR_TLS_UNTRUSTED: 5,
};

export function mostTelling(errors: readonly TransferError[]): TransferError {
  return errors.reduce((best, error) => ((DEPTH[error.code] ?? 0) > (DEPTH[best.code] ?? 0) ? error : best));
}
