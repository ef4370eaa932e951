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
