// XEP-0260 §2.2–§2.4 and §3: the candidate logic of the Jingle SOCKS5 transport, pure. Our
// candidates and their priorities, the DST.ADDR each side hashes, the order to try the peer's,
// and the nomination: both sides connect, each reports candidate-used or candidate-error, the
// higher priority wins (ties: the initiator's choice), a proxy is activated by whoever offered it,
// and two candidate-errors (or a proxy-error) mean fall back. Sockets and timers are the caller's.
import type { S5bCandidate, S5bCandidateType, S5bNotification } from '@ferry/protocol/payloads/jingle-s5b';
import type { JingleRole } from '@ferry/protocol/payloads/jingle';
import { malformed } from '@ferry/protocol/payloads/untrusted';
import { dstAddrHash } from '@ferry/protocol/socks5/hash';

/** §2.2: suggested type preferences (0..127). */
export const TYPE_PREFERENCE: Readonly<Record<S5bCandidateType, number>> = {
  direct: 126,
  assisted: 120,
  tunnel: 110,
  proxy: 10,
};

const MAX_LOCAL_PREFERENCE = 65535;

/** §2.2: priority = (2^16) × type preference + local preference. */
export function candidatePriority(type: S5bCandidateType, localPreference: number): number {
  if (!Number.isInteger(localPreference) || localPreference < 0 || localPreference > MAX_LOCAL_PREFERENCE) {
    throw new RangeError(`local preference out of range: ${localPreference}`);
  }
  return 2 ** 16 * TYPE_PREFERENCE[type] + localPreference;
}

export interface OwnAddress {
  host: string;
  port: number;
  /** Default 'direct': a listener on one of our interfaces. */
  type?: Exclude<S5bCandidateType, 'proxy'>;
}

export interface ProxyStreamhost {
  jid: string;
  host: string;
  port: number;
}

/**
 * Our candidates: our own addresses (jid = us), then the proxies' streamhosts, each list in the
 * caller's order of preference, which becomes the local preference (65535, 65534, …).
 */
export function buildCandidates(options: {
  self: string;
  addresses: readonly OwnAddress[];
  proxies: readonly ProxyStreamhost[];
  newCid: () => string;
}): S5bCandidate[] {
  const own = options.addresses.map((address, index): S5bCandidate => {
    const type = address.type ?? 'direct';
    const priority = candidatePriority(type, MAX_LOCAL_PREFERENCE - index);
    return { cid: options.newCid(), host: address.host, jid: options.self, port: address.port, priority, type };
  });
  const proxies = options.proxies.map((proxy, index): S5bCandidate => ({
    cid: options.newCid(),
    host: proxy.host,
    jid: proxy.jid,
    port: proxy.port,
    priority: candidatePriority('proxy', MAX_LOCAL_PREFERENCE - index),
    type: 'proxy',
  }));
  return [...own, ...proxies];
}

/**
 * The SOCKS5 DST.ADDR for a candidate: SHA1(sid + the offerer's JID + the other's JID), hex
 * (§2.2 examples: the initiator's candidates hash sid+initiator+responder, the responder's
 * sid+responder+initiator). `sid` is the transport's sid, not the Jingle session's.
 */
export function candidateDstAddr(sid: string, offeredBy: JingleRole, initiator: string, responder: string): string {
  return offeredBy === 'initiator' ? dstAddrHash(sid, initiator, responder) : dstAddrHash(sid, responder, initiator);
}

/** §4: try the peer's candidates from the highest priority down (stable for equal ones). */
export function connectionOrder(candidates: readonly S5bCandidate[]): S5bCandidate[] {
  return [...candidates].sort((a, b) => b.priority - a.priority);
}

/** What the caller must do, in order. */
export type NominationOutput =
  /** Send a transport-info with this notification. */
  | { kind: 'send'; notification: S5bNotification }
  /** Stop connecting to the peer's candidates (and close attempts in flight). */
  | { kind: 'stop-connecting' }
  /** The nominated candidate: keep its connection, close every other one. */
  | { kind: 'nominated'; candidate: S5bCandidate; offeredBy: 'us' | 'peer' }
  /** Our proxy was nominated: connect to it (if not yet) and send it the XEP-0065 <activate/>. */
  | { kind: 'activate'; candidate: S5bCandidate }
  /** The bytestream may carry data. */
  | { kind: 'ready'; candidate: S5bCandidate; offeredBy: 'us' | 'peer' }
  /**
   * SOCKS5 failed (§2.4 rule 1, or a proxy-error). The initiator MUST replace the transport
   * (IBB) or terminate with connectivity-error (§3); the responder waits for that.
   */
  | { kind: 'failed'; why: 'candidate-error' | 'proxy-error'; next: 'replace-transport' | 'await-replace' };

type Outcome = { used: S5bCandidate } | 'error' | undefined;

export class S5bNomination {
  readonly #role: JingleRole;
  readonly #ours: ReadonlyMap<string, S5bCandidate>;
  readonly #theirs: ReadonlyMap<string, S5bCandidate>;
  readonly #failed = new Set<string>();
  /** What we report (candidates of the peer we reached) and what the peer reports (ours). */
  #local: Outcome;
  #remote: Outcome;
  #nominated: { candidate: S5bCandidate; offeredBy: 'us' | 'peer' } | undefined;
  #state: 'negotiating' | 'activating' | 'awaiting-activated' | 'ready' | 'failed' = 'negotiating';

  constructor(options: { role: JingleRole; ours: readonly S5bCandidate[]; theirs: readonly S5bCandidate[] }) {
    this.#role = options.role;
    this.#ours = new Map(options.ours.map((candidate) => [candidate.cid, candidate]));
    this.#theirs = new Map(options.theirs.map((candidate) => [candidate.cid, candidate]));
  }

