// This node's copy of the sessions bound to the other nodes, kept current by the session events
// (mirror-sync.ts), so routing to them costs a map lookup and no Redis round trip per stanza.
import type { Jid } from '@ferry/protocol/jid';
import type { Element } from '@ferry/protocol/xml/element';
import type { SessionInfo } from '../core/session.js';
import { presenceElement, type SessionEntry } from './session-entry.js';

/** A session bound to another node: routing hands stanzas for it to the cluster's remote route. */
export class RemoteSession implements SessionInfo {
  readonly jid: Jid;
  readonly isLocal = false;
  readonly node: string;
  readonly sid: string;
  readonly presence: Element | undefined;
  readonly priority: number;
  readonly isRosterRequested: boolean;

  constructor(jid: Jid, entry: SessionEntry) {
    this.jid = jid;
    this.node = entry.node;
    this.sid = entry.sid;
    this.priority = entry.priority;
    this.isRosterRequested = entry.isRosterRequested;
    // A stored presence that does not parse as one is treated as no presence: unavailable.
    this.presence = entry.presence === undefined ? undefined : presenceElement(entry.presence);
  }
}

const NONE: readonly RemoteSession[] = [];

export class RemoteMirror {
  /** bare JID → resource → session. */
  readonly #byBare = new Map<string, Map<string, RemoteSession>>();
  #count = 0;

  get size(): number {
    return this.#count;
  }

  get(full: Jid): RemoteSession | undefined {
    return this.#byBare.get(full.bare().toString())?.get(full.resource);
  }

  resources(bare: string): readonly RemoteSession[] {
    const resources = this.#byBare.get(bare);
    return resources === undefined ? NONE : [...resources.values()];
  }

  /** How many sessions each node has, by node id. */
  countByNode(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const resources of this.#byBare.values()) {
      for (const session of resources.values()) counts.set(session.node, (counts.get(session.node) ?? 0) + 1);
    }
    return counts;
  }

  /** Every session of one node (a dead node's, for its contacts' sake). */
  ofNode(node: string): RemoteSession[] {
    const out: RemoteSession[] = [];
    for (const resources of this.#byBare.values()) {
      for (const session of resources.values()) if (session.node === node) out.push(session);
    }
    return out;
  }

  set(session: RemoteSession): void {
    const bare = session.jid.bare().toString();
    let resources = this.#byBare.get(bare);
    if (resources === undefined) {
      resources = new Map();
      this.#byBare.set(bare, resources);
    }
    if (!resources.has(session.jid.resource)) this.#count += 1;
    resources.set(session.jid.resource, session);
  }

  /** Removes the entry only if it is still this bind (`sid`): a later bind elsewhere stays. */
  delete(full: Jid, sid: string): void {
    const bare = full.bare().toString();
    const resources = this.#byBare.get(bare);
    if (resources?.get(full.resource)?.sid !== sid) return;
    resources.delete(full.resource);
    this.#count -= 1;
    if (resources.size === 0) this.#byBare.delete(bare);
  }

  /** Forgets every session of a node; returns them. */
  dropNode(node: string): RemoteSession[] {
    const dropped = this.ofNode(node);
    for (const session of dropped) this.delete(session.jid, session.sid);
    return dropped;
  }

  /** Forgets one full JID whatever bind it is (it is bound here now). */
  forget(full: Jid): void {
    const existing = this.get(full);
    if (existing !== undefined) this.delete(full, existing.sid);
  }

  clear(): void {
    this.#byBare.clear();
    this.#count = 0;
  }
}
