// RFC 6120 §10 / RFC 6121 §8: server rules for processing stanzas.
// Every stanza from a bound session, or made by a module, enters here. The router validates it,
// classifies its address (host / bare / full / none), and emits it under a key; the first handler
// that claims it ends dispatch. IQ get/set are matched on their payload's namespace and name, and
// an unclaimed one is answered service-unavailable here and only here. Handlers may be async:
// per-session order is kept by SessionOrder. What cannot be delivered here (another domain, a
// session bound elsewhere) is offered to the remote routes; everything for a session leaves through
// the one outbound path.
import { Jid } from '@ferry/protocol/jid';
import { StanzaError, errorReply } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { detached } from '@ferry/protocol/xml/detached';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Logger } from './logger.js';
import type { SessionDirectory } from './session-directory.js';
import type { LocalSession, SessionInfo } from './session.js';
import type {
  IqHandler,
  IqMatch,
  OutboundFilter,
  RemoteHandler,
  RemoteStanza,
  StanzaHandler,
  StanzaKind,
  AddressKind,
  RoutedStanza,
} from './routing-types.js';
import { PendingIqs } from './pending-iqs.js';
import { OutboundPath } from './outbound.js';
import { SessionOrder } from './session-order.js';
import { UnhandledIqLog } from './unhandled-iqs.js';
import { ServerCounters, base64DecodedLength, countBy } from './counters.js';
import { IbbSessions } from './ibb-sessions.js';
import { NS } from '@ferry/protocol/namespaces';

const MESSAGE_TYPES = new Set(['normal', 'chat', 'groupchat', 'headline', 'error']);
const PRESENCE_TYPES = new Set([
  'available',
  'unavailable',
  'subscribe',
  'subscribed',
  'unsubscribe',
  'unsubscribed',
  'probe',
  'error',
]);
const IQ_TYPES = new Set(['get', 'set', 'result', 'error']);
const MAX_REMEMBERED_JIDS = 4096;

interface Registered<H> {
  handler: H;
  priority: number;
}

export interface RouterOptions {
  domain: string;
  sessions: SessionDirectory;
  logger: Logger;
  /** Where routing counts what it does (metrics); a fresh set when not given (unit tests). */
  counters?: ServerCounters;
}

export class Router {
  readonly domain: string;
  readonly counters: ServerCounters;
  /** XEP-0047 sessions forwarded between local sessions now, for operators (ibb-sessions.ts). */
  readonly ibbSessions = new IbbSessions();
  readonly #sessions: SessionDirectory;
  readonly #logger: Logger;
  readonly #hosts = new Set<string>();
  readonly #stanzaHandlers = new Map<string, Registered<StanzaHandler>[]>();
  readonly #iqHandlers = new Map<string, IqHandler>();
  readonly #remoteHandlers: Registered<RemoteHandler>[] = [];
  readonly #pending = new PendingIqs();
  readonly #jids = new Map<string, Jid>();
  readonly #outbound: OutboundPath;
  readonly #order: SessionOrder;
  readonly #unhandled: UnhandledIqLog;

