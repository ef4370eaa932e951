// The module contract: a module declares what it implements (for docs/protocol-support.md), what
// it depends on, and its options schema with defaults; setup() hooks the router and may return a
// teardown. Modules share typed services through the context, never singletons.
import type { z } from 'zod';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Router } from './router.js';
import type { SessionDirectory } from './session-directory.js';
import type { SessionInfo } from './session.js';
import type { KeyValueStore, ListStore, Storage, StoreDefinition } from '../storage/types.js';
import type { TypedEmitter } from './typed-emitter.js';
import type { ServerEvents } from './server-events.js';
import type { Services } from './services.js';
import type { ServerCounters } from './counters.js';
import type { PreAuthHooks } from '../stream/pre-auth-hooks.js';
import type { HttpService } from '../transport/http/index.js';
import type { AddressKind, IqHandler, IqMatch, OutboundFilter, RemoteHandler, StanzaHandler } from './routing-types.js';
import type { Element } from '@ferry/protocol/xml/element';

export interface ModuleSpec {
  /** XEP number, or an RFC as `rfc`. */
  xep?: number;
  rfc?: number;
  /** Section or title for RFC rows, e.g. "§2 roster management". */
  title?: string;
  version?: string;
  status: 'complete' | 'partial' | 'planned';
  note?: string;
}

export type Teardown = () => void | Promise<void>;

/** A module's own store: named after the module, or `module:name` when it has several. */
export type ModuleStoreDefinition<S> = Omit<StoreDefinition<S>, 'name'> & { readonly name?: string };

export interface ModuleContext {
  readonly domain: string;
  readonly config: Config;
  readonly logger: Logger;
  /** Accounts, rosters and offline messages; modules keep their own data in stores they open. */
  readonly storage: Storage;
  readonly sessions: SessionDirectory;
  readonly router: Router;
  readonly events: TypedEmitter<ServerEvents>;
  /** Stream features and IQs offered before authentication (in-band registration); features after it. */
  readonly preAuth: PreAuthHooks;
  /** What the core counts (connections, logins, stanzas, routing errors, IBB): read them, never write. */
  readonly counters: Readonly<ServerCounters>;
  /** Routes on the HTTP/HTTPS listeners (upload, admin console); removed at the module's teardown. */
  readonly http: HttpService;
  onIq(match: IqMatch, handler: IqHandler): void;
  on(kind: 'message' | 'presence', address: AddressKind, handler: StanzaHandler, priority?: number): void;
  /** Claims stanzas for other domains or for sessions bound elsewhere (s2s, cluster). */
  onRemote(handler: RemoteHandler, priority?: number): void;
  /** Sends to a session through the outbound path: the only way a module writes to a session. */
  send(to: SessionInfo, stanza: Element): void;
  /** Sees every stanza on its way to a session (higher priority first). */
  addOutboundFilter(filter: OutboundFilter, priority?: number): void;
  openKeyValue<V>(definition?: ModuleStoreDefinition<KeyValueStore<V>>): Promise<KeyValueStore<V>>;
  openList<V>(definition?: ModuleStoreDefinition<ListStore<V>>): Promise<ListStore<V>>;
  provide<K extends keyof Services>(name: K, service: Services[K]): void;
  require<K extends keyof Services>(name: K): Services[K];
  /** A service used only when its module is loaded (metrics reading upload storage); call it after setup. */
  service<K extends keyof Services>(name: K): Services[K] | undefined;
  /** Registers cleanup run at shutdown, in reverse order. */
  onTeardown(teardown: Teardown): void;
  /**
   * Options this module can change while it runs: on a configuration reload (SIGHUP, `ferry
   * reload`) `apply` gets the module's new options, validated, and returns the option keys it
   * applied; any other changed key of the module is logged as needing a restart. The console's
   * settings come the same way; a change that cannot be made (a port in use) throws, having changed nothing.
   */
  onReload<O>(apply: (options: O) => readonly string[] | Promise<readonly string[]>): void;
}

export interface ModuleDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly spec: ModuleSpec | readonly ModuleSpec[];
  readonly depends?: readonly string[];
  /**
   * Loaded unless the config says `[modules.NAME] enabled = false` (or true for opt-in ones). A
   * function decides from the configuration (the admin console: on when `admins` lists someone).
   */
  readonly enabledByDefault?: boolean | ((config: Config) => boolean);
  readonly options?: Schema;
  setup(ctx: ModuleContext, options: z.output<Schema>): void | Teardown | Promise<void | Teardown>;
}

export function defineModule<Schema extends z.ZodType = z.ZodType>(
  definition: ModuleDefinition<Schema>,
): ModuleDefinition<Schema> {
  return definition;
}
