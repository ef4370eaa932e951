// Transfers in progress, for operators (the operations service: `ferry transfers`, the admin
// console). A module that moves bytes adds an entry when a transfer starts and removes it when it
// ends; the bytes are read from the module's own counter only when someone asks, so tracking costs
// nothing per chunk. The rate is sampled at those reads too. The table is bounded: past `max`
// entries the oldest is forgotten (its transfer goes on, unseen), so a flood of transfers from a
// hostile client costs the server a fixed amount of memory here.

export type LiveTransferMethod = 'socks5-relay' | 'ibb' | 'upload' | 'download';

/** What a module knows of a transfer when it starts. */
export interface LiveTransferInfo {
  /** Stable while the transfer runs (the SOCKS5 DST.ADDR hash, the IBB sid, the upload's id). */
  readonly id: string;
  readonly method: LiveTransferMethod;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** The HTTP client's address, for uploads and downloads. */
  readonly address?: string | undefined;
  readonly size?: number | undefined;
}

/** One transfer as operators see it (the operations service's TransferView). */
export interface LiveTransferSnapshot extends LiveTransferInfo {
  readonly bytes: number;
  readonly bytesPerSecond: number;
  /** ISO 8601. */
  readonly since: string;
}

/** The rate is the bytes moved over the last RATE_WINDOW_MS, as seen by the reads in that window. */
const RATE_WINDOW_MS = 5_000;
/** Samples kept per transfer: enough for a read every second over the window. */
const MAX_SAMPLES = 8;

interface Entry {
  readonly info: LiveTransferInfo;
  readonly bytes: () => number;
  readonly startedAt: number;
  /** [ms, bytes] pairs from earlier reads, oldest first. */
  readonly samples: [number, number][];
}

export interface LiveTransfersOptions {
  /** Entries kept at most; past it the oldest is forgotten. */
  max: number;
  /** ms clock; Date.now by default (tests). */
  now?: () => number;
}

export class LiveTransfers {
  readonly #entries = new Map<number, Entry>();
  readonly #max: number;
  readonly #now: () => number;
  #next = 0;

  constructor(options: LiveTransfersOptions) {
    this.#max = options.max;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Tracks a transfer whose byte count `bytes()` reads; returns the function that forgets it. */
  add(info: LiveTransferInfo, bytes: () => number): () => void {
    const key = this.#next++;
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { info, bytes, startedAt: this.#now(), samples: [] });
    return () => void this.#entries.delete(key);
  }

  /** Every tracked transfer, oldest first, with its bytes and recent rate as of now. */
  snapshot(): LiveTransferSnapshot[] {
    const now = this.#now();
    const out: LiveTransferSnapshot[] = [];
    for (const entry of this.#entries.values()) {
      const bytes = entry.bytes();
      out.push({
        ...entry.info,
        bytes,
        bytesPerSecond: rate(entry, now, bytes),
        since: new Date(entry.startedAt).toISOString(),
      });
    }
    return out;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * Bytes per second since the oldest sample still inside the window; with none, since the newest
 * older one, or since the start. Then records this read as a sample.
 */
function rate(entry: Entry, now: number, bytes: number): number {
  const { samples } = entry;
  while (samples.length > 1 && now - samples[1]![0] >= RATE_WINDOW_MS) samples.shift();
  const base = samples[0] ?? [entry.startedAt, 0];
  // Too close to the base to say anything: measure from the start instead.
  const [since, from] = now - base[0] >= 250 ? base : [entry.startedAt, 0];
  const elapsed = now - since;
  const value = elapsed > 0 ? Math.round(((bytes - from) * 1000) / elapsed) : 0;
  const last = samples[samples.length - 1];
  if (last === undefined || now - last[0] >= 250) {
    samples.push([now, bytes]);
    if (samples.length > MAX_SAMPLES) samples.shift();
  }
  return Math.max(0, value);
}
