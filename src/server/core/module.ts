// The module contract: a module declares what it implements (for docs/protocol-support.md), what
// it depends on, and its options schema with defaults; setup() hooks the router and may return a
// teardown. Modules share typed services through the context, never singletons.
import type { z } from 'zod';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Router } from './router.js';
import type { SessionRegistry } from './sessions.js';
import type { Storage } from '../storage/types.js';
import type { TypedEmitter } from './typed-emitter.js';
import type { ServerEvents } from './server-events.js';
import type { Services } from './services.js';
import type { PreAuthHooks } from '../stream/pre-auth-hooks.js';
import type { HttpRoutes } from '../transport/http-routes.js';
import type { IqHandler, IqMatch, StanzaHandler, AddressKind } from './routing-types.js';

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

export interface ModuleContext {
  readonly domain: string;
  readonly config: Config;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly sessions: SessionRegistry;
  readonly router: Router;
  readonly events: TypedEmitter<ServerEvents>;
  /** Stream features and IQs offered before authentication (in-band registration); features after it. */
  readonly preAuth: PreAuthHooks;
  /** Routes on the HTTP/HTTPS listeners (upload, admin console). */
  readonly http: HttpRoutes;
  onIq(match: IqMatch, handler: IqHandler): void;
  on(kind: 'message' | 'presence', address: AddressKind, handler: StanzaHandler, priority?: number): void;
  provide<K extends keyof Services>(name: K, service: Services[K]): void;
  require<K extends keyof Services>(name: K): Services[K];
  /** Registers cleanup run at shutdown, in reverse order. */
  onTeardown(teardown: Teardown): void;
}

export interface ModuleDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly spec: ModuleSpec | readonly ModuleSpec[];
  readonly depends?: readonly string[];
  /** Loaded unless the config says `[modules.NAME] enabled = false` (or true for opt-in ones). */
  readonly enabledByDefault?: boolean;
  readonly options?: Schema;
  setup(ctx: ModuleContext, options: z.output<Schema>): void | Teardown | Promise<void | Teardown>;
}

export function defineModule<Schema extends z.ZodType = z.ZodType>(
  definition: ModuleDefinition<Schema>,
): ModuleDefinition<Schema> {
  return definition;
}
