// The composition root: storage, TLS, router, modules, listeners; and an orderly shutdown.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Config } from './config.js';
import { createLogger, reopenLogFile, type Logger } from './logger.js';
import type { Router } from './router.js';
import type { SessionBinding } from './session-directory.js';
import type { TypedEmitter } from './typed-emitter.js';
import type { ServerEvents } from './server-events.js';
import type { ModuleDefinition } from './module.js';
import type { Services } from './services.js';
import { resolveModules, type LoadedModule } from './load-modules.js';
import { LIVE_KEYS, ReloadError, adopt, changedKeys, prepareReload, type ReloadReport } from './reload.js';
import { ServerCore } from './server-core.js';
import { SettingsOverrides } from './settings-overrides.js';
import { settingsService } from './settings-service.js';
import { openStorage, storageOptions } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { loadOrCreateCertificate } from '../transport/certificate.js';
import { startListeners, type ListenerSet } from '../transport/listeners.js';
import { C2sStream, refuseStream, type C2sOptions } from '../stream/c2s-stream.js';
import { LoginThrottle } from '../stream/auth-throttle.js';
import { NoncePool } from '../stream/nonce-pool.js';
import { HttpRoutes } from '../transport/http/index.js';
import { RefusalLog } from '../policy/refusal-log.js';
import type { StreamTransport } from '../transport/stream-transport.js';
import { builtinModules } from '../modules/index.js';
import { CONTROL_SOCKET_NAME } from '../control/control-protocol.js';
import { ensureNoLiveServer, startControlServer, type ControlServer } from '../control/control-server.js';
import { controlHandler } from '../control/control-handler.js';
import { ClusterNode } from '../cluster/index.js';

export interface ServerOptions {
  config: Config;
  logger?: Logger;
  modules?: readonly ModuleDefinition[];
  /** Reads the configuration again (the file, env, flags) for reload(); without it reload() is refused. */
  reloadConfig?: () => Config;
}

export interface ListeningAddresses {
  c2s?: AddressInfo;
  directTls?: AddressInfo;
  http?: AddressInfo;
  https?: AddressInfo;
  [name: string]: AddressInfo | undefined;
}

export class FerryServer {
  readonly config: Config;
  readonly logger: Logger;
  readonly http: HttpRoutes;
  #core: ServerCore | undefined;
  #cluster: ClusterNode | undefined;
  #listeners: ListenerSet | undefined;
  readonly #streams = new Set<C2sStream>();
  /** Streams in #streams that have not authenticated yet (limits.max_unauthenticated_connections). */
  #unauthenticated = 0;
  readonly #refusals: RefusalLog;
  readonly #extraListeners = new Map<string, NetServer>();
  readonly #modules: readonly ModuleDefinition[];
  #isStopping = false;
  #control: ControlServer | undefined;
  readonly #reloadConfig: (() => Config) | undefined;
  readonly #ownsLogger: boolean;
  /** What runs now: the start-up config with what reloads applied (the base reloads compare with). */
  #running: Config;
  /** The c2s options objects streams read their TLS context from at STARTTLS (one per policy). */
  #c2s: C2sOptions[] = [];
  #reloading: Promise<unknown> = Promise.resolve();
  /** The configuration as the file says (the start-up one, then each reload's); overrides go over it. */
  #fileConfig: Config;
  #overrides: SettingsOverrides | undefined;

  constructor(options: ServerOptions) {
    this.config = options.config;
    this.logger = options.logger ?? createLogger(options.config.log);
    this.#ownsLogger = options.logger === undefined;
    this.http = new HttpRoutes({ config: this.config, logger: this.logger });
    this.#modules = options.modules ?? builtinModules;
    this.#refusals = new RefusalLog(this.logger);
    this.#reloadConfig = options.reloadConfig;
    this.#running = options.config;
    this.#fileConfig = options.config;
  }

  get #started(): ServerCore {
    if (!this.#core) throw new Error('server not started');
    return this.#core;
  }

  get storage(): Storage {
    return this.#started.storage;
  }

