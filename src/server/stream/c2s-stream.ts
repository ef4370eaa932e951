// RFC 6120 §4–§7: one client-to-server stream, from the first header to the end of the
// connection: features → STARTTLS → SASL → restart → bind → stanzas to the router.
import { randomBytes, randomUUID } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import { NS } from '@ferry/protocol/namespaces';
import { Jid } from '@ferry/protocol/jid';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { StanzaError, errorReply } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { detached } from '@ferry/protocol/xml/detached';
import type { StreamTransport, StreamTransportHandlers } from '../transport/stream-transport.js';
import type { Logger } from '../core/logger.js';
import type { Router } from '../core/router.js';
import type { SessionBinding } from '../core/session-directory.js';
import type { TypedEmitter } from '../core/typed-emitter.js';
import type { ServerEvents } from '../core/server-events.js';
import { countBy, type ServerCounters } from '../core/counters.js';
import type { CredentialLookup } from '../auth/sasl.js';
import type { LoginAttempt, LoginThrottle } from './auth-throttle.js';
import { SaslNegotiation } from './sasl-negotiation.js';
import { BoundSession } from './bound-session.js';
import { streamFeatures } from './stream-features.js';
import type { PreAuthHooks } from './pre-auth-hooks.js';

export interface C2sOptions {
  domain: string;
  requireTls: boolean;
  secureContext: SecureContext;
  authTimeoutMs: number;
  maxAuthFailures: number;
  credentials: CredentialLookup;
  throttle: LoginThrottle;
  sessions: SessionBinding;
  router: Router;
  events: TypedEmitter<ServerEvents>;
  counters: ServerCounters;
  logger: Logger;
  preAuth: PreAuthHooks;
  /** SCRAM server nonces (default: 18 random bytes each, from the mechanism). */
  nonce?: () => string;
  /** Called once when SASL succeeded (the stream no longer counts as unauthenticated). */
  onAuthenticated?: (stream: C2sStream) => void;
  /** Called once when the connection is gone. */
  onEnded?: (stream: C2sStream) => void;
}

type State = 'header' | 'negotiating' | 'authenticated' | 'bound' | 'closed';
type LogLevel = 'debug' | 'info';
const STANZA_NAMES = new Set(['message', 'presence', 'iq']);

/**
 * The stream is its transport's handler object (StreamTransportHandlers), and logs with bindings
 * made only when the level is on: an idle connection retains no closures, child logger or promise.
 */
export class C2sStream implements StreamTransportHandlers {
  readonly #transport: StreamTransport;
  readonly #options: C2sOptions;
  #id: string | undefined; // for logs only: made on first use
  #state: State = 'header';
  #isHeaderSent = false;
  #username: string | undefined;
  #session: BoundSession | undefined;
  #sasl: SaslNegotiation | undefined;
  #attempt: LoginAttempt | undefined; // admitted by the throttle, not settled yet
  #authFailures = 0;
  #isBusy = false; // a SASL step or TLS upgrade is in flight; the stream waits for it
  #authTimer: NodeJS.Timeout | undefined;
  #closed: { promise: Promise<void>; resolve: () => void } | undefined; // made when asked for
  #isEnded = false;

  constructor(transport: StreamTransport, options: C2sOptions) {
    this.#transport = transport;
    this.#options = options;
    this.#authTimer = setTimeout(onAuthTimeout, options.authTimeoutMs, this);
    transport.setHandlers(this);
  }

  get id(): string {
    this.#id ??= randomUUID();
    return this.#id;
  }

  get isAuthenticated(): boolean {
    return this.#username !== undefined;
  }

  get transportKind(): StreamTransport['kind'] {
    return this.#transport.kind;
  }

  get session(): BoundSession | undefined {
    return this.#session;
  }

