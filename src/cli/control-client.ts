// The CLI's side of the control socket (server/control/): one request, one reply, over
// `<data_dir>/ferry.sock`. No server there is a line of its own and exit 3 (EXIT.notRunning), so
// scripts can tell "not running" from "running but refused".
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../server/core/config.js';
import {
  CONTROL_SOCKET_NAME,
  LineReader,
  type ControlReply,
  type ControlRequest,
} from '../server/control/control-protocol.js';
import { CliError, EXIT } from './cli-error.js';

/** Replies can be long (every session of a big server): bounded all the same. */
const MAX_REPLY_BYTES = 256 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

export function controlSocketPath(config: Config): string {
  return join(config.data_dir, CONTROL_SOCKET_NAME);
}

/** A request without its id (distributed over the union, so kick keeps jid and reason). */
type Params = ControlRequest extends infer R ? (R extends ControlRequest ? Omit<R, 'id'> : never) : never;

/** Sends one request; resolves with its result, or rejects with a CliError saying why. */
export function controlRequest(path: string, params: Params, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const reader = new LineReader(MAX_REPLY_BYTES);
    let isSettled = false;
    const settle = (outcome: () => void): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(
      () => settle(() => reject(new CliError(`the server did not answer on ${path} within ${timeoutMs / 1000} s`))),
      timeoutMs,
    );
    socket.once('connect', () => socket.write(`${JSON.stringify({ id: 1, ...params })}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => settle(() => reject(connectError(error, path))));
    socket.on('close', () =>
      settle(() => reject(new CliError(`the server closed the control socket ${path} without answering`))),
    );
    socket.on('data', (chunk: Buffer) => {
      const line = reader.push(chunk)[0];
      if (reader.isTooLong) return settle(() => reject(new CliError('the server sent a reply too long to read')));
      if (line === undefined) return;
      settle(() => {
        try {
          resolve(resultOf(JSON.parse(line) as ControlReply));
        } catch (error) {
          reject(
            error instanceof CliError ? error : new CliError(`the server's reply is not JSON: ${line.slice(0, 80)}`),
          );
        }
      });
    });
  });
}

function resultOf(reply: ControlReply): unknown {
  if (reply.ok) return reply.result;
  const message = reply.error?.message ?? 'the server refused the request';
  const code = reply.error?.code;
  throw new CliError(message, code === 'bad-request' || code === 'bad-config' ? EXIT.usage : EXIT.failure);
}

function connectError(error: NodeJS.ErrnoException, path: string): CliError {
  if (error.code === 'ENOENT')
    return new CliError(`no server is running (no control socket at ${path})`, EXIT.notRunning);
  if (error.code === 'ECONNREFUSED') {
    return new CliError(`no server is running (nothing answers on the control socket at ${path})`, EXIT.notRunning);
  }
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return new CliError(`cannot open the control socket at ${path}: permission denied; run as the server's user`);
  }
  return new CliError(`cannot reach the server on ${path}: ${error.code ?? error.message}`);
}

/**
 * Whether a server holds the data directory: its control socket accepts a connection. A stale
 * socket file from a crash refuses it; one that accepts but stays silent is still a live process.
 */
export function isServerRunning(config: Config, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(controlSocketPath(config));
    const done = (isRunning: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(isRunning);
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
