// The session directory of a cluster node: this node's sessions as the in-process directory holds
// them, plus the mirror of every other node's. Lookups never go to Redis; binds, presence and
// roster-request changes are announced to the other nodes as they happen.
import { randomUUID } from 'node:crypto';
import type { Jid } from '@ferry/protocol/jid';
import type { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Element } from '@ferry/protocol/xml/element';
import { LocalSessionDirectory } from '../core/sessions.js';
import type { SessionBinding } from '../core/session-directory.js';
import type { ClientSession, LocalSession, SessionInfo } from '../core/session.js';
import { RemoteMirror, RemoteSession } from './remote-mirror.js';
import type { SessionAnnouncer } from './session-announcer.js';
import { storedPresence, type SessionEntry } from './session-entry.js';

interface Bind {
  readonly sid: string;
  /** This node has seen its own announcement come back on the events channel. */
  isEchoed: boolean;
}

export class ClusterSessionDirectory implements SessionBinding {
  readonly node: string;
  readonly mirror = new RemoteMirror();
  readonly #local = new LocalSessionDirectory();
  readonly #binds = new WeakMap<ClientSession, Bind>();
  #announcer: SessionAnnouncer | undefined;
  /** Asks the node a remote session is bound to to close it (set by the cluster node). */
  #closeRemote: (session: RemoteSession, error: StreamError) => void = () => {};

  constructor(node: string) {
    this.node = node;
  }

  /** Wires the Redis side once it is connected; until then the directory is local only. */
  attach(announcer: SessionAnnouncer, closeRemote: (session: RemoteSession, error: StreamError) => void): void {
    this.#announcer = announcer;
    this.#closeRemote = closeRemote;
  }

  add(session: ClientSession): ClientSession | undefined {
    const replaced = this.#local.add(session);
    this.mirror.forget(session.jid);
    this.#binds.set(session, { sid: randomUUID(), isEchoed: false });
    this.#announce(session, true);
    return replaced;
  }

  remove(session: ClientSession): boolean {
    if (!this.#local.remove(session)) return false;
    const bind = this.#binds.get(session);
    if (bind !== undefined) void this.#announcer?.delete(session.jid, bind.sid);
    return true;
  }

  get(full: Jid): SessionInfo | undefined {
    return this.#local.get(full) ?? this.mirror.get(full);
  }

  resources(bare: Jid | string): SessionInfo[] {
    const key = typeof bare === 'string' ? bare : bare.bare().toString();
    const local: SessionInfo[] = this.#local.resources(key);
    const remote = this.mirror.resources(key);
    return remote.length === 0 ? local : [...local, ...remote];
  }

  available(bare: Jid | string): SessionInfo[] {
    return this.resources(bare).filter((session) => session.presence !== undefined);
  }

  /** Bound to this node only. */
  getLocal(full: Jid): ClientSession | undefined {
    return this.#local.get(full);
  }

  local(): Iterable<ClientSession> {
    return this.#local.local();
  }

  get size(): number {
    return this.#local.size;
  }

  setPresence(session: LocalSession, presence: Element | undefined, priority: number): void {
    this.#local.setPresence(session, presence, priority);
    if (this.#local.get(session.jid) === session) this.#announce(session as ClientSession, false);
  }

  setRosterRequested(session: LocalSession): void {
    this.#local.setRosterRequested(session);
    if (this.#local.get(session.jid) === session) this.#announce(session as ClientSession, false);
  }

  close(session: SessionInfo, error: StreamError): void {
    if (session instanceof RemoteSession) this.#closeRemote(session, error);
    else this.#local.close(session, error);
  }

  /** This node's bind of `jid`, if it is bound here with that sid. */
  localBind(jid: Jid): { session: ClientSession; bind: Bind } | undefined {
    const session = this.#local.get(jid);
    const bind = session === undefined ? undefined : this.#binds.get(session);
    return session === undefined || bind === undefined ? undefined : { session, bind };
  }

  /**
   * A later bind of the same full JID on another node: RFC 6120 §7.7.2.2, the newer session wins.
   * Removed first, so the old one ends as a replaced session does on one node (no session-closed).
   */
  replaceByRemote(session: ClientSession, error: StreamError): void {
    this.#local.remove(session);
    session.close(error);
  }

  /** Announces every local session again (after Redis was away, or this node presumed dead). */
  announceAll(): void {
    for (const session of this.#local.local()) this.#announce(session, true);
  }

  #announce(session: ClientSession, isBind: boolean): void {
    const bind = this.#binds.get(session);
    if (bind === undefined || this.#announcer === undefined) return;
    if (isBind) bind.isEchoed = false;
    const entry: SessionEntry = {
      node: this.node,
      sid: bind.sid,
      priority: session.priority,
      presence: storedPresence(session.presence),
      isRosterRequested: session.isRosterRequested,
    };
    this.#announcer.set(session.jid, entry, isBind);
  }
}
