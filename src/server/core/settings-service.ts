// The settings service the admin console and the control socket (`ferry settings`) share: list
// what is in force and where it comes from, set an override, reset a key to the file's value. A
// change is validated with the configuration's own schema (the module's options), applied through
// the reload path (ctx.onReload), and stored only once applied; an audit line names who changed
// which key from what to what.
import { ConfigError, type Config } from './config.js';
import { resolveModules, type LoadedModule } from './load-modules.js';
import type { Logger } from './logger.js';
import type { ModuleDefinition } from './module.js';
import { SETTABLE_KEYS, valueAt, type SettingsOverrides, type StoredOverride } from './settings-overrides.js';

export interface SettingView {
  key: string;
  /** What the configuration file (with env and flags) says; undefined when it does not set the key. */
  file: unknown;
  /** What runs now: the override, else the file's value, else the module's default. */
  effective: unknown;
  /** Set when the console or the CLI overrode the file. */
  override?: StoredOverride;
  /** False when the key's module is not loaded (nothing to change until it is enabled and restarted). */
  isAvailable: boolean;
}

export interface SettingChange {
  key: string;
  old: unknown;
  new: unknown;
}

export type SettingsErrorCode = 'unknown-key' | 'invalid' | 'not-applied' | 'unavailable';

/** Why a change was refused; nothing was applied or stored. */
export class SettingsError extends Error {
  readonly code: SettingsErrorCode;
  constructor(code: SettingsErrorCode, message: string) {
    super(message);
    this.name = 'SettingsError';
    this.code = code;
  }
}

export interface SettingsService {
  readonly keys: readonly string[];
  list(): SettingView[];
  /** @throws SettingsError */
  set(key: string, value: unknown, by: string): Promise<SettingChange>;
  /** Back to the file's value. @throws SettingsError */
  reset(key: string, by: string): Promise<SettingChange>;
}

declare module './services.js' {
  interface Services {
    settings: SettingsService;
  }
}

export interface SettingsHost {
  overrides: SettingsOverrides;
  modules: readonly ModuleDefinition[];
  logger: Logger;
  /** The configuration as the file (env, flags) says now: the start-up one, or the last reload's. */
  fileConfig(): Config;
  /** Names of the modules running now. */
  loaded(): ReadonlySet<string>;
  /** Runs `work` alone: after the reloads and changes before it, before those after it. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Applies an effective configuration through the reload path (called inside exclusive());
   * rejects with the failing module's error when one could not take its options.
   */
  apply(effective: Config, modules: LoadedModule[]): Promise<void>;
}

/** A value typed on a command line or in a form field: JSON when it parses (7, true, ["a"]), else the text. */
export function coerceSettingValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function settingsService(host: SettingsHost): SettingsService {
  const { overrides } = host;
  const effectiveOf = (modules: readonly LoadedModule[], key: string): unknown => {
    const [, name, option] = key.split('.');
    const module = modules.find((candidate) => candidate.definition.name === name);
    return module === undefined ? undefined : (module.options as Record<string, unknown>)[option!];
  };
  const assertSettable = (key: string): void => {
    if (!SETTABLE_KEYS.includes(key)) {
      throw new SettingsError(
        'unknown-key',
        `${key}: not a setting that can be changed live (${SETTABLE_KEYS.join(', ')})`,
      );
    }
    const name = key.split('.')[1]!;
    if (!host.loaded().has(name)) {
      throw new SettingsError(
        'unavailable',
        `${key}: module ${name} is not running (enable it in the configuration file and restart)`,
      );
    }
  };
  /** What runs now: the layered configuration's modules, or the file's when the overrides no longer validate over it. */
  const current = (file: Config): LoadedModule[] => {
    try {
      return resolveModules(overrides.layer(file), host.modules);
    } catch {
      return resolveModules(file, host.modules);
    }
  };
  // The whole change runs alone, so two changes at once never apply one without the other.
  const change = (key: string, override: StoredOverride | undefined, by: string): Promise<SettingChange> =>
    host.exclusive(() => changeNow(key, override, by));
  const changeNow = async (key: string, override: StoredOverride | undefined, by: string): Promise<SettingChange> => {
    assertSettable(key);
    const file = host.fileConfig();
    const before = current(file);
    const candidate = overrides.with(key, override);
    let modules: LoadedModule[];
    try {
      modules = resolveModules(overrides.layer(file, candidate), host.modules);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // Only the lines about this key: another override made invalid by a file edit is not this change's fault.
      const lines = error.message.split('\n').filter((line) => line.startsWith(key));
      throw new SettingsError('invalid', lines.length > 0 ? lines.join('; ') : error.message.replace(/\n/g, '; '));
    }
    const old = effectiveOf(before, key);
    const next = effectiveOf(modules, key);
    try {
      await host.apply(overrides.layer(file, candidate), modules);
    } catch (error) {
      throw new SettingsError('not-applied', `${key}: ${(error as Error).message}`);
    }
    await overrides.save(key, override);
    host.logger.info(
      { audit: true, admin: by, action: override ? 'setting.set' : 'setting.reset', target: key, old, new: next },
      `setting ${key} changed by ${by}: ${JSON.stringify(old)} → ${JSON.stringify(next)}`,
    );
    return { key, old, new: next };
  };
  return {
    keys: SETTABLE_KEYS,
    list() {
      const file = host.fileConfig();
      const modules = current(file);
      const loaded = host.loaded();
      return SETTABLE_KEYS.map((key) => {
        const override = overrides.values.get(key);
        return {
          key,
          file: valueAt(file, key),
          effective: effectiveOf(modules, key),
          ...(override ? { override } : {}),
          isAvailable: loaded.has(key.split('.')[1]!),
        };
      });
    },
    set: (key, value, by) => change(key, { value, by, at: new Date().toISOString() }, by),
    reset: (key, by) => change(key, undefined, by),
  };
}
