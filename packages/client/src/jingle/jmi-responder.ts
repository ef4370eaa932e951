// XEP-0353 (v0.8.0) §3.1–§3.4 on the responder's side: a <propose/> for file transfer is answered
// <proceed/> to the initiator's full JID when the application listens for offers, <reject/>
// otherwise; the session-initiate that follows goes through the normal offer path, where the
// user accepts or declines, as for any Jingle offer. A <retract/> before it drops the proposal.
// Proposals for other applications (calls) are left alone: another client of the account answers.
//
// §8 asks for the user's consent before a proceed (it tells the initiator we are online): here
// the application listening for offers is that consent, as answering a session-initiate is.
// Tie-breaking (§5) is for calls: two file transfers proposed across are two sessions, both kept.
import { randomHex } from '../platform/index.js';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { namespaceOf, type Element } from '@ferry/protocol/xml/element';
import {
  encodeJingleMessageStanza,
  jingleMessageOf,
  type JingleMessage,
} from '@ferry/protocol/payloads/jingle-message';
import type { XmppConnection } from '../connection.js';
import { PendingProposals, type ProposalLimits } from './jmi-proposals.js';

/** The descriptions we answer: XEP-0234 in the versions the offer path reads. */
const FILE_TRANSFER = new Set<string>([NS.JINGLE_FT, NS.JINGLE_FT_4, NS.JINGLE_FT_3]);

export interface JmiResponderOptions {
  wantsOffers(): boolean;
  limits?: Partial<ProposalLimits>;
  /** The clock proposals expire by (tests pass their own). */
  now?: () => number;
}

export class JmiResponder {
  readonly #connection: XmppConnection;
  readonly #options: JmiResponderOptions;
  readonly #proposals: PendingProposals;
  readonly #now: () => number;
  readonly #unsubscribe: () => void;

  constructor(connection: XmppConnection, options: JmiResponderOptions) {
    this.#connection = connection;
    this.#options = options;
    this.#proposals = new PendingProposals(options.limits);
    this.#now = options.now ?? Date.now;
    this.#unsubscribe = connection.onMessage((message) => this.#onMessage(message));
  }

  /**
   * A session-initiate for `sid` from `from` arrived: 'retracted' when its initiator had retracted
   * that proposal (the caller refuses it), 'pending' when it follows our proceed, else undefined.
   */
  initiated(from: string, sid: string): 'pending' | 'retracted' | undefined {
    return this.#proposals.take(from, sid, this.#now());
  }

  close(): void {
    this.#unsubscribe();
  }

  #onMessage(message: Element): void {
    const from = message.attrs.from as unknown;
    // §3: one-to-one messages (type chat; also accepted as normal). Not errors, nor a room's.
    const type = (message.attrs.type as string | undefined) ?? 'normal';
    if (typeof from !== 'string' || (type !== 'chat' && type !== 'normal')) return;
    let payload: JingleMessage | undefined;
    try {
      payload = jingleMessageOf(message);
    } catch {
      return; // a malformed payload in a message: nothing to answer
    }
    if (!payload) return;
    // The initiator is one resource: a propose from a bare JID (or ourselves) cannot be answered.
    const initiator = Jid.tryParse(from);
    if (!initiator?.isFull || initiator.equals(this.#connection.jid)) return;
    if (payload.kind === 'propose') this.#onPropose(from, payload.id, payload.descriptions);
    else if (payload.kind === 'retract') this.#proposals.retract(from, payload.id, this.#now());
  }

  #onPropose(from: string, id: string, descriptions: Element[]): void {
    // COMPAT: Libervia 0.9 proposes an empty <description/> (no <file/>): the namespace is what counts.
    if (!descriptions.some((description) => FILE_TRANSFER.has(namespaceOf(description) ?? ''))) return;
    if (!this.#options.wantsOffers()) {
      this.#answer(from, { kind: 'reject', id, reason: { condition: 'busy', text: 'not taking files now' } });
      return;
    }
    const outcome = this.#proposals.propose(from, id, this.#now());
    if (outcome === 'duplicate') return;
    if (outcome === 'full') {
      this.#answer(from, { kind: 'reject', id, reason: { condition: 'busy', text: 'too many proposals' } });
      return;
    }
    this.#answer(from, { kind: 'proceed', id });
  }

  /** §3.2–§3.4 (v0.8.0): answers go to the initiator's full JID. */
  #answer(to: string, message: JingleMessage): void {
    const stanza = encodeJingleMessageStanza(to, message, randomHex(8));
    this.#connection.send(stanza).catch(() => {
      // A connection going away has nobody left to answer.
    });
  }
}
