// What a configuration reload (SIGHUP, `ferry reload`) may change while the server runs, and what
// only a restart applies. Applied live: the log level, the TLS certificate (its files re-read even
// when their paths did not change, so a renewed certificate is picked up) for connections made from
// then on, and the module options a module takes through ctx.onReload. Everything else that changed
// (ports, domain, storage, limits, other module options) is named, one warning per key, and keeps
// its running value until a restart.
import { createSecureContext } from 'node:tls';
import type { Config } from './config.js';
import { resolveModules, type LoadedModule } from './load-modules.js';
import type { ModuleDefinition } from './module.js';
import { loadOrCreateCertificate, type CertificatePair } from '../transport/certificate.js';

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

/**
 * Everything a reload needs, read and checked before anything changes: the configuration, every
 * module's options, and the certificate (a pair that does not make a TLS context fails here, not
 * live). Throws a ReloadError ('bad-config', one line) when any of it is wrong.
 */
export async function prepareReload(options: {
  read: () => Config;
  modules: readonly ModuleDefinition[];
  /** The running server's: a self-signed certificate belongs to the running domain and data_dir. */
  dataDir: string;
  domain: string;
}): Promise<{ next: Config; modules: LoadedModule[]; certificate: CertificatePair }> {
  try {
    const next = options.read();
    const modules = resolveModules(next, options.modules);
    const certificate = await loadOrCreateCertificate({
      dataDir: options.dataDir,
      domain: options.domain,
      certFile: next.tls.cert_file,
      keyFile: next.tls.key_file,
    });
    createSecureContext({ cert: certificate.cert, key: certificate.key });
    return { next, modules, certificate };
  } catch (error) {
    // One line: a ConfigError lists its keys on lines of their own.
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ');
    throw new ReloadError('bad-config', `the new configuration is refused (the running one stays): ${reason}`, {
      cause: error,
    });
  }
}

/** The dotted keys whose values differ between two configurations (arrays compared whole). */
export function changedKeys(running: Config, next: Config): string[] {
  const out: string[] = [];
  walk(running, next, '', out);
  return out.sort();
}

/** `running` with the values of `keys` taken from `next`: what runs after a reload applied them. */
export function adopt(running: Config, next: Config, keys: readonly string[]): Config {
  const out = structuredClone(running) as unknown as Record<string, unknown>;
  for (const key of keys) {
    const path = key.split('.');
    let from: unknown = next;
    let to = out;
    for (const [index, part] of path.entries()) {
      from = isRecord(from) ? from[part] : undefined;
      if (index === path.length - 1) {
        if (from === undefined) delete to[part];
        else to[part] = structuredClone(from);
      } else {
        if (!isRecord(to[part])) to[part] = {};
        to = to[part] as Record<string, unknown>;
      }
    }
  }
  return out as unknown as Config;
}

function walk(a: unknown, b: unknown, prefix: string, out: string[]): void {
  // A table present on one side only is compared key by key with an empty one.
  if ((isRecord(a) || a === undefined) && (isRecord(b) || b === undefined) && a !== b) {
    a ??= {};
    b ??= {};
    const [left, right] = [a as Record<string, unknown>, b as Record<string, unknown>];
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      walk(left[key], right[key], prefix === '' ? key : `${prefix}.${key}`, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(prefix);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