  constructor(options: RouterOptions) {
    this.domain = options.domain;
    this.#sessions = options.sessions;
    this.#logger = options.logger;
    this.counters = options.counters ?? new ServerCounters();
    this.#hosts.add(options.domain);
    this.#outbound = new OutboundPath(
      options.logger,
      (stanza, to) => {
        void this.#routeRemote({ stanza, reason: 'session', to: to.jid, session: to, origin: undefined });
      },
      this.counters,
    );
    this.#order = new SessionOrder(
      (stanza, origin) => this.#dispatch(stanza, origin),
      (origin) => {
        this.#logger.warn({ jid: origin.jid.toString() }, 'too many stanzas held while an earlier one was handled');
        this.#sessions.close(origin, new StreamError('policy-violation', 'too many stanzas in flight'));
      },
    );
    this.#unhandled = new UnhandledIqLog(options.logger);
  }

  /** Components such as proxy.<domain> answer stanzas addressed to their own domain. */
  addHost(domain: string): () => void {
    this.#hosts.add(domain);
    return () => this.#hosts.delete(domain);
  }

  isLocalHost(domain: string): boolean {
    return this.#hosts.has(domain);
  }

  on(kind: Exclude<StanzaKind, 'iq'>, address: AddressKind, handler: StanzaHandler, priority = 0): () => void {
    const key = `${kind}/${address}`;
    const list = this.#stanzaHandlers.get(key) ?? [];
    this.#stanzaHandlers.set(key, list);
    return register(list, handler, priority);
  }

  /** Claims stanzas for other domains, or for sessions bound elsewhere (s2s, cluster). */
  onRemote(handler: RemoteHandler, priority = 0): () => void {
    return register(this.#remoteHandlers, handler, priority);
  }

  /** Every stanza for a session passes these filters (logging, carbons, counters, forwarding). */
  addOutboundFilter(filter: OutboundFilter, priority = 0): () => void {
    return this.#outbound.addFilter(filter, priority);
  }

  onIq(match: IqMatch, handler: IqHandler): () => void {
    const keys = iqKeys(match, this.domain);
    for (const key of keys) {
      if (this.#iqHandlers.has(key)) throw new Error(`two handlers for ${key}`);
      this.#iqHandlers.set(key, handler);
    }
    return () => {
      for (const key of keys) this.#iqHandlers.delete(key);
    };
  }

  /** Sends an IQ get/set from the server and waits for its result (bounded by timeoutMs). */
  request(iq: Element, timeoutMs: number): Promise<Element> {
    const promise = this.#pending.add(iq, timeoutMs);
    this.route(iq, undefined);
    return promise;
  }

  /**
   * Routes one stanza. `origin` is the session it came from (its `from` is already stamped);
   * undefined for stanzas the server itself makes.
   */
  route(stanza: Element, origin: LocalSession | undefined): void {
    if (origin !== undefined) this.#order.push(stanza, origin);
    else void this.#dispatch(stanza, undefined);
  }

  /** Sends a stanza to one session, as-is, through the outbound path. */
  deliver(to: SessionInfo, stanza: Element): void {
    this.#outbound.send(to, stanza);
  }

  /** Undefined when handled synchronously; otherwise settles (never rejects) when handled. */
  #dispatch(stanza: Element, origin: LocalSession | undefined): Promise<void> | undefined {
    const kind = stanza.name as StanzaKind;
    const type = (stanza.attrs.type as string | undefined) ?? defaultType(kind);
    if (!isValidType(kind, type)) {
      this.#bounce(stanza, new StanzaError('bad-request', { text: `invalid ${kind} type "${type}"` }), origin);
      return;
    }
    const rawFrom = (stanza.attrs.from as string | undefined) ?? this.domain;
    // The c2s stream stamped its session's address: no need to parse it again.
    const from = origin !== undefined && rawFrom === origin.jid.toString() ? origin.jid : this.#jid(rawFrom);
    if (!from) return; // only the server stamps from; an unparsable one is a bug upstream
    const rawTo = stanza.attrs.to as string | undefined;
    let to: Jid | undefined;
    if (rawTo !== undefined) {
      to = this.#jid(rawTo);
      if (!to) {
        this.#bounce(stanza, new StanzaError('jid-malformed', { text: 'invalid "to" address' }), origin);
        return;
      }
      // Normalise so every handler and every recipient sees the prepared form.
      stanza.attrs.to = to.toString();
    }
    if (to && !this.#hosts.has(to.domain)) {
      return this.#routeRemote({ stanza, reason: 'domain', to, session: undefined, origin });
    }
    const address = classify(kind, to);
    const target = to ?? (kind === 'presence' ? undefined : from.bare());
    const event: RoutedStanza = {
      stanza,
      kind,
      type,
      from,
      to: target,
      address,
      origin,
      isSelf: target !== undefined && target.isBare && target.equals(from.bare()),
    };
    // XEP-0047 §3 with stanza="message": the <data/> rides in messages to the peer's full JID,
    // after an <open/> IQ that started the session. Looked at only while some IBB session is open.
    if (kind === 'message' && address === 'full' && target !== undefined && this.ibbSessions.size > 0) {
      const data = stanza.getChild('data', NS.IBB);
      if (data !== undefined) this.#countIbb(data, from.toString(), target.toString(), undefined);
    }
    return kind === 'iq' ? this.#routeIq(event) : this.#emit(event, 0);
  }

  /**
   * Parses an address, remembering recent ones: the same few addresses recur on every stanza of a
   * conversation and preparing them (RFC 7622) costs more than the rest of routing. Jids are
   * immutable, so sharing them is safe; the table is bounded and simply starts over when full.
   */
  #jid(address: string): Jid | undefined {
    const known = this.#jids.get(address);
    if (known !== undefined) return known;
    // The attribute value is a slice of the chunk it arrived in; what we keep must not hold that alive.
    const copy = detached(address);
    const jid = Jid.tryParse(copy);
    if (jid === undefined) return undefined;
    if (this.#jids.size >= MAX_REMEMBERED_JIDS) this.#jids.clear();
    this.#jids.set(copy, jid);
    return jid;
  }

  /** Offers the stanza to handlers from index `from` on; the first to claim it ends dispatch. */
  #emit(event: RoutedStanza, from: number): Promise<void> | undefined {
    const handlers = this.#stanzaHandlers.get(`${event.kind}/${event.address}`) ?? [];
    for (let index = from; index < handlers.length; index += 1) {
      let outcome: ReturnType<StanzaHandler>;
      try {
        outcome = handlers[index]!.handler(event);
      } catch (error) {
        this.#handlerFailed(event, error);
        return undefined;
      }
      if (outcome === true) return undefined;
      if (outcome instanceof Promise) {
        return outcome.then(
          (claimed) => (claimed === true ? undefined : this.#emit(event, index + 1)),
          (error: unknown) => this.#handlerFailed(event, error),
        );
      }
    }
    if (event.kind === 'message') this.#bounce(event.stanza, new StanzaError('service-unavailable'), event.origin);
    // Unclaimed presence is dropped silently (RFC 6121 §4.3.2 and friends).
    return undefined;
  }

  #handlerFailed(event: RoutedStanza, error: unknown): void {
    if (!(error instanceof StanzaError)) {
      this.#logger.error({ err: error, id: event.stanza.attrs.id }, `${event.kind} handler failed`);
    }
    const reply = error instanceof StanzaError ? error : new StanzaError('internal-server-error');
    this.#bounce(event.stanza, reply, event.origin);
  }

  /** Not deliverable here: the first remote route to claim it takes it; otherwise an error answers. */
  #routeRemote(event: RemoteStanza, from = 0): Promise<void> | undefined {
    for (let index = from; index < this.#remoteHandlers.length; index += 1) {
      let outcome: ReturnType<RemoteHandler>;
      try {
        outcome = this.#remoteHandlers[index]!.handler(event);
      } catch (error) {
        this.#logger.error({ err: error, id: event.stanza.attrs.id }, 'remote route failed');
        continue;
      }
      if (outcome === true) return undefined;
      if (outcome instanceof Promise) {
        return outcome.then(
          (claimed) => (claimed ? undefined : this.#routeRemote(event, index + 1)),
          (error: unknown) => {
            this.#logger.error({ err: error, id: event.stanza.attrs.id }, 'remote route failed');
            return this.#routeRemote(event, index + 1);
          },
        );
      }
    }
    // No server-to-server and no cluster: say so rather than drop silently.
    const error =
      event.reason === 'domain'
        ? new StanzaError('remote-server-not-found', { text: `${event.to.domain} is not served here` })
        : new StanzaError('service-unavailable');
    this.#bounce(event.stanza, error, event.origin);
    return undefined;
  }

  #routeIq(event: RoutedStanza): Promise<void> | undefined {
    const { stanza, type } = event;
    if (type === 'result' || type === 'error') {
      if (event.address === 'full' && event.to) {
        const session = this.#sessions.get(event.to);
        if (session) {
          // An error may answer an IBB <open/>: the only result the router looks at, and only errors.
          if (type === 'error' && this.ibbSessions.size > 0)
            this.ibbSessions.refused(event.from.toString(), event.to.toString(), stanza.attrs.id as string | undefined);
          this.#outbound.send(session, stanza);
        }
        return undefined; // RFC 6120 §10.5.3.1: silently ignore results to absent resources
      }
      this.#pending.settle(stanza);
      return undefined;
    }
    const children = stanza.getChildElements();
    if (children.length !== 1) {
      this.#bounce(
        stanza,
        new StanzaError('bad-request', { text: 'an IQ get/set carries exactly one payload' }),
        event.origin,
      );
      return undefined;
    }
    const child = children[0]!;
    const ns = (child.attrs.xmlns as string | undefined) ?? '';
    const addressKey = event.address === 'host' ? `host@${event.to?.domain ?? this.domain}` : event.address;
    const handler = this.#iqHandlers.get(`${type}/${addressKey}/${ns}|${child.name}`);
    if (handler) return this.#runIqHandler(handler, event, child);
    if (event.address === 'full' && event.to) {
      const session = this.#sessions.get(event.to);
      if (session) {
        if (ns === NS.IBB) this.#countIbb(child, event.from.toString(), event.to.toString(), stanza.attrs.id);
        this.#outbound.send(session, stanza);
        return undefined;
      }
    } else {
      this.#unhandled.record({
        ns,
        name: child.name,
        type,
        to: event.to?.toString() ?? '',
        from: event.from.toString(),
      });
    }
    this.#bounce(stanza, new StanzaError('service-unavailable'), event.origin);
    return undefined;
  }

  #runIqHandler(handler: IqHandler, event: RoutedStanza, payload: Element): Promise<void> | undefined {
    const { stanza } = event;
    const reply = (child: Element | null | undefined) => {
      const result = xml('iq', {
        xmlns: stanza.attrs.xmlns as string | undefined,
        type: 'result',
        id: stanza.attrs.id as string | undefined,
        to: event.from.toString(),
        // RFC 6120 §8.1.2.1: a request sent with no `to` is answered with no `from`; one sent to
        // an address (the account's own bare JID included) is answered from that address.
        from: event.to && stanza.attrs.to !== undefined ? event.to.toString() : undefined,
      });
      if (child) result.cnode(child);
      this.#send(result, event.origin);
    };
    const fail = (error: unknown) => {
      if (error instanceof StanzaError) {
        this.#bounce(stanza, error, event.origin);
        return;
      }
      this.#logger.error({ err: error, id: stanza.attrs.id, ns: payload.attrs.xmlns }, 'iq handler failed');
      this.#bounce(stanza, new StanzaError('internal-server-error'), event.origin);
    };
    try {
      const outcome = handler({ ...event, payload });
      if (outcome instanceof Promise) return outcome.then(reply, fail);
      reply(outcome);
    } catch (error) {
      fail(error);
    }
    return undefined;
  }

  /**
   * XEP-0047 between two sessions: the only IQ payload the router looks into (and a message's
   * <data/>), to count it and to keep the table of IBB sessions operators see.
   */
  #countIbb(payload: Element, from: string, to: string, id: unknown): void {
    const ibb = this.counters.ibb;
    const sid = payload.attrs.sid;
    if (payload.name === 'data') {
      ibb.dataStanzas += 1;
      // The text is the one child a well-formed <data/> has; getText() would join a new string.
      const text = payload.children.length === 1 ? payload.children[0] : payload.getText();
      if (typeof text !== 'string') return;
      const bytes = base64DecodedLength(text);
      ibb.dataBytes += bytes;
      if (typeof sid === 'string') this.ibbSessions.data(from, to, sid, bytes);
    } else if (payload.name === 'open') {
      ibb.opened += 1;
      if (typeof sid === 'string') this.ibbSessions.opened(from, to, sid, typeof id === 'string' ? id : undefined);
    } else if (payload.name === 'close') {
      ibb.closed += 1;
      if (typeof sid === 'string') this.ibbSessions.closed(from, to, sid);
    }
  }

  /** Answers a stanza with an error; never answers an error or a result (RFC 6120 §8.3.1). */
  #bounce(stanza: Element, error: StanzaError, origin: LocalSession | undefined): void {
    const type = stanza.attrs.type as string | undefined;
    if (type === 'error' || (stanza.name === 'iq' && type === 'result')) return;
    countBy(this.counters.routingErrors, error.condition);
    const reply = errorReply(stanza, error);
    if (!reply.attrs.from) reply.attrs.from = this.domain;
    this.#send(reply, origin);
  }

  /** Replies go straight back to the originating session when there is one; otherwise routed. */
  #send(stanza: Element, origin: LocalSession | undefined): void {
    if (origin && stanza.attrs.to === origin.jid.toString()) {
      this.#outbound.send(origin, stanza);
      return;
    }
    if (!stanza.attrs.to) return;
    this.route(stanza, undefined);
  }
}

