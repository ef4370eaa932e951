// Presence the cluster itself sends on behalf of a user whose node could not: unavailable when a
// node died (its users' contacts would otherwise see them online forever), available again when a
// node the others presumed dead comes back. The recipients are the ones RFC 6121 §4.2.2 and
// §4.5.2 name: the available resources of the user's subscribers and the user's own.
import type { Jid } from '@ferry/protocol/jid';
import type { Element } from '@ferry/protocol/xml/element';
import type { Logger } from '../core/logger.js';
import type { Router } from '../core/router.js';
import type { SessionInfo } from '../core/session.js';
import type { Storage } from '../storage/types.js';
import type { ClusterSessionDirectory } from './cluster-directory.js';

export class ContactPresence {
  readonly #directory: ClusterSessionDirectory;
  readonly #router: Router;
  readonly #storage: Storage;
  readonly #logger: Logger;

  constructor(options: { directory: ClusterSessionDirectory; router: Router; storage: Storage; logger: Logger }) {
    this.#directory = options.directory;
    this.#router = options.router;
    this.#storage = options.storage;
    this.#logger = options.logger;
  }

  /**
   * Delivers `stanza(to)` from `jid` to each recipient that `accepts`; a roster that cannot be
   * read is logged, and the user's own resources are told anyway.
   */
  async tell(
    jid: Jid,
    stanza: (to: string) => Element,
    accepts: (session: SessionInfo) => boolean = () => true,
  ): Promise<void> {
    const send = (bare: string) => {
      for (const session of this.#directory.available(bare)) {
        if (session.jid.equals(jid) || !accepts(session)) continue;
        this.#router.deliver(session, stanza(session.jid.toString()));
      }
    };
    send(jid.bare().toString());
    try {
      for (const item of await this.#storage.roster.items(jid.local)) {
        if (item.subscription === 'from' || item.subscription === 'both') send(item.jid);
      }
    } catch (error) {
      this.#logger.warn({ err: error, jid: jid.toString() }, "cluster: could not tell a user's contacts");
    }
  }
}
