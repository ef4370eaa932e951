// XEP-0166 §5.1 / §6 / §7: one Jingle session as a pure state machine, PENDING → ACTIVE → ENDED,
// for either role. Decoded actions in, outputs out (ack, error reply, a <jingle/> to send, an action
// to deliver to the application, the end); no sockets, no timers, no IQ ids — timeouts and failed
// requests come back in as calls (timedOut, requestFailed). Application meaning (file transfer) and
// transport meaning (s5b, ibb) stay with the caller: this layer only decides what is legal when.
import type { StanzaError } from '@ferry/protocol/errors/stanza-error';
import {
  contentKey,
  jingleErrorCondition,
  jingleErrors,
  type Jingle,
  type JingleAction,
  type JingleContent,
  type JingleReason,
  type JingleRole,
} from '@ferry/protocol/payloads/jingle';
import { malformed } from '@ferry/protocol/payloads/untrusted';
import type { Element } from '@ferry/protocol/xml/element';

export type SessionState = 'pending' | 'active' | 'ended';

/** What the caller must do, in order. */
export type SessionOutput =
  /** Answer the peer's iq with an empty result. */
  | { kind: 'ack' }
  /** Answer the peer's iq with this error (and nothing else happens). */
  | { kind: 'reply-error'; error: StanzaError }
  /** Send an iq set to the peer with this <jingle/>. */
  | { kind: 'send'; jingle: Jingle }
  /** A legal action from the peer, acknowledged: the application acts on it. */
  | { kind: 'deliver'; jingle: Jingle }
  /** The session is over (ENDED): release its transports. `reason` absent: the peer gave none. */
  | { kind: 'ended'; by: 'peer' | 'us'; reason?: JingleReason; error?: StanzaError };

/** Local changes the caller may send; session-initiate/-accept/-terminate have their own methods. */
export type SendableAction = Exclude<JingleAction, 'session-initiate' | 'session-accept' | 'session-terminate'>;

export interface SessionParties {
  /** Our full JID. */
  self: string;
  /** The peer's full JID: the only address this session answers. */
  peer: string;
}

export interface SessionOptions {
  /**
   * Which session-info payloads the application understands (§6.8: others are answered
   * feature-not-implemented + <unsupported-info/>). Default: none but the empty ping.
   */
  isKnownInfo?: (payload: Element) => boolean;
}

/** Actions that name existing contents (§7.2): each <content/> must be one of the session's. */
const ON_CONTENTS: ReadonlySet<JingleAction> = new Set([
  'content-accept',
  'content-modify',
  'content-reject',
  'content-remove',
  'description-info',
  'security-info',
  'transport-accept',
  'transport-info',
  'transport-reject',
  'transport-replace',
]);

export class JingleSession {
  readonly sid: string;
  readonly role: JingleRole;
  readonly self: string;
  readonly peer: string;
  #state: SessionState = 'pending';
  readonly #contents = new Map<string, JingleContent>();
  /** transport-replace we sent / the peer sent, awaiting transport-accept or -reject (by content). */
  readonly #ourReplaces = new Set<string>();
  readonly #theirReplaces = new Set<string>();
  /** content-add we sent / the peer sent, awaiting content-accept or -reject. */
  readonly #ourAdds = new Map<string, JingleContent>();
  readonly #theirAdds = new Map<string, JingleContent>();
  readonly #isKnownInfo: (payload: Element) => boolean;

  private constructor(sid: string, role: JingleRole, parties: SessionParties, options: SessionOptions) {
    this.sid = sid;
    this.role = role;
    this.self = parties.self;
    this.peer = parties.peer;
    this.#isKnownInfo = options.isKnownInfo ?? (() => false);
  }

  /** §6.2: we initiate. The one output sends the session-initiate. */
  static initiate(
    sid: string,
    parties: SessionParties,
    contents: JingleContent[],
    options: SessionOptions = {},
  ): { session: JingleSession; outputs: SessionOutput[] } {
    if (contents.length === 0) throw new RangeError('a session-initiate needs at least one content');
    const session = new JingleSession(sid, 'initiator', parties, options);
    for (const content of contents) session.#contents.set(contentKey(content), content);
    const jingle = session.#jingle('session-initiate', { contents, initiator: parties.self });
    return { session, outputs: [{ kind: 'send', jingle }] };
  }

