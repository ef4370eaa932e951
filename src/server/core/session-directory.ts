// The session directory: who is bound where, and what bare-JID routing needs to know of them
// (available presence, priority, whether the roster was requested). Modules read and update
// sessions through it and never through another session's fields, so that a cluster can answer
// for sessions bound to other nodes behind the same interface (their SessionInfo has isLocal
// false, and the router's outbound path hands stanzas for them to a remote route).
import type { Jid } from '@ferry/protocol/jid';
import type { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Element } from '@ferry/protocol/xml/element';
import type { ClientSession, LocalSession, SessionInfo } from './session.js';

export interface SessionDirectory {
  /** The session bound to this full JID, wherever it is. */
  get(full: Jid): SessionInfo | undefined;
  /** Every bound resource of an account, available or not. */
  resources(bare: Jid | string): SessionInfo[];
  /** Resources that sent available presence. */
  available(bare: Jid | string): SessionInfo[];
  /** The sessions bound to this process. */
  local(): Iterable<LocalSession>;
  /** How many sessions are bound (to this process, for the in-process directory). */
  readonly size: number;
  /** Available presence (with its priority) or, with undefined, unavailable: what routing reads. */
  setPresence(session: LocalSession, presence: Element | undefined, priority: number): void;
  /** From now on the session receives roster pushes (RFC 6121 §2.1.6). */
  setRosterRequested(session: LocalSession): void;
  /** Ends the session's stream with this error (account removed, replaced, kicked). */
  close(session: SessionInfo, error: StreamError): void;
}

/**
 * What the c2s stream and the server need besides the modules' view: binding and unbinding the
 * sessions of this process. LocalSessionDirectory is one; a cluster's directory is another.
 */
export interface SessionBinding extends SessionDirectory {
  /** Adds a session; returns the session it replaces (same full JID), which the caller closes. */
  add(session: ClientSession): ClientSession | undefined;
  /** False when the session was no longer bound (replaced, or removed already). */
  remove(session: ClientSession): boolean;
  local(): Iterable<ClientSession>;
}
