// The one way out to a session: every stanza the server sends to a bound resource, routed or made
// by a module (roster pushes, presence broadcast, offline delivery, IQ replies), passes the
// outbound filters in priority order and is then written to the session's transport, or, for a
// session bound elsewhere, handed to the remote route. The filters are where stanza logging,
// carbons, stream-management counters and cluster forwarding hook in (Prosody's stanzas/out).
import type { Element } from '@ferry/protocol/xml/element';
import type { Logger } from './logger.js';
import type { ClientSession, SessionInfo } from './session.js';
import type { OutboundFilter } from './routing-types.js';
import type { ServerCounters } from './counters.js';

interface Registered {
  filter: OutboundFilter;
  priority: number;
}

export class OutboundPath {
  readonly #logger: Logger;
  readonly #toRemote: (stanza: Element, to: SessionInfo) => void;
  readonly #counters: ServerCounters;
  #filters: readonly Registered[] = [];

  /** `toRemote` receives what is left for a session that is not bound to this process. */
  constructor(logger: Logger, toRemote: (stanza: Element, to: SessionInfo) => void, counters: ServerCounters) {
    this.#logger = logger;
    this.#toRemote = toRemote;
    this.#counters = counters;
  }

  /** Higher priority runs first; equal priorities run in the order they were added. */
  addFilter(filter: OutboundFilter, priority = 0): () => void {
    const entry = { filter, priority };
    // A new array each time: a send in progress keeps iterating the list it started with.
    this.#filters = [...this.#filters, entry].sort((a, b) => b.priority - a.priority);
    return () => {
      this.#filters = this.#filters.filter((registered) => registered !== entry);
    };
  }

  send(to: SessionInfo, stanza: Element): void {
    let out: Element | null = stanza;
    const filters = this.#filters;
    // Hot path: with no filters this is one length check and the write.
    for (let i = 0; i < filters.length && out !== null; i += 1) {
      try {
        out = filters[i]!.filter(out, to);
      } catch (error) {
        // A broken filter must not lose the stanza nor crash the server: skip it, loudly.
        this.#logger.error({ err: error, id: stanza.attrs.id }, 'an outbound filter failed; skipped it');
      }
    }
    if (out === null) return;
    this.#counters.countStanza(this.#counters.stanzasOut, out.name);
    if (to.isLocal) (to as ClientSession).send(out);
    else this.#toRemote(out, to);
  }
}
