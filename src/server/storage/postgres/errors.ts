// What the PostgreSQL backend says when it cannot reach its database: one line naming the config
// key that fixes it, the address it tried, and why, with the password never shown.

/** A connection that could not be opened (refused, timed out, authentication, no such database). */
export class StorageConnectError extends Error {
  readonly code = 'FERRY_ERR_STORAGE_CONNECT';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageConnectError';
  }
}

/** The URL without its password (and without query parameters, which may carry one too). */
export function describeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(an unparseable URL)';
  }
  const user = parsed.username === '' ? '' : `${decodeURIComponent(parsed.username)}@`;
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
}

/** Every spelling of the URL's password replaced, in case a driver message ever quotes it. */
export function withoutPassword(text: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return text.split(url).join('(the URL)');
  }
  if (password === '') return text;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // A malformed escape: only the raw spelling can appear anywhere.
  }
  return [password, decoded].reduce((out, secret) => out.split(secret).join('***'), text);
}

interface DriverError {
  code?: string;
  message?: string;
}

const TIMEOUT_MESSAGES = /timeout expired|connection timeout|timed out/i;
// pg-pool's words when no connection became free, or could be opened, within the connect timeout.
const POOL_WAIT_MESSAGE = /timeout exceeded when trying to connect/i;

/** Why the first connection failed, as the line `ferry server` and the CLI print. */
export function connectError(error: unknown, url: string, timeoutMs: number): StorageConnectError {
  const { code, message = String(error) } = (error ?? {}) as DriverError;
  let reason: string;
  if (POOL_WAIT_MESSAGE.test(message)) {
    reason = `no connection within ${timeoutMs / 1000} s (every one of storage.postgres_pool_size busy, or the database not answering)`;
  } else if (TIMEOUT_MESSAGES.test(message)) reason = `no answer within ${timeoutMs / 1000} s`;
  else if (code === 'ECONNREFUSED') reason = 'connection refused (is PostgreSQL running, on that host and port?)';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') reason = 'no such host';
  else reason = message.split('\n')[0] ?? message;
  const line = `storage.postgres_url: cannot connect to ${describeUrl(url)}: ${reason}`;
  return new StorageConnectError(withoutPassword(line, url), { cause: error });
}

/** A statement the database cancelled, or the client gave up on, after the statement timeout. */
export class StorageTimeoutError extends Error {
  readonly code = 'FERRY_ERR_STORAGE_TIMEOUT';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageTimeoutError';
  }
}

// SQLSTATE 57014 query_canceled (statement_timeout), 55P03 lock_not_available (lock_timeout).
const TIMEOUT_STATES = new Set(['57014', '55P03']);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ETIMEDOUT']);
const LOST = /ECONNRESET|EPIPE|Connection terminated/i;

/**
 * An error from a query once running, named by the config key that bounds it when it is a
 * timeout or a lost database; anything else (a constraint, a bug) is passed through unchanged.
 */
export function queryError(error: unknown, url: string, timeouts: { connectMs: number; statementMs: number }): unknown {
  const { code, message = '' } = (error ?? {}) as DriverError;
  if ((code !== undefined && TIMEOUT_STATES.has(code)) || /query read timeout/i.test(message)) {
    return new StorageTimeoutError(
      `storage.postgres_statement_timeout_seconds: ${describeUrl(url)} did not finish a statement within ${timeouts.statementMs / 1000} s (${message})`,
      { cause: error },
    );
  }
  if ((code !== undefined && CONNECTION_CODES.has(code)) || POOL_WAIT_MESSAGE.test(message)) {
    return connectError(error, url, timeouts.connectMs);
  }
  if (LOST.test(`${code ?? ''} ${message}`)) {
    const line = `storage.postgres_url: lost the connection to ${describeUrl(url)} during a statement: ${message}`;
    return new StorageConnectError(withoutPassword(line, url), { cause: error });
  }
  return error;
}
