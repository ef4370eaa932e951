// One side of a Jingle conformance row as the wire sees it: the connection handed to that side's
// FileTransferManager, which records every Jingle action the side sends (with its reason), counts
// the iq/message handlers it registers, and lets a case look at (or hold) an iq arriving at this
// side before the manager's own handler does.
import type { IqHandler, XmppConnection } from '@ferry/client/internal/connection';
import { decodeJingle, type Jingle } from '@ferry/protocol/payloads/jingle';
import { NS } from '@ferry/protocol/namespaces';
import type { Element } from '@ferry/protocol/xml/element';

/** A Jingle action one side sent. */
export interface SentJingle {
  to: string;
  jingle: Jingle;
}

/** An iq arriving at this side; returning a value (or a promise) claims it, undefined lets it through. */
export type Tap = IqHandler;

export interface TapMatch {
  namespace: string;
  name: string;
  /** Whether this payload is the one the case waits for. */
  match(payload: Element): boolean;
}

export class JingleWire {
  readonly connection: XmppConnection;
  /** What this side sent, in order. */
  readonly sent: SentJingle[] = [];
  #addressees: string[] = [];
  #registered = 0;
  #baseline = 0;
  readonly #taps = new Set<{ on: TapMatch; tap: Tap; seen: WeakSet<Element> }>();

  constructor(connection: XmppConnection) {
    const record = (stanza: Element) => {
      const to = String(stanza.attrs.to);
      this.#addressees.push(to);
      const payload = stanza.name === 'iq' ? stanza.getChild('jingle', NS.JINGLE) : undefined;
      if (payload) this.sent.push({ to, jingle: decodeJingle(payload) });
    };
    const counted = (remove: () => unknown) => {
      this.#registered += 1;
      let isRemoved = false;
      return () => {
        if (!isRemoved) this.#registered -= 1;
        isRemoved = true;
        remove();
      };
    };
    this.connection = {
      jid: connection.jid,
      ...(connection.tls ? { tls: connection.tls } : {}),
      get localAddress() {
        return connection.localAddress;
      },
      send: (stanza) => (record(stanza), connection.send(stanza)),
      request: (iq, timeoutMs, signal) => {
        // Recorded once it went out: a request with an aborted signal throws before sending.
        const answer = connection.request(iq, timeoutMs, signal);
        record(iq);
        return answer;
      },
      onIq: (type, namespace, name, handler) => {
        let isRegistered = true;
        const remove = counted(
          connection.onIq(type, namespace, name, (stanza, payload) => {
            const claimed = this.#runTaps(namespace, name, stanza, payload);
            if (claimed !== undefined) return claimed;
            // A tap may have made the owner remove this handler (an abort): then it is not asked.
            return isRegistered ? handler(stanza, payload) : undefined;
          }),
        );
        return () => {
          isRegistered = false;
          remove();
        };
      },
      onMessage: (listener) => counted(connection.onMessage(listener)),
      onPresence: (listener) => connection.onPresence(listener),
      addPresenceFilter: (filter) => connection.addPresenceFilter(filter),
      onDisconnect: (listener) => connection.onDisconnect(listener),
      stop: () => connection.stop(),
    };
  }

  /** What is registered now counts as the side's own (the manager's permanent handlers). */
  settle(): void {
    this.#baseline = this.#registered;
  }

  /** Handlers registered since settle() and not removed. */
  handlersLeft(): number {
    return this.#registered - this.#baseline;
  }

  /** Forgets what was sent (a new case starts). */
  clear(): void {
    this.sent.length = 0;
    this.#addressees = [];
  }

  /** Stanzas of any kind sent to `jid`. */
  sentTo(jid: string): number {
    return this.#addressees.filter((to) => to === jid).length;
  }

  /** The session-terminate reasons this side sent, in order. */
  terminates(): string[] {
    return this.sent
      .filter(({ jingle }) => jingle.action === 'session-terminate')
      .map(({ jingle }) => jingle.reason?.condition ?? 'no reason');
  }

  /** Runs `tap` on the first iq matching `on` that reaches this side's handlers, once. */
  tap(on: TapMatch, tap: Tap): () => void {
    const entry = { on, tap, seen: new WeakSet<Element>() };
    this.#taps.add(entry);
    return () => this.#taps.delete(entry);
  }

  #runTaps(namespace: string, name: string, stanza: Element, payload: Element): ReturnType<IqHandler> {
    for (const entry of this.#taps) {
      if (entry.on.namespace !== namespace || entry.on.name !== name) continue;
      // A key may have several handlers (one per IBB sid…): each payload is seen once.
      if (entry.seen.has(payload) || !entry.on.match(payload)) continue;
      entry.seen.add(payload);
      const claimed = entry.tap(stanza, payload);
      if (claimed !== undefined) return claimed;
    }
    return undefined;
  }
}

/** An iq of this Jingle action (session-initiate, transport-info…). */
export function jingleAction(action: string, extra: (payload: Element) => boolean = () => true): TapMatch {
  return {
    namespace: NS.JINGLE,
    name: 'jingle',
    match: (payload) => payload.attrs.action === action && extra(payload),
  };
}
