// What `ferry` prints for a failure: one line saying what happened and what to do, and the exit
// code. Known errors are rows keyed by their code — Ferry's FERRY_ERR_* codes, Node's errno codes,
// SASL conditions — so a new code is a new row. Anything unknown is one line plus a hint.
import { CommanderError } from 'commander';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { ConfigError } from '../server/core/config.js';
import { CliError, EXIT, type ExitCode } from './cli-error.js';

export interface ErrorLine {
  line: string;
  exitCode: ExitCode;
  /** false: not an error we expected; the line suggests --debug. */
  isKnown: boolean;
}

interface CodedError extends Error {
  code?: string;
  path?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** Where the connection was going, so a connection failure can name it. */
export interface ConnectContext {
  jid: string;
  host: string;
  port: number;
  /** Where the password came from: a wrong one is fixed there. */
  passwordFrom: string;
}

type Row = (error: CodedError, context: ConnectContext) => string;

const notRunning: Row = (_, c) =>
  `nothing is listening on ${c.host}:${c.port}: is the server running? Check --host and --port`;
const noSuchHost: Row = (_, c) => `cannot find the host ${c.host}: check --host (default: the domain of --jid)`;
const noAnswer: Row = (_, c) =>
  `no answer from ${c.host}:${c.port} in time: check --host and --port (XMPP is usually 5222)`;
const untrusted: Row = (error) =>
  `the server's certificate is not trusted (${error.message}); pass --ca-file FILE, or --insecure for a test server`;
const wrongPassword: Row = (_, c) =>
  `${c.jid}: wrong password or no such account (the password came from ${c.passwordFrom})`;
const notXmpp: Row = (_, c) => `${c.host}:${c.port} does not speak XMPP: check --port (XMPP is usually 5222)`;
const serverClosed: Row = () => serverClosedLine();

/** Connection and login failures, by FERRY_ERR_* code (client/connection.ts) or what xmpp.js raises today. */
const CONNECT_ROWS: Readonly<Record<string, Row>> = {
  FERRY_ERR_CONNECTION_REFUSED: notRunning,
  ECONNREFUSED: notRunning,
  FERRY_ERR_DNS: noSuchHost,
  ENOTFOUND: noSuchHost,
  EAI_AGAIN: noSuchHost,
  FERRY_ERR_CONNECT_TIMEOUT: noAnswer,
  ETIMEDOUT: noAnswer,
  EHOSTUNREACH: noAnswer,
  ENETUNREACH: noAnswer,
  FERRY_ERR_TLS_UNTRUSTED: untrusted,
  DEPTH_ZERO_SELF_SIGNED_CERT: untrusted,
  SELF_SIGNED_CERT_IN_CHAIN: untrusted,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: untrusted,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: untrusted,
  CERT_HAS_EXPIRED: untrusted,
  ERR_TLS_CERT_ALTNAME_INVALID: untrusted,
  FERRY_ERR_AUTH: wrongPassword,
  'not-authorized': wrongPassword, // xmpp.js SASLError condition
  FERRY_ERR_NOT_XMPP: notXmpp,
  TimeoutError: notXmpp, // xmpp.js: no stream header came back (an HTTP or SSH port)
  FERRY_ERR_DISCONNECTED: serverClosed,
  ECONNRESET: serverClosed,
  EPIPE: serverClosed,
};

/** The key a connection failure is filed under: its code, SASL condition, or error name. */
function keyOf(error: CodedError): string | undefined {
  const condition = (error as { condition?: unknown }).condition;
  if (typeof error.code === 'string' && error.code !== '') return error.code;
  if (typeof condition === 'string') return condition;
  return error.name;
}

/** A connect() failure as a CliError naming the server, the account or the certificate. */
export function connectError(error: unknown, context: ConnectContext): CliError {
  const coded = error as CodedError;
  const key = keyOf(coded);
  const row = key === undefined ? undefined : CONNECT_ROWS[key];
  if (row) return new CliError(row(coded, context), EXIT.failure, { cause: error });
  if (/self[- ]signed|unable to verify|certificate/i.test(coded.message)) {
    return new CliError(untrusted(coded, context), EXIT.failure, { cause: error });
  }
  return new CliError(
    `cannot log in as ${context.jid} at ${context.host}:${context.port}: ${coded.message || coded.name}`,
    EXIT.failure,
    { cause: error },
  );
}

/** Failures outside a login: files, transfers, the connection dropping later. */
const ROWS: Readonly<Record<string, (error: CodedError) => string>> = {
  ENOENT: (e) => `${e.path ?? 'file'}: no such file or directory`,
  EISDIR: (e) => `${e.path ?? 'that'} is a directory: give a file`,
  ENOTDIR: (e) => `${e.path ?? 'that path'}: a part of the path is not a directory`,
  EACCES: (e) => `${e.path ?? 'that file'}: permission denied`,
  EPERM: (e) => `${e.path ?? 'that file'}: operation not permitted`,
  EROFS: (e) => `${e.path ?? 'that file'} is on a read-only file system`,
  ENOSPC: () => 'the disk is full',
  ECONNRESET: serverClosedLine,
  EPIPE: serverClosedLine,
  FERRY_ERR_DISCONNECTED: serverClosedLine,
  // HTTP upload (XEP-0363) and links: the library's sentence, plus what to do about it here.
  FERRY_ERR_NO_UPLOAD_SERVICE: (e) =>
    `${e.message}; send to the full JID \`ferry receive\` prints while the contact is online, or ask the server's admin for HTTP upload`,
  FERRY_ERR_FILE_TOO_LARGE: (e) =>
    `${e.message}; send it directly (a full JID, --method auto) while the contact is online, or split it`,
  FERRY_ERR_UPLOAD_REFUSED: (e) => e.message,
  FERRY_ERR_HTTP: (e) => e.message,
  FERRY_ERR_INSECURE_URL: (e) => e.message,
  // A transfer that made no progress: the other side froze, or the network between us did.
  FERRY_ERR_STALLED: (e) =>
    `${e.message} (the other side or the network stopped moving bytes; --stall-timeout SECONDS waits longer)`,
  // Outside a login this is the HTTP server's certificate (uploads, links): same flags as the server's.
  FERRY_ERR_TLS_UNTRUSTED: (e) =>
    `${e.message.replace(/; pass caFile.*$/, '')}; pass --ca-file FILE, or --insecure for a test server`,
};

function serverClosedLine(): string {
  return 'the server closed the connection (stopped or restarted?); try again when it is back';
}

/** Every failure as one line and an exit code. */
export function explain(error: unknown): ErrorLine {
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode, isKnown: true };
  if (error instanceof ConfigError) return { line: error.message, exitCode: EXIT.usage, isKnown: true };
  if (error instanceof CommanderError) return { line: error.message, exitCode: EXIT.usage, isKnown: true };
  if (error instanceof StanzaError) {
    const line = `the peer answered ${error.condition}${error.text ? `: ${error.text}` : ''}`;
    return { line, exitCode: EXIT.failure, isKnown: true };
  }
  const coded = error as CodedError;
  if (coded && typeof coded.code === 'string') {
    const row = ROWS[coded.code];
    if (row) return { line: row(coded), exitCode: EXIT.failure, isKnown: true };
    // The library's own codes carry a sentence written for people.
    if (coded.code.startsWith('FERRY_ERR_')) return { line: coded.message, exitCode: EXIT.failure, isKnown: true };
  }
  if (coded && (coded as { name?: unknown }).name === 'AbortError') {
    return { line: 'cancelled', exitCode: EXIT.interrupted, isKnown: true };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    line: `${message || 'unexpected error'} (run with --debug for details)`,
    exitCode: EXIT.failure,
    isKnown: false,
  };
}
