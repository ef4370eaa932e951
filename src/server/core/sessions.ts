// The in-process session directory: bound sessions by bare JID then resource.
// Most accounts have one resource bound: such an account maps straight to its session, and gets
// a table of resources only when a second one binds (a Map costs a few hundred bytes).
import type { Jid } from '@ferry/protocol/jid';
import type { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Element } from '@ferry/protocol/xml/element';
import type { ClientSession, LocalSession, SessionInfo } from './session.js';
import type { SessionBinding } from './session-directory.js';

type Resources = ClientSession | Map<string, ClientSession>;

export class LocalSessionDirectory implements SessionBinding {
  readonly #byBare = new Map<string, Resources>();
  #count = 0;

  /** Adds a session; returns the session it replaces (same full JID), which the caller closes. */
  add(session: ClientSession): ClientSession | undefined {
    const bare = session.jid.bare().toString();
    const resource = session.jid.resource;
    const entry = this.#byBare.get(bare);
    if (entry === undefined) {
      this.#byBare.set(bare, session);
      this.#count += 1;
      return undefined;
    }
    if (entry instanceof Map) {
      const replaced = entry.get(resource);
      entry.set(resource, session);
      if (!replaced) this.#count += 1;
      return replaced;
    }
    if (entry.jid.resource === resource) {
      this.#byBare.set(bare, session);
      return entry;
    }
    this.#byBare.set(
      bare,
      new Map([
        [entry.jid.resource, entry],
        [resource, session],
      ]),
    );
    this.#count += 1;
    return undefined;
  }

  remove(session: ClientSession): boolean {
    const bare = session.jid.bare().toString();
    const entry = this.#byBare.get(bare);
    if (entry === undefined) return false;
    if (!(entry instanceof Map)) {
      if (entry !== session) return false;
      this.#byBare.delete(bare);
    } else {
      if (entry.get(session.jid.resource) !== session) return false;
      entry.delete(session.jid.resource);
      if (entry.size === 1) this.#byBare.set(bare, entry.values().next().value!);
    }
    this.#count -= 1;
    return true;
  }

  get(full: Jid): ClientSession | undefined {
    const entry = this.#byBare.get(full.bare().toString());
    if (entry === undefined || entry instanceof Map) return entry?.get(full.resource);
    return entry.jid.resource === full.resource ? entry : undefined;
  }

  resources(bare: Jid | string): ClientSession[] {
    const entry = this.#byBare.get(typeof bare === 'string' ? bare : bare.bare().toString());
    if (entry === undefined) return [];
    return entry instanceof Map ? [...entry.values()] : [entry];
  }

  available(bare: Jid | string): ClientSession[] {
    return this.resources(bare).filter((session) => session.presence !== undefined);
  }

  local(): IterableIterator<ClientSession> {
    const entries = this.#byBare.values();
    return (function* () {
      for (const entry of entries) {
        if (entry instanceof Map) yield* entry.values();
        else yield entry;
      }
    })();
  }

  get size(): number {
    return this.#count;
  }

  setPresence(session: LocalSession, presence: Element | undefined, priority: number): void {
    const bound = this.#own(session);
    if (bound === undefined) return; // gone (or replaced) meanwhile: nothing routes to it any more
    bound.presence = presence;
    bound.priority = priority;
  }

  setRosterRequested(session: LocalSession): void {
    const bound = this.#own(session);
    if (bound !== undefined) bound.isRosterRequested = true;
  }

  close(session: SessionInfo, error: StreamError): void {
    this.#own(session)?.close(error);
  }

  /** The bound session object itself, when `session` is one this directory holds. */
  #own(session: SessionInfo): ClientSession | undefined {
    const bound = this.get(session.jid);
    return bound === session ? bound : undefined;
  }
}
