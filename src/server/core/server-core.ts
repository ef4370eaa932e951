// The server without its network: storage, session directory, router, events and the loaded
// modules, with the context each module gets. FerryServer adds TLS, listeners and streams around
// it; the module test harness uses it as it is, with in-memory storage and fake sessions.
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { Router } from './router.js';
import { LocalSessionDirectory } from './sessions.js';
import type { SessionBinding } from './session-directory.js';
import { TypedEmitter } from './typed-emitter.js';
import { ServerCounters } from './counters.js';
import type { ServerEvents } from './server-events.js';
import type { ModuleContext, ModuleStoreDefinition, Teardown } from './module.js';
import type { Services } from './services.js';
import type { LoadedModule } from './load-modules.js';
import type { Storage, StoreDefinition } from '../storage/types.js';
import { PreAuthHooks } from '../stream/pre-auth-hooks.js';
import type { HttpRoutes } from '../transport/http/index.js';

export interface ServerCoreOptions {
  config: Config;
  logger: Logger;
  storage: Storage;
  http: HttpRoutes;
  /** Another directory than the in-process one: a cluster's, which also knows other nodes' sessions. */
  sessions?: SessionBinding;
}

export class ServerCore {
  readonly config: Config;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly http: HttpRoutes;
  readonly sessions: SessionBinding;
  readonly events: TypedEmitter<ServerEvents>;
  readonly router: Router;
  readonly preAuth = new PreAuthHooks();
  readonly counters = new ServerCounters();
  readonly #teardowns: Teardown[] = [];
  readonly #services = new Map<string, unknown>();
  readonly #loaded = new Set<string>();
  readonly #reloaders = new Map<string, (options: unknown) => readonly string[] | Promise<readonly string[]>>();

  constructor(options: ServerCoreOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.storage = options.storage;
    this.http = options.http;
    this.sessions = options.sessions ?? new LocalSessionDirectory();
    this.events = new TypedEmitter<ServerEvents>((error, event) =>
      this.logger.error({ err: error, event }, 'an event listener failed'),
    );
    this.router = new Router({
      domain: this.config.domain,
      sessions: this.sessions,
      logger: this.logger,
      counters: this.counters,
    });
    // A session's IBB sessions end with it, whatever ends it.
    this.events.on('session-closed', (session) => this.router.ibbSessions.sessionEnded(session.jid.toString()));
  }

  /** Sets the modules up in the given (dependency) order. */
  async load(modules: readonly LoadedModule[]): Promise<void> {
    for (const { definition, options } of modules) {
      const teardown = await definition.setup(this.#context(definition.name), options as never);
      this.#loaded.add(definition.name);
      if (teardown) this.#teardowns.push(teardown);
      this.logger.debug({ module: definition.name }, 'module loaded');
    }
  }

  /** A service a loaded module provides; undefined when none does. */
  service<K extends keyof Services>(name: K): Services[K] | undefined {
    return this.#services.get(name) as Services[K] | undefined;
  }

  /**
   * Hands each loaded module that can take new options (ctx.onReload) its options from a reloaded
   * configuration; returns the keys applied (`modules.<name>.<key>`). A module that throws applies
   * nothing: logged, or with `isStrict` (a change an operator is waiting on) rethrown.
   */
  async reloadModules(modules: readonly LoadedModule[], { isStrict = false } = {}): Promise<string[]> {
    const applied: string[] = [];
    for (const { definition, options } of modules) {
      const apply = this.#reloaders.get(definition.name);
      if (apply === undefined) continue;
      try {
        for (const key of await apply(options)) applied.push(`modules.${definition.name}.${key}`);
      } catch (error) {
        if (isStrict) throw error;
        this.logger.error({ err: error, module: definition.name }, 'module failed to take its reloaded options');
      }
    }
    return applied;
  }

  /** A service of the server itself (not of a module), such as the settings. */
  provide<K extends keyof Services>(name: K, service: Services[K]): void {
    if (this.#services.has(name)) throw new Error(`service ${String(name)} provided twice`);
    this.#services.set(name, service);
  }

  /** The names of the modules loaded. */
  get loadedModules(): ReadonlySet<string> {
    return this.#loaded;
  }

  /** Runs every module's teardown, last loaded first; a failing one is logged and the rest still run. */
  async unload(): Promise<void> {
    this.#reloaders.clear();
    for (const teardown of this.#teardowns.splice(0).reverse()) {
      try {
        await teardown();
      } catch (error) {
        this.logger.error({ err: error }, 'module teardown failed');
      }
    }
  }

  #context(moduleName: string): ModuleContext {
    const logger = this.logger.child({ module: moduleName });
    const storeName = (definition: ModuleStoreDefinition<unknown> | undefined) =>
      definition?.name === undefined ? moduleName : `${moduleName}:${definition.name}`;
    const teardowns = this.#teardowns;
    const router = this.router;
    return {
      domain: this.config.domain,
      config: this.config,
      logger,
      storage: this.storage,
      sessions: this.sessions,
      router,
      events: this.events,
      preAuth: this.preAuth,
      counters: this.counters,
      http: this.http.forModule(moduleName, (teardown) => teardowns.push(teardown)),
      onIq: (match, handler) => teardowns.push(router.onIq(match, handler)),
      on: (kind, address, handler, priority) => teardowns.push(router.on(kind, address, handler, priority)),
      onRemote: (handler, priority) => teardowns.push(router.onRemote(handler, priority)),
      send: (to, stanza) => router.deliver(to, stanza),
      addOutboundFilter: (filter, priority) => teardowns.push(router.addOutboundFilter(filter, priority)),
      openKeyValue: (definition) =>
        this.storage.openKeyValue({ ...definition, name: storeName(definition) } as StoreDefinition<never>),
      openList: (definition) =>
        this.storage.openList({ ...definition, name: storeName(definition) } as StoreDefinition<never>),
      provide: (name, service) => {
        if (this.#services.has(name)) throw new Error(`service ${String(name)} provided twice`);
        this.#services.set(name, service);
      },
      require: <K extends keyof Services>(name: K): Services[K] => {
        const service = this.#services.get(name);
        if (service === undefined)
          throw new Error(`module ${moduleName} requires service ${String(name)}, which no loaded module provides`);
        return service as Services[K];
      },
      service: (name) => this.service(name),
      onTeardown: (teardown) => teardowns.push(teardown),
      onReload: (apply) => {
        this.#reloaders.set(moduleName, apply as (options: unknown) => readonly string[] | Promise<readonly string[]>);
      },
    };
  }
}
