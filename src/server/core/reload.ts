// What a configuration reload (SIGHUP, `ferry reload`) may change while the server runs, and what
// only a restart applies. Applied live: the log level, and the TLS certificate (its files re-read
// even when their paths did not change, so a renewed certificate is picked up) for connections made
// from then on. Everything else that changed (ports, domain, storage, limits, module options) is
// named, one warning per key, and keeps its running value until a restart.
import type { Config } from './config.js';

/** Keys a reload applies; every other changed key needs a restart. */
export const LIVE_KEYS: ReadonlySet<string> = new Set(['log.level', 'tls.cert_file', 'tls.key_file']);

export interface ReloadReport {
  /** Applied now: the log level and the certificate (always re-read). */
  applied: string[];
  /** Changed in the file but not applied: they need a restart. */
  restartNeeded: string[];
}

/** Why a reload was refused; the running configuration stays. `code` goes out on the control socket. */
export class ReloadError extends Error {
  readonly code: 'bad-config' | 'unavailable';
  constructor(code: ReloadError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReloadError';
    this.code = code;
  }
}

/** The dotted keys whose values differ between two configurations (arrays compared whole). */
export function changedKeys(running: Config, next: Config): string[] {
  const out: string[] = [];
  walk(running, next, '', out);
  return out.sort();
}

function walk(a: unknown, b: unknown, prefix: string, out: string[]): void {
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      walk(a[key], b[key], prefix === '' ? key : `${prefix}.${key}`, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(prefix);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
