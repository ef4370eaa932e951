// Lifecycle events the core emits for modules (presence, offline delivery, admin, metrics).
import type { LocalSession } from './session.js';

export interface ServerEvents {
  'session-bound': [session: LocalSession];
  'session-closed': [session: LocalSession];
  /** Initial or updated available presence; `isInitial` when the session was unavailable. */
  'session-available': [session: LocalSession, isInitial: boolean];
  shutdown: [];
}
