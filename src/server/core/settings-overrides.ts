// Operator-made settings (the admin console, `ferry settings`) layered over the configuration file:
// effective configuration = file + overrides, on start and on every reload. Only keys a module
// applies live can be overridden, so a change never waits for a restart. The overrides live in the
// server's own store (storage contract: SQLite, PostgreSQL, memory); they are read before the
// modules start, so a module starts on its overridden values (a proxy on its overridden port).
import type { Config } from './config.js';
import type { KeyValueStore, Storage } from '../storage/types.js';

/** The store's name: not a module's (a module name has no dot or colon prefix like this one). */
export const SETTINGS_STORE = 'core:settings';
/** One owner for the whole server: overrides are not per account. */
const OWNER = 'server';

/**
 * What can be changed from the console and the CLI: every key here is applied by its module's
 * ctx.onReload (proxy65, http_upload), so a change takes effect at once.
 */
export const SETTABLE_KEYS: readonly string[] = [
  'modules.proxy65.active',
  'modules.proxy65.port',
  'modules.proxy65.advertised_host',
  'modules.proxy65.advertised_port',
  'modules.proxy65.acl',
  'modules.proxy65.bandwidth_bytes_per_second',
  'modules.http_upload.acl',
  'modules.http_upload.max_file_size',
  'modules.http_upload.daily_quota_bytes',
  'modules.http_upload.user_quota_bytes',
  'modules.http_upload.global_quota_bytes',
  'modules.http_upload.allowed_types',
  'modules.http_upload.forbidden_types',
  'modules.http_upload.expire_after_days',
];

/** One override as stored: the value and who set it when (for the console and the audit trail). */
export interface StoredOverride {
  value: unknown;
  by: string;
  at: string;
}

export class SettingsOverrides {
  readonly #store: KeyValueStore<StoredOverride>;
  readonly #values: Map<string, StoredOverride>;

  private constructor(store: KeyValueStore<StoredOverride>, values: Map<string, StoredOverride>) {
    this.#store = store;
    this.#values = values;
  }

  static async open(storage: Storage): Promise<SettingsOverrides> {
    const store = await storage.openKeyValue<StoredOverride>({ name: SETTINGS_STORE });
    return new SettingsOverrides(store, new Map(await store.entries(OWNER)));
  }

  /** Key → override, in key order. */
  get values(): ReadonlyMap<string, StoredOverride> {
    return this.#values;
  }

  /** `config` with the overrides (or `candidate`, when given) written over it. */
  layer(config: Config, candidate: ReadonlyMap<string, StoredOverride> = this.#values): Config {
    const out = structuredClone(config) as unknown as Record<string, unknown>;
    for (const [key, { value }] of candidate) setPath(out, key.split('.'), structuredClone(value));
    return out as unknown as Config;
  }

  /** The overrides with `key` set (or removed, value undefined), not yet stored. */
  with(key: string, override: StoredOverride | undefined): Map<string, StoredOverride> {
    const next = new Map(this.#values);
    if (override === undefined) next.delete(key);
    else next.set(key, override);
    return new Map([...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Stores the change; the in-memory table follows only once the store has it. */
  async save(key: string, override: StoredOverride | undefined): Promise<void> {
    if (override === undefined) {
      await this.#store.delete(OWNER, key);
      this.#values.delete(key);
    } else {
      await this.#store.set(OWNER, key, override);
      this.#values.set(key, override);
    }
  }
}

/** The raw value at a dotted key of a configuration (undefined when the file does not set it). */
export function valueAt(config: unknown, key: string): unknown {
  let at: unknown = config;
  for (const part of key.split('.')) at = isRecord(at) ? at[part] : undefined;
  return at;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = target;
  for (const [index, part] of path.entries()) {
    if (index === path.length - 1) {
      at[part] = value;
      return;
    }
    if (!isRecord(at[part])) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