  get state(): 'negotiating' | 'activating' | 'awaiting-activated' | 'ready' | 'failed' {
    return this.#state;
  }

  /** Call once both candidate lists are known: with nothing to try we report candidate-error now. */
  start(): NominationOutput[] {
    return this.#theirs.size === 0 ? this.#giveUp() : [];
  }

  /** The peer's candidates worth trying now, in order (none once we have reported). */
  get toTry(): S5bCandidate[] {
    if (this.#local !== undefined) return [];
    const floor = this.#remote !== undefined && this.#remote !== 'error' ? this.#remote.used.priority : -1;
    return connectionOrder([...this.#theirs.values()]).filter(
      (candidate) => !this.#failed.has(candidate.cid) && candidate.priority > floor,
    );
  }

  /** We completed the SOCKS5 handshake with the peer's candidate `cid`. */
  connected(cid: string): NominationOutput[] {
    const candidate = this.#theirs.get(cid);
    if (!candidate) throw new Error(`connected to unknown candidate ${cid}`);
    if (this.#local !== undefined) return [];
    this.#local = { used: candidate };
    return [{ kind: 'send', notification: { kind: 'candidate-used', cid } }, ...this.#decide()];
  }

  /** Connecting to the peer's candidate `cid` failed (refused, timed out, bad SOCKS5 reply). */
  attemptFailed(cid: string): NominationOutput[] {
    if (!this.#theirs.has(cid)) throw new Error(`attempt on unknown candidate ${cid}`);
    this.#failed.add(cid);
    return this.#local === undefined && this.toTry.length === 0 ? this.#giveUp() : [];
  }

  /** A transport-info notification from the peer. Throws bad-request when it names no candidate of ours. */
  received(notification: S5bNotification): NominationOutput[] {
    switch (notification.kind) {
      case 'candidate-used': {
        const candidate = this.#ours.get(notification.cid);
        if (!candidate) throw malformed(`candidate-used names no candidate of ours: '${notification.cid}'`);
        if (this.#remote !== undefined) return [];
        this.#remote = { used: candidate };
        // §2.3: keep trying only candidates above the peer's; with none left, report an error.
        if (this.#local === undefined && this.toTry.length === 0) return this.#giveUp();
        return this.#decide();
      }
      case 'candidate-error':
        if (this.#remote !== undefined) return [];
        this.#remote = 'error';
        return this.#decide();
      case 'activated': {
        const nominated = this.#nominated;
        if (this.#state !== 'awaiting-activated' || nominated?.candidate.cid !== notification.cid) return [];
        this.#state = 'ready';
        return [{ kind: 'ready', ...nominated }];
      }
      case 'proxy-error':
        if (this.#state === 'ready' || this.#state === 'failed') return [];
        return this.#fail('proxy-error');
    }
  }

  /** Our proxy answered the XEP-0065 activation: tell the peer (§2.4 <activated/>). */
  proxyActivated(): NominationOutput[] {
    const nominated = this.#nominated;
    if (this.#state !== 'activating' || !nominated) throw new Error(`proxyActivated() in state ${this.#state}`);
    this.#state = 'ready';
    const cid = nominated.candidate.cid;
    return [
      { kind: 'send', notification: { kind: 'activated', cid } },
      { kind: 'ready', ...nominated },
    ];
  }

  /** We could not connect to or activate the nominated proxy: §2.4 <proxy-error/>. */
  proxyFailed(): NominationOutput[] {
    if (this.#state === 'ready' || this.#state === 'failed') return [];
    return [{ kind: 'send', notification: { kind: 'proxy-error' } }, ...this.#fail('proxy-error')];
  }

  #giveUp(): NominationOutput[] {
    this.#local = 'error';
    return [
      { kind: 'stop-connecting' },
      { kind: 'send', notification: { kind: 'candidate-error' } },
      ...this.#decide(),
    ];
  }

  /** §2.4: once both sides have reported. */
  #decide(): NominationOutput[] {
    const local = this.#local;
    const remote = this.#remote;
    if (local === undefined || remote === undefined || this.#state !== 'negotiating') return [];
    if (local === 'error' && remote === 'error') return this.#fail('candidate-error');
    let nominated: { candidate: S5bCandidate; offeredBy: 'us' | 'peer' };
    if (remote === 'error') nominated = { candidate: (local as { used: S5bCandidate }).used, offeredBy: 'peer' };
    else if (local === 'error') nominated = { candidate: remote.used, offeredBy: 'us' };
    else {
      const mine = local.used.priority;
      const theirs = remote.used.priority;
      // Equal priorities: the initiator's choice wins — the candidate the initiator connected to.
      const isOurChoice = mine > theirs || (mine === theirs && this.#role === 'initiator');
      nominated = isOurChoice
        ? { candidate: local.used, offeredBy: 'peer' }
        : { candidate: remote.used, offeredBy: 'us' };
    }
    this.#nominated = nominated;
    const outputs: NominationOutput[] = [{ kind: 'nominated', ...nominated }];
    if (nominated.candidate.type !== 'proxy') {
      this.#state = 'ready';
      outputs.push({ kind: 'ready', ...nominated });
    } else if (nominated.offeredBy === 'us') {
      // §2.4: "the party that offered the nominated candidate" activates it.
      this.#state = 'activating';
      outputs.push({ kind: 'activate', candidate: nominated.candidate });
    } else this.#state = 'awaiting-activated';
    return outputs;
  }

  #fail(why: 'candidate-error' | 'proxy-error'): NominationOutput[] {
    this.#state = 'failed';
    return [{ kind: 'failed', why, next: this.#role === 'initiator' ? 'replace-transport' : 'await-replace' }];
  }
}
