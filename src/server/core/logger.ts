// Structured logs (pino): JSON for machines, pino-pretty lines on a terminal, or JSON lines
// appended to `log.file`, which `reopenLogFile` reopens after logrotate has moved it (SIGHUP).
import pino, { type Logger } from 'pino';

export type { Logger };

type FileDestination = ReturnType<typeof pino.destination>;
/** Loggers writing to a file, with their destination: reopened and flushed by the process that owns them. */
const fileDestinations = new WeakMap<Logger, FileDestination>();

export function createLogger(options: {
  level: string;
  pretty?: boolean | undefined;
  file?: string | undefined;
}): Logger {
  if (options.file !== undefined) {
    // mkdir: a fresh /var/log/ferry; append: a restart never truncates the history.
    const destination = pino.destination({ dest: options.file, mkdir: true, append: true, sync: false });
    const logger = pino({ level: options.level, base: undefined }, destination);
    fileDestinations.set(logger, destination);
    return logger;
  }
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (!pretty) return pino({ level: options.level, base: undefined });
  return pino({
    level: options.level,
    base: undefined,
    transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

/** Reopens the logger's file at its path (after rotation); false when it writes no file. */
export function reopenLogFile(logger: Logger): boolean {
  const destination = fileDestinations.get(logger);
  destination?.reopen();
  return destination !== undefined;
}

/** Writes out what the file destination still buffers, before the process exits. */
export function flushLogFile(logger: Logger): void {
  try {
    fileDestinations.get(logger)?.flushSync();
  } catch {
    // Nothing buffered, or the file is gone: there is nowhere left to report it.
  }
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** One line as the admin console shows it. */
export interface LogEntry {
  /** ms since the epoch. */
  time: number;
  level: LogLevelName;
  msg: string;
  /** The line's other fields (module, user, err…), as logged. */
  fields: Record<string, unknown>;
}

export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const LEVEL_NAMES: Readonly<Record<number, LogLevelName>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
export const LOG_LEVELS: readonly LogLevelName[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** Lines kept: enough to see what led up to a problem, small enough to forget (≤ 16 KiB each). */
const RING_LINES = 1_000;
const MAX_LINE_CHARS = 16 * 1024;
const RING = Symbol('ferry.logRing');

/**
 * The last lines a logger wrote, kept in memory for the admin console. Lines are stored as the
 * serialised text pino already made, and parsed only when read, so logging pays one array write.
 */
export class LogRing {
  readonly #lines: (string | undefined)[];
  #next = 0;

  constructor(capacity = RING_LINES) {
    this.#lines = new Array<string | undefined>(capacity);
  }

  push(line: string): void {
    this.#lines[this.#next] = line.length > MAX_LINE_CHARS ? undefined : line;
    this.#next = (this.#next + 1) % this.#lines.length;
  }

  /** Oldest first; at `level` or above; the last `limit` of them. */
  entries(options: { level?: LogLevelName; limit?: number } = {}): LogEntry[] {
    const floor = LOG_LEVELS.indexOf(options.level ?? 'trace');
    const out: LogEntry[] = [];
    for (let i = 0; i < this.#lines.length; i++) {
      const line = this.#lines[(this.#next + i) % this.#lines.length];
      const entry = line === undefined ? undefined : parseLine(line);
      if (entry && LOG_LEVELS.indexOf(entry.level) >= floor) out.push(entry);
    }
    return options.limit === undefined ? out : out.slice(-options.limit);
  }
}

/**
 * The ring fed by everything `logger` (and every child of it) writes from now on, attached on
 * first use. It tees the logger's destination: the lines still go where they went, unchanged.
 */
export function logRing(logger: Logger): LogRing {
  type Destination = { write(...args: unknown[]): unknown; [RING]?: LogRing };
  const destination = (logger as unknown as Record<symbol, Destination | undefined>)[pino.symbols.streamSym];
  if (!destination) return new LogRing(); // not a pino logger we can see into: an empty view
  const attached = destination[RING];
  if (attached) return attached;
  const ring = new LogRing();
  const write = destination.write;
  destination.write = function (this: unknown, ...args: unknown[]) {
    // The tee must never cost the real destination its line.
    if (typeof args[0] === 'string') ring.push(args[0]);
    return write.apply(this, args);
  };
  destination[RING] = ring;
  return ring;
}

function parseLine(line: string): LogEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { level, time, msg, ...fields } = value as Record<string, unknown>;
  const name = typeof level === 'number' ? LEVEL_NAMES[level] : undefined;
  if (name === undefined) return undefined;
  return { time: typeof time === 'number' ? time : 0, level: name, msg: typeof msg === 'string' ? msg : '', fields };
}
