// Sessions as the router and modules see them. A SessionInfo is what the session directory knows
// of a bound resource wherever it is connected (this process today; another cluster node later):
// enough to route to it. A LocalSession is one bound to this process, with the state modules keep
// for it. Only the core holds a ClientSession, the one type that can write to a transport: every
// stanza for a session goes out through the router's outbound path (Router.deliver).
import type { Jid } from '@ferry/protocol/jid';
import type { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Element } from '@ferry/protocol/xml/element';
import type { TransportKind } from './counters.js';

export interface SessionInfo {
  readonly jid: Jid;
  /** Bound to this process: the outbound path writes to it; otherwise a remote route must claim it. */
  readonly isLocal: boolean;
  /** The last available presence broadcast; undefined until initial presence and after unavailable. */
  readonly presence: Element | undefined;
  /** RFC 6121 §4.7.2.3; 0 until presence says otherwise. */
  readonly priority: number;
  /** Roster pushes go only to resources that asked for the roster (RFC 6121 §2.1.6). */
  readonly isRosterRequested: boolean;
}

export interface LocalSession extends SessionInfo {
  readonly id: string;
  readonly remoteAddress: string;
  /** The client's port (absent for fake sessions and a socket that no longer knows it). */
  readonly remotePort?: number | undefined;
  /** What the client connected over, for operators (`ferry sessions`, the admin console). */
  readonly transport: TransportKind;
  /** Whether the stream is encrypted now (STARTTLS done, direct TLS, wss). */
  readonly isSecure: boolean;
  /** When the resource was bound, ms since the epoch. */
  readonly since: number;
  /** Full or bare JIDs that received directed presence and must hear about unavailability (RFC 6121 §4.6). */
  readonly directedPresence: Set<string>;
}

/** Core-only: the directory updates the routing state, the outbound path writes. */
export interface ClientSession extends LocalSession {
  presence: Element | undefined;
  priority: number;
  isRosterRequested: boolean;
  /** Writes to the transport as-is. Only the outbound path calls this. */
  send(stanza: Element): void;
  close(error?: StreamError): void;
}

export function isAvailable(session: SessionInfo): boolean {
  return session.presence !== undefined;
}