  get sessions(): SessionBinding {
    return this.#started.sessions;
  }

  get router(): Router {
    return this.#started.router;
  }

  get events(): TypedEmitter<ServerEvents> {
    return this.#started.events;
  }

  async start(): Promise<void> {
    const { config } = this;
    const modules = resolveModules(config, this.#modules); // fail on bad config before touching disk
    mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
    // Before the database is opened: a second server on this data directory stops here.
    const controlPath = join(config.data_dir, CONTROL_SOCKET_NAME);
    if ((await ensureNoLiveServer(controlPath)) === 'stale') {
      this.logger.info({ path: controlPath }, 'removed a stale control socket (a server that did not stop cleanly)');
    }
    const storage = await openStorage({
      ...storageOptions(config),
      onBackgroundError: (error) => this.logger.warn({ err: error }, 'storage: a pooled database connection failed'),
    });
    // A cluster node's directory also knows the other nodes' sessions (docs/cluster.md).
    const cluster = config.cluster === undefined ? undefined : new ClusterNode(config, config.cluster, this.logger);
    const core = new ServerCore({ config, logger: this.logger, storage, http: this.http, sessions: cluster?.sessions });
    this.#core = core;
    if (cluster !== undefined) core.provide('cluster', { view: () => cluster.view() });
    const overrides = await SettingsOverrides.open(storage);
    this.#overrides = overrides;
    core.provide(
      'settings',
      settingsService({
        overrides,
        modules: this.#modules,
        logger: this.logger,
        fileConfig: () => this.#fileConfig,
        loaded: () => core.loadedModules,
        exclusive: (work) => this.#queue(work),
        apply: (effective, loaded) => this.#applySettings(effective, loaded),
      }),
    );
    // The console's and the CLI's overrides over the file, from the first moment (settings-overrides.ts).
    const effective = this.#layerOverrides(config, modules);
    this.#running = effective.config;
    const certificate = await loadOrCreateCertificate({
      dataDir: config.data_dir,
      domain: config.domain,
      certFile: config.tls.cert_file,
      keyFile: config.tls.key_file,
    });
    this.logger.info({ certificate: certificate.source }, 'TLS certificate');
    const secureContext = createSecureContext({ cert: certificate.cert, key: certificate.key });
    await core.load(effective.modules);
    // Joined before the listeners start; on failure stop() unloads and closes, as for a port in use.
    await cluster?.start(core.router, storage);
    this.#cluster = cluster;
    const throttle = new LoginThrottle({
      baseDelayMs: config.limits.auth_failure_delay_ms,
      accountFailures: config.limits.max_auth_failures_per_account,
      windowMs: config.limits.auth_failure_window_seconds * 1000,
    });
    const nonces = new NoncePool();
    const c2sOptions = (requireTls: boolean): C2sOptions => ({
      domain: config.domain,
      requireTls,
      secureContext,
      authTimeoutMs: config.limits.auth_timeout_seconds * 1000,
      maxAuthFailures: config.limits.max_auth_failures,
      credentials: storage.accounts,
      throttle,
      sessions: core.sessions,
      router: core.router,
      events: core.events,
      counters: core.counters,
      logger: this.logger,
      preAuth: core.preAuth,
      nonce: () => nonces.next(),
      onAuthenticated: () => (this.#unauthenticated -= 1),
      onEnded: (stream) => {
        if (!this.#streams.delete(stream)) return;
        core.counters.connectionsOpen[stream.transportKind] -= 1;
        if (!stream.isAuthenticated) this.#unauthenticated -= 1;
      },
    });
    // One options object per policy, shared by every stream it applies to.
    const byPolicy = { required: c2sOptions(true), optional: c2sOptions(false) };
    this.#c2s = [byPolicy.required, byPolicy.optional];
    this.#listeners = await startListeners({
      config,
      secureContext,
      certificate,
      logger: this.logger,
      http: this.http,
      admit: () => this.#refusal() === undefined,
      onStream: (transport: StreamTransport, requireTls: boolean) =>
        this.#accept(transport, requireTls ? byPolicy.required : byPolicy.optional),
    });
    this.#control = await startControlServer({
      path: controlPath,
      logger: this.logger,
      handle: controlHandler({
        operations: () => core.service('operations'),
        settings: () => core.service('settings'),
        reload: () => this.reload(),
      }),
    });
    core.events.emit('listening', this.#describeListeners());
    this.logger.info({ domain: config.domain, modules: modules.map((m) => m.definition.name) }, 'Ferry started');
  }

