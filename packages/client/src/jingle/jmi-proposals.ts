// XEP-0353 §3.1–§3.3, the responder's memory: the proposals we answered with <proceed/> and wait
// a session-initiate for, and the ones their initiator retracted. Pure (the clock is passed in,
// entries expire when looked at), and bounded: a peer sending proposals without end cannot make it
// grow — past the bound, per initiator or in all, a proposal is refused, never an older one dropped.
//
// Keyed by the initiator's full JID and the id together, as Jingle sessions are (session-table.ts):
// the propose, its retract and the session-initiate all come from that one resource.

export interface ProposalLimits {
  /** How long an answered proposal waits for its session-initiate (and a retraction is remembered). */
  ttlMs: number;
  /** Entries (pending and retracted) in all. */
  maxEntries: number;
  /** Entries per initiator account (bare JID): one peer cannot fill the table for the others. */
  maxPerPeer: number;
}

export const DEFAULT_PROPOSAL_LIMITS: ProposalLimits = { ttlMs: 60_000, maxEntries: 256, maxPerPeer: 16 };

type ProposalState = 'pending' | 'retracted';

interface Entry {
  state: ProposalState;
  bare: string;
  expiresAt: number;
}

export type ProposeOutcome = 'added' | 'duplicate' | 'full';

export class PendingProposals {
  readonly #limits: ProposalLimits;
  readonly #entries = new Map<string, Entry>();

  constructor(limits: Partial<ProposalLimits> = {}) {
    this.#limits = { ...DEFAULT_PROPOSAL_LIMITS, ...limits };
    for (const [name, value] of Object.entries(this.#limits)) {
      if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
    }
  }

  /** A propose from `from` (a full JID): 'full' when the bound is reached (the caller refuses it). */
  propose(from: string, id: string, now: number): ProposeOutcome {
    this.#expire(now);
    const key = keyOf(from, id);
    // A repeated propose (MAM catch-up, a resend) is the same proposal: answered once.
    if (this.#entries.has(key)) return 'duplicate';
    const bare = bareOf(from);
    if (this.#entries.size >= this.#limits.maxEntries || this.#countOf(bare) >= this.#limits.maxPerPeer) return 'full';
    this.#entries.set(key, { state: 'pending', bare, expiresAt: now + this.#limits.ttlMs });
    return 'added';
  }

  /**
   * §3.3: the initiator disavows it. Remembered as retracted until it expires, so that a
   * session-initiate with that sid is refused; true when it was pending.
   */
  retract(from: string, id: string, now: number): boolean {
    this.#expire(now);
    const entry = this.#entries.get(keyOf(from, id));
    if (!entry || entry.state !== 'pending') return false;
    entry.state = 'retracted';
    return true;
  }

  /**
   * The session-initiate for `sid` from `from` arrived: what became of its proposal ('pending' is
   * consumed here; undefined when there was none, or it expired).
   */
  take(from: string, sid: string, now: number): ProposalState | undefined {
    this.#expire(now);
    const key = keyOf(from, sid);
    const entry = this.#entries.get(key);
    if (entry?.state === 'pending') this.#entries.delete(key);
    return entry?.state;
  }

  /** Entries not yet expired at `now`. */
  size(now: number): number {
    this.#expire(now);
    return this.#entries.size;
  }

  #countOf(bare: string): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.bare === bare) count += 1;
    return count;
  }

  #expire(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}

function keyOf(from: string, id: string): string {
  return `${from}\u0000${id}`;
}

function bareOf(jid: string): string {
  const slash = jid.indexOf('/');
  return slash < 0 ? jid : jid.slice(0, slash);
}
