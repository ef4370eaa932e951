// Bound sessions by bare JID then resource: the routing table for message/presence/iq delivery.
import type { Jid } from '../../protocol/jid.js';
import type { ClientSession } from './session.js';

export class SessionRegistry {
  readonly #byBare = new Map<string, Map<string, ClientSession>>();
  #count = 0;

  /** Adds a session; returns the session it replaces (same full JID), which the caller closes. */
  add(session: ClientSession): ClientSession | undefined {
    const bare = session.jid.bare().toString();
    let resources = this.#byBare.get(bare);
    if (!resources) {
      resources = new Map();
      this.#byBare.set(bare, resources);
    }
    const replaced = resources.get(session.jid.resource);
    resources.set(session.jid.resource, session);
    if (!replaced) this.#count += 1;
    return replaced;
  }

  remove(session: ClientSession): boolean {
    const bare = session.jid.bare().toString();
    const resources = this.#byBare.get(bare);
    if (resources?.get(session.jid.resource) !== session) return false;
    resources.delete(session.jid.resource);
    if (resources.size === 0) this.#byBare.delete(bare);
    this.#count -= 1;
    return true;
  }

  get(full: Jid): ClientSession | undefined {
    return this.#byBare.get(full.bare().toString())?.get(full.resource);
  }

  /** Every bound resource of an account, available or not. */
  resources(bare: Jid | string): ClientSession[] {
    const resources = this.#byBare.get(typeof bare === 'string' ? bare : bare.bare().toString());
    return resources ? [...resources.values()] : [];
  }

  /** Resources that sent available presence. */
  available(bare: Jid | string): ClientSession[] {
    return this.resources(bare).filter((session) => session.presence !== undefined);
  }

  all(): IterableIterator<ClientSession> {
    const maps = this.#byBare.values();
    return (function* () {
      for (const resources of maps) yield* resources.values();
    })();
  }

  get size(): number {
    return this.#count;
  }
}
