// What clients ask for that no module answers (vCard, carbons, PEP, MAM…): each unhandled IQ
// namespace is logged at info once a minute, so an operator sees what is missing without a line
// per request; at debug, every one. Namespaces come from the network: the table is bounded.
import type { Logger } from './logger.js';

const INTERVAL_MS = 60_000;
const MAX_REMEMBERED = 1024;

export class UnhandledIqLog {
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #lastLogged = new Map<string, number>();

  constructor(logger: Logger, now: () => number = () => performance.now()) {
    this.#logger = logger;
    this.#now = now;
  }

  record(fields: { ns: string; name: string; type: string; to: string; from: string }): void {
    if (this.#logger.isLevelEnabled('debug')) {
      this.#logger.debug(fields, 'unhandled IQ answered service-unavailable');
      return;
    }
    if (!this.#logger.isLevelEnabled('info')) return;
    const now = this.#now();
    const last = this.#lastLogged.get(fields.ns);
    if (last !== undefined && now - last < INTERVAL_MS) return;
    if (this.#lastLogged.size >= MAX_REMEMBERED) this.#lastLogged.clear();
    this.#lastLogged.set(fields.ns, now);
    this.#logger.info(
      { ns: fields.ns, name: fields.name, type: fields.type },
      `clients ask for ${fields.ns}, which no module answers (service-unavailable; logged once a minute)`,
    );
  }
}
