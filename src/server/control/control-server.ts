// The control socket: `<data_dir>/ferry.sock`, a Unix socket only the server's user can open
// (0600, in a 0700 directory), speaking control-protocol.ts. The server opens it once its
// listeners run and removes it at stop. A socket file left by a crashed server is replaced; one a
// live server answers on is never taken over (ensureNoLiveServer, called before anything else at
// start): two servers on one data directory would share one database.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../core/logger.js';
import {
  LineReader,
  MAX_LINE_BYTES,
  decodeRequest,
  encodeReply,
  failure,
  success,
  type ControlErrorCode,
  type ControlReply,
  type ControlRequest,
} from './control-protocol.js';

/** What a request does; a thrown error with a known `code` becomes that error reply. */
export type ControlHandler = (request: ControlRequest) => unknown;

export interface ControlServerOptions {
  path: string;
  logger: Logger;
  handle: ControlHandler;
  /** A connection with no request for this long is closed (default 60 s). */
  idleTimeoutMs?: number;
  /** Connections at once; more are answered `busy` and closed (default 32). */
  maxClients?: number;
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/** Requests queued on one connection (pipelined) before it is refused as a flood. */
const MAX_QUEUED_LINES = 64;
/** Unread replies one connection may hold before it is dropped. */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;
/** Linux's sun_path holds 108 bytes with the terminating NUL. */
const MAX_PATH_BYTES = 107;
const ERROR_CODES = new Set<string>(['bad-request', 'not-found', 'unavailable', 'busy', 'bad-config', 'not-applied']);

export class ControlSocketInUseError extends Error {
  readonly code = 'FERRY_ERR_CONTROL_SOCKET_IN_USE';
  constructor(path: string, detail: string) {
    super(
      `another Ferry server is running on this data directory (${detail} at ${path}); stop it first, or give this one another data_dir`,
    );
    this.name = 'ControlSocketInUseError';
  }
}

/**
 * Refuses when a live server answers on `path` (or something that is not a socket sits there);
 * removes a stale socket file (nothing answers: a crashed server's).
 */
export async function ensureNoLiveServer(path: string, timeoutMs = 1_000): Promise<'absent' | 'stale'> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return 'absent';
  }
  if (!isSocket) throw new ControlSocketInUseError(path, 'a file that is not a socket');
  const outcome = await probe(path, timeoutMs);
  if (outcome === 'live') throw new ControlSocketInUseError(path, 'its control socket answers');
  if (outcome === 'silent')
    throw new ControlSocketInUseError(path, `its control socket accepts but did not close in ${timeoutMs} ms`);
  unlinkSync(path);
  return 'stale';
}

function probe(path: string, timeoutMs: number): Promise<'live' | 'stale' | 'silent'> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('silent');
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // ECONNREFUSED: a socket file nobody listens on. ENOENT: gone meanwhile.
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'stale' : 'live');
    });
  });
}

/** Opens the socket; resolves undefined (with a warning) when the path is too long for a Unix socket. */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer | undefined> {
  const { path, logger } = options;
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    logger.warn(
      { path },
      `control socket disabled: ${path} is longer than a Unix socket path may be; use a shorter data_dir for ferry status/sessions/transfers/kick`,
    );
    return undefined;
  }
  const clients = new Set<Socket>();
  const maxClients = options.maxClients ?? 32;
  const server: Server = createServer((socket) => {
    if (clients.size >= maxClients) {
      socket.on('error', () => {});
      socket.end(encodeReply(failure(null, 'busy', 'too many control connections; try again')));
      return;
    }
    clients.add(socket);
    socket.once('close', () => clients.delete(socket));
    serveConnection(socket, options);
  });
  server.on('error', (error) => logger.error({ err: error, path }, 'control socket failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The data directory is 0700 already; the socket itself is the operator's alone too.
  chmodSync(path, 0o600);
  logger.debug({ path }, 'control socket ready');
  return {
    path,
    async close() {
      for (const socket of clients) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      try {
        unlinkSync(path);
      } catch {
        // already gone (server.close() removes it on some platforms)
      }
    },
  };
}

function serveConnection(socket: Socket, options: ControlServerOptions): void {
  const reader = new LineReader();
  const queue: string[] = [];
  let isBusy = false;
  /** The last reply before the connection ends (a line too long, a flood), sent once the queue is answered. */
  let farewell: ControlReply | undefined;
  socket.setTimeout(options.idleTimeoutMs ?? 60_000, () => socket.destroy());
  socket.on('error', () => {}); // a client that goes away mid-reply is no concern of the server's
  const reply = (answer: ControlReply): void => {
    if (socket.destroyed) return;
    socket.write(encodeReply(answer));
    if (socket.writableLength > MAX_UNREAD_BYTES) socket.destroy();
  };
  const next = (): void => {
    if (isBusy || socket.destroyed) return;
    const line = queue.shift();
    if (line === undefined) {
      if (farewell !== undefined) {
        reply(farewell);
        socket.end();
      }
      return;
    }
    isBusy = true;
    void answer(line, options).then((answered) => {
      isBusy = false;
      reply(answered);
      next();
    });
  };
  const stopReading = (last: ControlReply): void => {
    farewell = last;
    socket.pause();
    socket.removeAllListeners('data');
  };
  socket.on('data', (chunk: Buffer) => {
    queue.push(...reader.push(chunk));
    if (queue.length > MAX_QUEUED_LINES) {
      queue.length = 0;
      stopReading(failure(null, 'busy', `more than ${MAX_QUEUED_LINES} requests waiting on one connection`));
    } else if (reader.isTooLong) {
      stopReading(failure(null, 'line-too-long', `a request line is at most ${MAX_LINE_BYTES / 1024} KiB`));
    }
    next();
  });
}

/** One line's reply; never rejects. */
async function answer(line: string, options: ControlServerOptions): Promise<ControlReply> {
  const decoded = decodeRequest(line);
  if ('reply' in decoded) return decoded.reply;
  const { request } = decoded;
  try {
    return success(request.id, await options.handle(request));
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && ERROR_CODES.has(code)) {
      return failure(request.id, code as ControlErrorCode, (error as Error).message);
    }
    options.logger.error({ err: error, op: request.op }, 'control request failed');
    return failure(request.id, 'internal', `${request.op} failed; see the server log`);
  }
}
