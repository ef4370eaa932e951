// One warning per limit per interval, however many connections a flood makes it refuse: the
// first refusal is logged at once, later ones are counted and reported with the next line.
import type { Logger } from 'pino';

const DEFAULT_INTERVAL_MS = 60_000;

interface Entry {
  loggedAt: number;
  suppressed: number;
}

export class RefusalLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(logger: Logger, options: { intervalMs?: number; now?: () => number } = {}) {
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** A refusal because of `limit` (the config key): logged now, or counted into the next line. */
  refused(limit: string, fields: Record<string, unknown>, message: string): void {
    const now = this.#now();
    const entry = this.#entries.get(limit);
    if (entry && now - entry.loggedAt < this.#intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.#entries.set(limit, { loggedAt: now, suppressed: 0 });
    this.#logger.warn({ limit, ...fields, ...(suppressed > 0 ? { refusedSinceLastLine: suppressed } : {}) }, message);
  }
}
