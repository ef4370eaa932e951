// Lifecycle events the core emits for modules (presence, offline delivery, admin, metrics).
import type { LocalSession } from './session.js';

export interface ServerEvents {
  'session-bound': [session: LocalSession];
  'session-closed': [session: LocalSession];
  /** Initial or updated available presence; `isInitial` when the session was unavailable. */
  'session-available': [session: LocalSession, isInitial: boolean];
  /**
   * An account was deleted while the server runs (startServer's accounts.delete, in-band removal),
   * with its prepared username; its roster and module-store data are already gone. Modules delete
   * what they keep elsewhere (HTTP upload: the blobs).
   */
  'account-deleted': [username: string];
  /**
   * The server's listeners are up: what listens where, by name (`c2s`, `c2s-direct-tls`, `http`,
   * `https`, `control`), as `host:port` or a socket path. Emitted once, after the modules are set up.
   */
  listening: [addresses: Readonly<Record<string, string>>];
  shutdown: [];
}