/** Adds to a priority-ordered list (stable for equal priorities); returns the removal. */
function register<H>(list: Registered<H>[], handler: H, priority: number): () => void {
  const entry = { handler, priority };
  list.push(entry);
  list.sort((a, b) => b.priority - a.priority);
  return () => {
    const index = list.indexOf(entry);
    if (index >= 0) list.splice(index, 1);
  };
}

function defaultType(kind: StanzaKind): string {
  if (kind === 'message') return 'normal';
  if (kind === 'presence') return 'available';
  return '';
}

function isValidType(kind: StanzaKind, type: string): boolean {
  if (kind === 'message') return MESSAGE_TYPES.has(type);
  if (kind === 'presence') return PRESENCE_TYPES.has(type);
  return IQ_TYPES.has(type);
}

function classify(kind: StanzaKind, to: Jid | undefined): AddressKind {
  if (!to) return kind === 'presence' ? 'none' : 'bare';
  // A component's or the server's own domain, with or without a resource, is the host.
  if (to.local === '') return 'host';
  return to.resource === '' ? 'bare' : 'full';
}

function iqKeys(match: IqMatch, domain: string): string[] {
  const [ns, name] = match.child;
  const addresses = Array.isArray(match.to) ? match.to : [match.to];
  return addresses.map((address) => {
    const key = address === 'host' ? `host@${match.host ?? domain}` : address;
    return `${match.type}/${key}/${ns}|${name}`;
  });
}
