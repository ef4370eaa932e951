// A pino logger whose JSON lines land in an array, for tests that assert what was logged.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function captureLogs(level: 'debug' | 'info' | 'warn' = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  // Synchronous writes to the Writable: a line is in `lines` as soon as the call returns.
  return { logger: pino({ level, base: undefined }, stream), lines };
}