  /** Settles when the connection is gone. */
  get closed(): Promise<void> {
    if (this.#isEnded) return Promise.resolve();
    if (this.#closed === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#closed = { promise, resolve };
    }
    return this.#closed.promise;
  }

  close(error?: StreamError): void {
    if (this.#state === 'closed') return;
    if (error) this.#log('debug', { condition: error.condition, text: error.text }, 'closing stream with error');
    // RFC 6120 §4.9.1.1: an error before our header still needs the header first.
    if (error && !this.#isHeaderSent) this.#sendHeader(undefined);
    this.#state = 'closed';
    this.#clearAuthTimer();
    this.#transport.close(error);
  }

  // StreamTransportHandlers
  /** @internal */
  onOpen(attrs: Record<string, string>): void {
    this.#onOpen(attrs);
  }

  /** @internal */
  onStanza(element: Element): void {
    this.#onElement(element);
  }

  /** @internal */
  onClose(): void {
    this.close();
  }

  /** @internal */
  onError(error: StreamError): void {
    this.close(error);
  }

  /** @internal */
  onEnd(): void {
    this.#onEnd();
  }

  #log(level: LogLevel, fields: Record<string, unknown>, message: string): void {
    const logger = this.#options.logger;
    if (!logger.isLevelEnabled(level)) return;
    logger[level]({ stream: this.id.slice(0, 8), remote: this.#transport.remoteAddress, ...fields }, message);
  }

  #clearAuthTimer(): void {
    clearTimeout(this.#authTimer);
    this.#authTimer = undefined;
  }

  #sendHeader(to: string | undefined): void {
    this.#isHeaderSent = true;
    this.#transport.sendHeader({ from: this.#options.domain, id: randomUUID(), to });
  }

  #onOpen(attrs: Record<string, string>): void {
    if (this.#state !== 'header') {
      this.close(new StreamError('invalid-xml', 'unexpected stream header'));
      return;
    }
    const to = attrs.to;
    this.#sendHeader(attrs.from);
    if (to !== undefined) {
      const jid = Jid.tryParse(to);
      if (!jid || !jid.isDomain) return this.close(new StreamError('improper-addressing', `bad "to": ${to}`));
      if (jid.domain !== this.#options.domain)
        return this.close(new StreamError('host-unknown', `${to} is not served here`));
    }
    const version = attrs.version ?? '';
    if (!/^1\.\d+$/.test(version)) {
      return this.close(new StreamError('unsupported-version', 'XMPP 1.0 streams only'));
    }
    // RFC 7395 §3.3.1: a WebSocket <open/> is in the framing namespace; stanzas are still jabber:client.
    const expected = this.#transport.kind === 'websocket' ? NS.FRAMING : NS.CLIENT;
    if ((attrs.xmlns ?? expected) !== expected) {
      return this.close(new StreamError('invalid-namespace', 'client streams use jabber:client'));
    }
    this.#state = this.#username === undefined ? 'negotiating' : 'authenticated';
    const { isSecure, canStartTls } = this.#transport;
    const { requireTls, preAuth } = this.#options;
    const isAuthenticated = this.#state === 'authenticated';
    this.#transport.send(streamFeatures({ isAuthenticated, isSecure, canStartTls, requireTls, preAuth }));
  }

  #onElement(element: Element): void {
    if (this.#isBusy || this.#state === 'header' || this.#state === 'closed') {
      if (this.#state !== 'closed')
        this.close(new StreamError('policy-violation', 'stanza before negotiation step finished'));
      return;
    }
    if (this.#state === 'bound') return this.#onStanza(element);
    if (this.#state === 'authenticated') return this.#onBind(element);
    this.#onNegotiation(element);
  }

  #onNegotiation(element: Element): void {
    if (element.name === 'starttls' && element.attrs.xmlns === NS.TLS) return void this.#startTls();
    if (element.attrs.xmlns === NS.SASL) return void this.#onSasl(element);
    if (element.name === 'iq' && this.#options.preAuth.handles(element)) {
      if (!this.#transport.isSecure && this.#options.requireTls) {
        return this.#transport.send(errorReply(element, new StanzaError('not-authorized', { text: 'TLS first' })));
      }
      void this.#options.preAuth.handle(element, this.#transport).then((reply) => this.#transport.send(reply));
      return;
    }
    this.close(new StreamError('not-authorized', 'authenticate first'));
  }

  async #startTls(): Promise<void> {
    if (!this.#transport.canStartTls) {
      return this.close(new StreamError('policy-violation', 'STARTTLS is not offered on this stream'));
    }
    this.#isBusy = true;
    this.#transport.send(xml('proceed', { xmlns: NS.TLS }));
    try {
      await this.#transport.startTls(this.#options.secureContext);
    } catch (error) {
      this.#log('debug', { err: error }, 'TLS handshake failed');
      this.#transport.destroy();
      return;
    }
    this.#isBusy = false;
    this.#state = 'header';
  }

  async #onSasl(element: Element): Promise<void> {
    if (!this.#transport.isSecure && this.#options.requireTls) {
      return this.close(new StreamError('policy-violation', 'encryption is required before authentication'));
    }
    this.#sasl ??= new SaslNegotiation(
      this.#options.credentials,
      this.#transport.isSecure,
      this.#options.nonce,
      this.#options.domain,
      async (username) => {
        this.#attempt = await this.#options.throttle.admit(this.#transport.remoteAddress, username);
      },
    );
    this.#isBusy = true;
    const outcome = await this.#sasl.handle(element);
    this.#isBusy = false;
    // Settled even when the connection is gone meanwhile: the check happened.
    if (outcome?.kind === 'success') this.#settleAttempt('succeeded');
    if (outcome?.kind === 'failure') {
      this.#settleAttempt(outcome.failure.condition === 'not-authorized' ? 'failed' : 'abandoned');
    }
    if (this.#state === 'closed' || !outcome) return;
    if (outcome.kind === 'reply') return this.#transport.send(outcome.element);
    if (outcome.kind === 'success') {
      this.#options.counters.authSuccesses += 1;
      this.#username = outcome.username;
      this.#sasl = undefined;
      this.#state = 'header';
      this.#transport.restart();
      this.#transport.send(outcome.element);
      this.#log('info', { user: outcome.username }, 'authenticated');
      this.#options.onAuthenticated?.(this);
      return;
    }
    this.#onAuthFailure(outcome.element, outcome.failure.condition, outcome.username);
  }

  #settleAttempt(outcome: 'succeeded' | 'failed' | 'abandoned'): void {
    const attempt = this.#attempt;
    this.#attempt = undefined;
    attempt?.[outcome]();
  }

  #onAuthFailure(failure: Element, condition: string, user: string | undefined): void {
    // The throttle's waits come before the password is checked (auth-throttle.ts), not here.
    this.#authFailures += 1;
    countBy(this.#options.counters.authFailures, condition);
    this.#transport.send(failure);
    this.#log('info', { condition, user, failures: this.#authFailures }, 'authentication failed');
    if (this.#authFailures >= this.#options.maxAuthFailures) {
      this.close(new StreamError('policy-violation', 'too many authentication failures'));
    }
  }

  #onBind(element: Element): void {
    const bind = element.name === 'iq' && element.attrs.type === 'set' ? element.getChild('bind', NS.BIND) : undefined;
    if (!bind) return this.close(new StreamError('not-authorized', 'bind a resource first'));
    const requested = bind.getChildText('resource')?.trim();
    // Kept for the session's life: a copy, not a view of the chunk the request came in.
    const resource = requested ? detached(requested) : `ferry-${randomBytes(6).toString('hex')}`;
    const jid = tryJid(this.#username!, this.#options.domain, resource);
    if (!jid) {
      return this.#transport.send(errorReply(element, new StanzaError('bad-request', { text: 'invalid resource' })));
    }
    const session = new BoundSession(jid, this.#transport, this);
    const replaced = this.#options.sessions.add(session);
    // RFC 6120 §7.7.2.2: the newer session wins; the old one learns why it was closed.
    replaced?.close(new StreamError('conflict', 'replaced by a new connection'));
    this.#session = session;
    this.#state = 'bound';
    this.#clearAuthTimer();
    this.#transport.send(
      xml(
        'iq',
        { type: 'result', id: element.attrs.id as string },
        xml('bind', { xmlns: NS.BIND }, xml('jid', null, jid.toString())),
      ),
    );
    this.#log('info', { jid: jid.toString() }, 'session bound');
    this.#options.events.emit('session-bound', session);
  }

  #onStanza(stanza: Element): void {
    const session = this.#session!;
    if (!STANZA_NAMES.has(stanza.name)) {
      return this.close(new StreamError('unsupported-stanza-type', `<${stanza.name}/> is not a stanza`));
    }
    const from = stanza.attrs.from as string | undefined;
    if (from !== undefined && from !== session.jid.toString() && from !== session.jid.bare().toString()) {
      const parsed = Jid.tryParse(from);
      if (!parsed || !(parsed.equals(session.jid) || parsed.equals(session.jid.bare()))) {
        return this.close(new StreamError('invalid-from', `"${from}" is not this stream's address`));
      }
    }
    stanza.attrs.from = session.jid.toString();
    this.#options.counters.countStanza(this.#options.counters.stanzasIn, stanza.name);
    // RFC 3921 §3: legacy session establishment is a no-op kept for old clients.
    if (
      stanza.name === 'iq' &&
      stanza.attrs.type === 'set' &&
      !stanza.attrs.to &&
      stanza.getChild('session', NS.SESSION)
    ) {
      const result = xml('iq', { type: 'result', id: stanza.attrs.id as string, to: session.jid.toString() });
      return this.#options.router.deliver(session, result);
    }
    this.#options.router.route(stanza, session);
  }

  #onEnd(): void {
    this.#state = 'closed';
    this.#isEnded = true;
    this.#settleAttempt('abandoned');
    this.#clearAuthTimer();
    this.#closed?.resolve();
    this.#options.onEnded?.(this);
    const session = this.#session;
    if (!session) return;
    session.isClosed = true;
    if (this.#options.sessions.remove(session)) this.#options.events.emit('session-closed', session);
    this.#log('info', { jid: session.jid.toString() }, 'session closed');
  }
}

/**
 * Refuses a new connection before it becomes a stream (a server-wide limit is reached): our
 * header, then the stream error (RFC 6120 §4.9.1.1), then the end of the connection.
 */
export function refuseStream(transport: StreamTransport, domain: string, error: StreamError): void {
  transport.sendHeader({ from: domain, id: randomUUID() });
  transport.close(error);
}

function onAuthTimeout(stream: C2sStream): void {
  stream.close(new StreamError('connection-timeout', 'no authentication in time'));
}

function tryJid(local: string, domain: string, resource: string): Jid | undefined {
  try {
    return Jid.of(local, domain, resource);
  } catch {
    return undefined;
  }
}
