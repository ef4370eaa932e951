// Structured logs (pino): JSON for machines, pino-pretty lines on a terminal.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level: string; pretty?: boolean | undefined }): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (!pretty) return pino({ level: options.level, base: undefined });
  return pino({
    level: options.level,
    base: undefined,
    transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
