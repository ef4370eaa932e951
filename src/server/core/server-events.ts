// Lifecycle events the core emits for modules (presence, offline delivery, admin, metrics).
import type { Jid } from '../../protocol/jid.js';
import type { RosterItem } from '../storage/types.js';
import type { ClientSession } from './session.js';

export interface ServerEvents {
  'session-bound': [session: ClientSession];
  'session-closed': [session: ClientSession];
  /** Initial or updated available presence; `isInitial` when the session was unavailable. */
  'session-available': [session: ClientSession, isInitial: boolean];
  /** A contact is about to be removed from `owner`'s roster (RFC 6121 §2.5.2). */
  'roster-removing': [owner: Jid, item: RosterItem];
  shutdown: [];
}