  addresses(): ListeningAddresses {
    const out: ListeningAddresses = { ...(this.#listeners?.addresses() ?? {}) };
    for (const [name, server] of this.#extraListeners) out[name] = server.address() as AddressInfo;
    return out;
  }

  /** This process as a cluster node; undefined when [cluster] is not configured. */
  get cluster(): ClusterNode | undefined {
    return this.#cluster;
  }

  /** A service a loaded module provides, e.g. the proxy's real port; undefined when none does. */
  service<K extends keyof Services>(name: K): Services[K] | undefined {
    return this.#core?.service(name);
  }

  /**
   * Re-reads the configuration and applies what can change live (reload.ts): the log level, the
   * certificate for new connections, the module options modules take (ctx.onReload); every other
   * changed key is logged as needing a restart. A
   * configuration that does not load, or a certificate that cannot be read, is refused with its
   * error and the running one stays. Reloads run one at a time.
   */
  reload(): Promise<ReloadReport> {
    return this.#queue(() => this.#reload());
  }

  /** Reloads and settings changes run one at a time, in order. */
  #queue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#reloading.then(work);
    this.#reloading = run.catch(() => {});
    return run;
  }

  /** `file` with the overrides over it; overrides that no longer validate are skipped, named in a warning. */
  #layerOverrides(file: Config, fileModules: LoadedModule[]): { config: Config; modules: LoadedModule[] } {
    const overrides = this.#overrides;
    if (overrides === undefined || overrides.values.size === 0) return { config: file, modules: fileModules };
    const config = overrides.layer(file);
    try {
      return { config, modules: resolveModules(config, this.#modules) };
    } catch (error) {
      this.logger.warn(
        { err: error, overrides: [...overrides.values.keys()] },
        "the console's setting overrides do not validate over this configuration file: the file's values are used (reset or set them again)",
      );
      return { config: file, modules: fileModules };
    }
  }

  /** A settings change: the reload path for the module options alone (no file read, no certificate). */
  async #applySettings(effective: Config, modules: LoadedModule[]): Promise<void> {
    if (this.#listeners === undefined || this.#isStopping) {
      throw new ReloadError('unavailable', 'the server is not running (starting or stopping)');
    }
    const applied = await this.#started.reloadModules(modules, { isStrict: true });
    this.#running = adopt(this.#running, effective, applied);
  }

  async #reload(): Promise<ReloadReport> {
    // First, and even when the new configuration is refused: logrotate sends SIGHUP after moving
    // log.file, and the server must not go on writing into the moved file.
    if (this.#ownsLogger && reopenLogFile(this.logger)) {
      this.logger.info({ file: this.config.log.file }, 'log file reopened');
    }
    if (this.#reloadConfig === undefined) {
      throw new ReloadError('unavailable', 'this server has no configuration source to re-read');
    }
    if (this.#listeners === undefined || this.#isStopping) {
      throw new ReloadError('unavailable', 'the server is not running (starting or stopping)');
    }
    const {
      next: file,
      modules: fileModules,
      certificate,
    } = await prepareReload({
      read: this.#reloadConfig,
      modules: this.#modules,
      dataDir: this.config.data_dir,
      domain: this.config.domain,
    }).catch((error: unknown) => {
      this.logger.error((error as Error).message);
      throw error;
    });
    // A logger the embedding application passed in is its own to configure, as at start.
    if (this.#ownsLogger) this.logger.level = file.log.level;
    const secureContext = createSecureContext({ cert: certificate.cert, key: certificate.key });
    for (const options of this.#c2s) options.secureContext = secureContext;
    this.#listeners.setCertificate(certificate);
    this.#fileConfig = file;
    const { config: next, modules } = this.#layerOverrides(file, fileModules);
    const moduleKeys = new Set(await this.#started.reloadModules(modules));
    const changed = changedKeys(this.#running, next);
    const restartNeeded = changed.filter((key) => !LIVE_KEYS.has(key) && !moduleKeys.has(key));
    for (const key of restartNeeded) {
      this.logger.warn({ key }, `${key} changed: restart ferry to apply it (the running value stays until then)`);
    }
    const appliedModuleKeys = changed.filter((key) => moduleKeys.has(key));
    this.#running = adopt(this.#running, next, [...LIVE_KEYS, ...appliedModuleKeys]);
    const applied = ['log.level', 'tls (certificate re-read)', ...appliedModuleKeys];
    this.logger.info(
      { level: next.log.level, certificate: certificate.source, restartNeeded },
      'configuration reloaded',
    );
    return { applied, restartNeeded };
  }

  /** Closes every stream with system-shutdown, stops listeners and modules, closes the database. */
  async stop(): Promise<void> {
    if (this.#isStopping) return;
    this.#isStopping = true;
    this.#core?.events.emit('shutdown');
    // First: from now on `ferry status` says no server is running.
    await this.#control?.close();
    const ended = [...this.#streams].map((stream) => stream.closed);
    for (const stream of this.#streams) stream.close(new StreamError('system-shutdown'));
    await Promise.race([Promise.all(ended), delay(2_500)]);
    // What the closed sessions set off (unavailable presence to contacts, on this node or through
    // the cluster) finishes before the modules and the cluster go away.
    await Promise.race([this.#core?.events.idle(), delay(2_500)]);
    await this.#listeners?.close();
    await this.#core?.unload();
    // After the streams: their unavailable presence reached the other nodes before this node leaves.
    await this.#cluster?.stop();
    await this.#core?.storage.close();
    this.logger.info('Ferry stopped');
  }

  /** What listens where, for operators: `host:port` by listener name, and the control socket's path. */
  #describeListeners(): Record<string, string> {
    const names: Record<string, string> = { c2s: 'c2s', directTls: 'c2s-direct-tls', http: 'http', https: 'https' };
    const out: Record<string, string> = {};
    for (const [name, address] of Object.entries(this.addresses())) {
      if (address === undefined) continue;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      out[names[name] ?? name] = `${host}:${address.port}`;
    }
    if (this.#control) out.control = this.#control.path;
    return out;
  }

  #accept(transport: StreamTransport, options: C2sOptions): void {
    if (this.#isStopping) {
      transport.destroy();
      return;
    }
    const refusal = this.#refusal();
    if (refusal) return refuseStream(transport, this.config.domain, refusal);
    this.#unauthenticated += 1;
    const counters = this.#started.counters;
    counters.connectionsAccepted[transport.kind] += 1;
    counters.connectionsOpen[transport.kind] += 1;
    this.#streams.add(new C2sStream(transport, options));
  }

  /**
   * Why a new stream cannot be taken now, if it cannot: a server-wide limit is reached. Logged
   * once a minute per limit. Sessions already authenticated are not affected.
   */
  #refusal(): StreamError | undefined {
    const { max_connections, max_unauthenticated_connections } = this.config.limits;
    if (this.#streams.size >= max_connections) {
      this.#refusals.refused(
        'limits.max_connections',
        { connections: this.#streams.size },
        'new client connections refused: the server holds limits.max_connections',
      );
      return new StreamError('resource-constraint', 'the server is at its connection limit; try again later');
    }
    if (this.#unauthenticated >= max_unauthenticated_connections) {
      this.#refusals.refused(
        'limits.max_unauthenticated_connections',
        { unauthenticated: this.#unauthenticated },
        'new client connections refused: too many are not authenticated yet',
      );
      return new StreamError('resource-constraint', 'too many connections are logging in; try again later');
    }
    return undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
