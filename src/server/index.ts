// `ferry/server`: run a Ferry XMPP server inside your own Node process — what `ferry server`
// does, as a library call. The handle is deliberately narrow (addresses, events, accounts, stop)
// so the core can keep changing behind it.
import { loadConfig, type Config, type ConfigInput } from './core/config.js';
import type { Logger } from './core/logger.js';
import { FerryServer, type ListeningAddresses } from './core/server.js';
import type { ServerEvents } from './core/server-events.js';
import type { ModuleDefinition } from './core/module.js';
import { builtinModules } from './modules/index.js';
import type { AccountStore } from './storage/types.js';
import { accountName } from './storage/shared/account-name.js';

export { loadConfig, ConfigError, type Config, type ConfigInput, type LoadConfigOptions } from './core/config.js';
export type { ListeningAddresses } from './core/server.js';
export type { LocalSession, SessionInfo } from './core/session.js';
// Your own modules (docs/adding-a-module.md), loaded beside the built-in ones with `modules`.
export { defineModule, type ModuleDefinition, type ModuleContext, type ModuleSpec } from './core/module.js';
export type { Logger } from './core/logger.js';
export { AccountExistsError, AccountNotFoundError, InvalidUsernameError } from './storage/types.js';

export interface StartServerOptions {
  /**
   * Settings, nested as in ferry.toml: `{ domain: 'example.org', c2s: { port: 0 } }`. Applied over
   * `configFile`; a `Config` from `loadConfig()` is accepted as is. Anything left out takes the
   * embedded default (README, Configuration).
   */
  config?: ConfigInput;
  /** A TOML file, as `ferry server --config`. */
  configFile?: string;
  /**
   * `FERRY_*` variables to apply over both, as the CLI does with `process.env`. Default: none, so
   * the host process's environment never changes an embedded server behind its back.
   */
  env?: NodeJS.ProcessEnv;
  /** A pino logger; default: one built from `config.log` (JSON, or pretty lines on a terminal). */
  logger?: Logger;
  /** Modules of your own, loaded with the built-in ones (configured under `modules.NAME` alike). */
  modules?: readonly ModuleDefinition[];
}

/** What a library user hears about: sessions coming and going, and shutdown. */
export type PublicServerEvents = Pick<
  ServerEvents,
  'session-bound' | 'session-closed' | 'session-available' | 'shutdown'
>;

export interface ServerEventSource {
  /** Returns a function that removes the listener. */
  on<K extends keyof PublicServerEvents>(event: K, listener: (...args: PublicServerEvents[K]) => void): () => void;
}

/** Account administration, as `ferry adduser` and friends; usernames are prepared (lowercase + NFKC). */
export type AccountAdmin = Omit<AccountStore, 'scramCredentials'>;

export interface RunningServer {
  /** The validated configuration, defaults filled in. */
  readonly config: Config;
  readonly events: ServerEventSource;
  readonly accounts: AccountAdmin;
  /** Where each listener is bound; ports asked for as 0 show the port the system chose. */
  addresses(): ListeningAddresses;
  /** Closes every stream with system-shutdown, then listeners, modules and storage. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a Ferry server and resolves once every listener accepts connections.
 *
 * ```ts
 * import { startServer } from 'ferry/server';
 * const server = await startServer({ config: { domain: 'localhost', data_dir: './data', c2s: { port: 0 } } });
 * await server.accounts.create('alice', 'a long passphrase');
 * server.events.on('session-bound', (session) => console.log(`${session.jid} is online`));
 * console.log(server.addresses().c2s?.port);
 * await server.stop();
 * ```
 *
 * @throws ConfigError when a setting is unknown or invalid (the message names the key); nothing
 *   is opened then. Any other start-up failure (a port in use) stops what was started and rethrows.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = loadConfig({
    env: options.env ?? {},
    ...(options.configFile !== undefined ? { file: options.configFile } : {}),
    ...(options.config !== undefined ? { values: options.config } : {}),
  });
  const server = new FerryServer({
    config,
    modules: [...builtinModules, ...(options.modules ?? [])],
    ...(options.logger ? { logger: options.logger } : {}),
  });
  try {
    await server.start();
  } catch (error) {
    await server.stop().catch(() => {});
    throw error;
  }
  const { storage } = server;
  return {
    config,
    events: server.events,
    accounts: {
      create: (username, password) => storage.accounts.create(username, password),
      setPassword: (username, password) => storage.accounts.setPassword(username, password),
      delete: async (username) => {
        const isDeleted = await storage.accounts.delete(username);
        // Modules keeping data outside the database (HTTP upload's blobs) clean up on this.
        if (isDeleted) server.events.emit('account-deleted', accountName(username));
        return isDeleted;
      },
      exists: (username) => storage.accounts.exists(username),
      list: () => storage.accounts.list(),
    },
    addresses: () => server.addresses(),
    stop: () => server.stop(),
  };
}
