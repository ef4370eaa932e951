// XEP-0166 §6.3 / §8: which session a Jingle iq belongs to. Sessions are keyed by the peer's full
// JID and the sid together — a sid alone is the initiator's random choice, and a stranger reusing
// it must not reach someone else's session. An unknown session is answered item-not-found +
// <unknown-session/>; a session-initiate creates one. Pure: the caller owns forgetting ended
// sessions after a grace period (ended ones still answer unknown-session until then).
import { jingleErrors, type Jingle } from '@ferry/protocol/payloads/jingle';
import { JingleSession, type SessionOptions, type SessionOutput } from './session-machine.js';

export interface Routed {
  /** The session the iq belongs to, if any (a new one for an accepted session-initiate). */
  session?: JingleSession;
  isNew: boolean;
  outputs: SessionOutput[];
}

export class JingleSessionTable {
  readonly #self: string;
  readonly #options: SessionOptions;
  readonly #sessions = new Map<string, JingleSession>();

  constructor(self: string, options: SessionOptions = {}) {
    this.#self = self;
    this.#options = options;
  }

  /** An iq set with <jingle/> from `from` (its full JID). */
  receive(from: string, jingle: Jingle): Routed {
    const existing = this.#sessions.get(key(from, jingle.sid));
    if (existing) return { session: existing, isNew: false, outputs: existing.receive(jingle) };
    if (jingle.action !== 'session-initiate') {
      return { isNew: false, outputs: [{ kind: 'reply-error', error: jingleErrors.unknownSession() }] };
    }
    const { session, outputs } = JingleSession.respond({ self: this.#self, peer: from }, jingle, this.#options);
    if (session) this.#sessions.set(key(from, session.sid), session);
    return session ? { session, isNew: true, outputs } : { isNew: false, outputs };
  }

  /** Registers a session we initiated (JingleSession.initiate). */
  add(session: JingleSession): void {
    const id = key(session.peer, session.sid);
    if (this.#sessions.has(id)) throw new Error(`session ${session.sid} with ${session.peer} already exists`);
    this.#sessions.set(id, session);
  }

  get(peer: string, sid: string): JingleSession | undefined {
    return this.#sessions.get(key(peer, sid));
  }

  forget(peer: string, sid: string): void {
    this.#sessions.delete(key(peer, sid));
  }

  get size(): number {
    return this.#sessions.size;
  }
}

function key(peer: string, sid: string): string {
  return `${peer}\u0000${sid}`;
}
