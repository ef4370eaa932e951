// A bound client session as the router and modules see it; the stream that owns it lives in
// server/stream. Presence state sits here because routing decisions read it on every message.
import type { Jid } from '../../protocol/jid.js';
import type { StreamError } from '../../protocol/errors/stream-error.js';
import type { Element } from '../../protocol/xml/element.js';

export interface ClientSession {
  readonly id: string;
  readonly jid: Jid;
  readonly remoteAddress: string;
  /** The last available presence broadcast; undefined until initial presence and after unavailable. */
  presence: Element | undefined;
  priority: number;
  /** Full or bare JIDs that received directed presence and must hear about unavailability (RFC 6121 §4.6). */
  readonly directedPresence: Set<string>;
  /** Roster pushes go only to resources that asked for the roster (RFC 6121 §2.1.6). */
  isRosterRequested: boolean;
  send(stanza: Element): void;
  close(error?: StreamError): void;
}

export function isAvailable(session: ClientSession): boolean {
  return session.presence !== undefined;
}