  /**
   * §6.3: the peer initiates. Returns the session and [ack, deliver], or no session and the error
   * reply for a malformed request (§6.3.2 bad-request).
   */
  static respond(
    parties: SessionParties,
    jingle: Jingle,
    options: SessionOptions = {},
  ): { session?: JingleSession; outputs: SessionOutput[] } {
    if (jingle.action !== 'session-initiate')
      throw new Error(`respond() needs a session-initiate, got ${jingle.action}`);
    const problem = checkOffer(jingle);
    if (problem !== undefined) return { outputs: [{ kind: 'reply-error', error: malformed(problem) }] };
    // §7.1: the 'initiator' attribute is ignored; 'from' (parties.peer) is the initiator.
    const session = new JingleSession(jingle.sid, 'responder', parties, options);
    for (const content of jingle.contents) session.#contents.set(contentKey(content), content);
    return { session, outputs: [{ kind: 'ack' }, { kind: 'deliver', jingle }] };
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The session's contents as last agreed (transports replaced in place). */
  get contents(): JingleContent[] {
    return [...this.#contents.values()];
  }

  /** An iq set from the peer carrying this <jingle/> (already decoded, same sid). */
  receive(jingle: Jingle): SessionOutput[] {
    if (this.#state === 'ended') return [reply(jingleErrors.unknownSession())];
    const { action } = jingle;
    if (ON_CONTENTS.has(action)) {
      if (jingle.contents.length === 0) return [reply(malformed(`a ${action} must name a <content/>`))];
      const known = action === 'content-accept' || action === 'content-reject' ? this.#ourAdds : this.#contents;
      const unknown = jingle.contents.find((content) => !known.has(contentKey(content)));
      if (unknown !== undefined) {
        // Accepting an add we never sent, or naming a content we never had, is out of order.
        if (action === 'content-accept' || action === 'content-reject') return [outOfOrder(`no ${action} expected`)];
        return [reply(malformed(`no content '${unknown.name}' by the ${unknown.creator} in this session`))];
      }
    }
    const delivered: SessionOutput[] = [{ kind: 'ack' }, { kind: 'deliver', jingle }];
    switch (action) {
      case 'session-initiate':
        return [outOfOrder('the session already exists')];
      case 'session-accept': {
        if (this.role !== 'initiator' || this.#state !== 'pending') return [outOfOrder('no session-accept expected')];
        const problem = checkOffer(jingle);
        if (problem !== undefined) return [reply(malformed(problem))];
        this.#state = 'active';
        for (const content of jingle.contents) this.#merge(content);
        return delivered;
      }
      case 'session-terminate':
        this.#state = 'ended';
        return [{ kind: 'ack' }, ended('peer', jingle.reason)];
      case 'session-info':
        // §6.8: an empty session-info is a ping; a payload nobody here understands is refused.
        if (jingle.payloads.length === 0) return [{ kind: 'ack' }];
        if (!jingle.payloads.every(this.#isKnownInfo)) return [reply(jingleErrors.unsupportedInfo())];
        return delivered;
      case 'transport-replace':
        for (const content of jingle.contents) {
          const key = contentKey(content);
          if (this.#ourReplaces.has(key)) {
            // §7.2.16 tie: the initiator's action wins; the initiator answers conflict + tie-break.
            if (this.role === 'initiator') return [reply(jingleErrors.tieBreak())];
            this.#ourReplaces.delete(key);
          }
        }
        for (const content of jingle.contents) this.#theirReplaces.add(contentKey(content));
        return delivered;
      case 'transport-accept':
      case 'transport-reject':
        if (!jingle.contents.every((content) => this.#ourReplaces.has(contentKey(content)))) {
          return [outOfOrder(`no ${action} expected`)];
        }
        for (const content of jingle.contents) {
          this.#ourReplaces.delete(contentKey(content));
          if (action === 'transport-accept') this.#merge(content);
        }
        return delivered;
      case 'content-add':
        for (const content of jingle.contents) {
          const key = contentKey(content);
          if (this.#contents.has(key) || this.#theirAdds.has(key)) {
            return [reply(malformed(`content '${content.name}' already exists`))];
          }
        }
        for (const content of jingle.contents) this.#theirAdds.set(contentKey(content), content);
        return delivered;
      case 'content-accept':
      case 'content-reject':
        for (const content of jingle.contents) {
          const key = contentKey(content);
          const added = this.#ourAdds.get(key);
          this.#ourAdds.delete(key);
          if (action === 'content-accept' && added !== undefined) this.#contents.set(key, added);
        }
        return delivered;
      case 'content-remove':
        for (const content of jingle.contents) this.#contents.delete(contentKey(content));
        // §7.2.5 / XEP-0234 §6.5: a session with no content is void; the receiver terminates it.
        if (this.#contents.size > 0) return delivered;
        return [...delivered, ...this.terminate(jingle.reason ?? { condition: 'cancel' })];
      case 'content-modify':
      case 'description-info':
      case 'security-info':
      case 'transport-info':
        return delivered;
    }
  }

  /** §6.5: the responder accepts. `contents` are our answers (descriptions, transports). */
  accept(contents: JingleContent[]): SessionOutput[] {
    if (this.role !== 'responder' || this.#state !== 'pending') {
      throw new Error(`session-accept is not ours to send (${this.role}, ${this.#state})`);
    }
    if (contents.length === 0) throw new RangeError('a session-accept needs at least one content');
    this.#state = 'active';
    for (const content of contents) this.#merge(content);
    return [{ kind: 'send', jingle: this.#jingle('session-accept', { contents, responder: this.self }) }];
  }

  /** §6.7: we end the session; it is ENDED at once, before the peer's ack. */
  terminate(reason: JingleReason): SessionOutput[] {
    if (this.#state === 'ended') return [];
    this.#state = 'ended';
    return [{ kind: 'send', jingle: this.#jingle('session-terminate', { reason }) }, ended('us', reason)];
  }

  /** Any other action we send; throws (a programmer error) when it is not ours to send now. */
  send(action: SendableAction, body: { contents?: JingleContent[]; payloads?: Element[]; reason?: JingleReason } = {}) {
    if (this.#state === 'ended') throw new Error(`${action} on an ended session`);
    const contents = body.contents ?? [];
    const keys = contents.map(contentKey);
    if (ON_CONTENTS.has(action) && contents.length === 0) throw new Error(`${action} needs a content`);
    const pending = (set: Set<string> | Map<string, JingleContent>) => keys.every((key) => set.has(key));
    switch (action) {
      case 'transport-replace':
        if (keys.some((key) => this.#ourReplaces.has(key))) throw new Error('a transport-replace is already pending');
        keys.forEach((key) => this.#ourReplaces.add(key));
        break;
      case 'transport-accept':
      case 'transport-reject':
        if (!pending(this.#theirReplaces)) throw new Error(`no transport-replace to answer with ${action}`);
        keys.forEach((key) => this.#theirReplaces.delete(key));
        if (action === 'transport-accept') contents.forEach((content) => this.#merge(content));
        break;
      case 'content-add':
        contents.forEach((content) => this.#ourAdds.set(contentKey(content), content));
        break;
      case 'content-accept':
      case 'content-reject':
        if (!pending(this.#theirAdds)) throw new Error(`no content-add to answer with ${action}`);
        for (const key of keys) {
          const added = this.#theirAdds.get(key);
          this.#theirAdds.delete(key);
          if (action === 'content-accept' && added !== undefined) this.#contents.set(key, added);
        }
        break;
      case 'content-remove':
        keys.forEach((key) => this.#contents.delete(key));
        break;
      default:
        break;
    }
    return [{ kind: 'send', jingle: this.#jingle(action, body) }] satisfies SessionOutput[];
  }

  /**
   * Our request for `action` was answered with an error. An error to session-initiate, or an
   * unknown-session anywhere, means the peer has no session: ENDED without a terminate. A lost
   * tie-break (§7.2.16) is no failure. Anything else ends the session with a reason.
   */
  requestFailed(action: JingleAction, error: StanzaError): SessionOutput[] {
    if (this.#state === 'ended' || action === 'session-terminate') return [];
    const condition = jingleErrorCondition(error);
    if (condition === 'tie-break' && action === 'transport-replace') {
      this.#ourReplaces.clear();
      return [];
    }
    if (action === 'session-initiate' || condition === 'unknown-session' || error.condition === 'item-not-found') {
      this.#state = 'ended';
      return [{ kind: 'ended', by: 'peer', error }];
    }
    const failure = action.startsWith('transport-') ? 'failed-transport' : 'general-error';
    return this.terminate({ condition: failure, text: `${action}: ${error.condition}` });
  }

  /** A wait the caller owns ran out (no session-accept, no transport, …): end with `reason`. */
  timedOut(reason: JingleReason = { condition: 'timeout' }): SessionOutput[] {
    return this.terminate(reason);
  }

  #merge(content: JingleContent): void {
    const key = contentKey(content);
    const known = this.#contents.get(key);
    this.#contents.set(key, known ? { ...known, ...definedOf(content) } : content);
  }

  #jingle(
    action: JingleAction,
    body: {
      contents?: JingleContent[];
      payloads?: Element[];
      reason?: JingleReason;
      initiator?: string;
      responder?: string;
    },
  ): Jingle {
    const jingle: Jingle = { action, sid: this.sid, contents: body.contents ?? [], payloads: body.payloads ?? [] };
    if (body.initiator !== undefined) jingle.initiator = body.initiator;
    if (body.responder !== undefined) jingle.responder = body.responder;
    if (body.reason !== undefined) jingle.reason = body.reason;
    return jingle;
  }
}

/** §7.2.8 / §7.2.10: one or more contents, each with a description and a transport. */
function checkOffer(jingle: Jingle): string | undefined {
  if (jingle.contents.length === 0) return `a ${jingle.action} needs at least one <content/>`;
  const bare = jingle.contents.find((content) => !content.description || !content.transport);
  if (bare) return `<content name='${bare.name}'/> needs a <description/> and a <transport/>`;
  // §7.2.10: with one content its disposition MUST be 'session'; with several, at least one.
  if (
    jingle.action === 'session-initiate' &&
    !jingle.contents.some((c) => (c.disposition ?? 'session') === 'session')
  ) {
    return "a session-initiate needs a content with disposition 'session'";
  }
  return undefined;
}

function definedOf(content: JingleContent): Partial<JingleContent> {
  return Object.fromEntries(Object.entries(content).filter(([, value]) => value !== undefined));
}

function reply(error: StanzaError): SessionOutput {
  return { kind: 'reply-error', error };
}

function outOfOrder(text: string): SessionOutput {
  return reply(jingleErrors.outOfOrder(text));
}

function ended(by: 'peer' | 'us', reason: JingleReason | undefined): SessionOutput {
  return reason === undefined ? { kind: 'ended', by } : { kind: 'ended', by, reason };
}
