// XEP-0047 sessions the router forwards between two local sessions, for operators: an <open/>
// starts one, each <data/> adds its decoded bytes, and it ends with its <close/>, an error answering
// the <open/>, either session ending, or five minutes without data (the error answering a <data/>
// is not matched: that would cost a lookup per result). Only the router writes here, and only for
// IBB payloads it already looks at to count them.
//
// Every byte of this comes from clients, so the table is bounded twice: per sender (one client
// cannot crowd out the others) and in total; past either bound the oldest session is forgotten.
import { LiveTransfers, type LiveTransferSnapshot } from './live-transfers.js';

const IDLE_MS = 5 * 60_000;

interface IbbEntry {
  readonly key: string;
  readonly from: string;
  readonly to: string;
  readonly openId: string | undefined;
  bytes: number;
  lastData: number;
  forget: () => void;
}

export interface IbbSessionsOptions {
  maxTotal?: number;
  maxPerSender?: number;
  now?: () => number;
}

export class IbbSessions {
  readonly #entries = new Map<string, IbbEntry>();
  /** Keys by full JID, for both ends: a session that ends takes its IBB sessions with it. */
  readonly #byJid = new Map<string, Set<string>>();
  readonly #live: LiveTransfers;
  readonly #maxTotal: number;
  readonly #maxPerSender: number;
  readonly #now: () => number;

  constructor(options: IbbSessionsOptions = {}) {
    this.#maxTotal = options.maxTotal ?? 10_000;
    this.#maxPerSender = options.maxPerSender ?? 64;
    this.#now = options.now ?? Date.now;
    this.#live = new LiveTransfers({ max: this.#maxTotal, now: this.#now });
  }

  get size(): number {
    return this.#entries.size;
  }

  /** An <open/> from `from` to `to`; `id` is the IQ's, so that an error answering it ends it. */
  opened(from: string, to: string, sid: string, id: string | undefined): void {
    const key = keyOf(from, to, sid);
    this.#forget(this.#entries.get(key)); // a re-open replaces the session
    const ofSender = this.#byJid.get(from);
    if (ofSender !== undefined && ofSender.size >= this.#maxPerSender) this.#forgetOldest(ofSender);
    if (this.#entries.size >= this.#maxTotal) this.#forget(this.#entries.values().next().value);
    const entry: IbbEntry = { key, from, to, openId: id, bytes: 0, lastData: this.#now(), forget: () => {} };
    entry.forget = this.#live.add({ id: sid, method: 'ibb', from, to }, () => entry.bytes);
    this.#entries.set(key, entry);
    this.#index(from, key);
    this.#index(to, key);
  }

  /** A <data/> carrying `bytes`, either way between the two. */
  data(from: string, to: string, sid: string, bytes: number): void {
    const entry = this.#entries.get(keyOf(from, to, sid)) ?? this.#entries.get(keyOf(to, from, sid));
    if (entry === undefined) return;
    entry.bytes += bytes;
    entry.lastData = this.#now();
  }

  closed(from: string, to: string, sid: string): void {
    this.#forget(this.#entries.get(keyOf(from, to, sid)) ?? this.#entries.get(keyOf(to, from, sid)));
  }

  /** An IQ error from `from` to `to`: when it answers an <open/> of `to`'s, that session never started. */
  refused(from: string, to: string, id: string | undefined): void {
    if (id === undefined) return;
    const keys = this.#byJid.get(to);
    if (keys === undefined) return;
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (entry?.from === to && entry.to === from && entry.openId === id) return this.#forget(entry);
    }
  }

  /** A session ended: every IBB session it was one end of is over. */
  sessionEnded(jid: string): void {
    const keys = this.#byJid.get(jid);
    if (keys === undefined) return;
    for (const key of [...keys]) this.#forget(this.#entries.get(key));
    this.#byJid.delete(jid);
  }

  snapshot(): LiveTransferSnapshot[] {
    const stale = this.#now() - IDLE_MS;
    for (const entry of [...this.#entries.values()]) if (entry.lastData < stale) this.#forget(entry);
    return this.#live.snapshot();
  }

  #index(jid: string, key: string): void {
    let keys = this.#byJid.get(jid);
    if (keys === undefined) this.#byJid.set(jid, (keys = new Set()));
    keys.add(key);
  }

  #forgetOldest(keys: Set<string>): void {
    const oldest = keys.values().next();
    if (!oldest.done) this.#forget(this.#entries.get(oldest.value));
  }

  #forget(entry: IbbEntry | undefined): void {
    if (entry === undefined) return;
    this.#entries.delete(entry.key);
    entry.forget();
    for (const jid of [entry.from, entry.to]) {
      const keys = this.#byJid.get(jid);
      keys?.delete(entry.key);
      if (keys?.size === 0) this.#byJid.delete(jid);
    }
  }
}

function keyOf(from: string, to: string, sid: string): string {
  // JIDs hold no newline once prepared; the sid, which might, comes last.
  return `${from}\n${to}\n${sid}`;
}
