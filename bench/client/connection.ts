// The load generator's XMPP client: one raw TCP socket, a stream header, SASL SCRAM-SHA-1 over
// plain TCP (the benchmark listeners have no TLS), resource binding, then raw stanza strings in
// and out. No DOM, no event bus: measures install one stanza handler and count what they get.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { ScramSha1Client } from './scram.js';
import { XmlScanner, attribute, childText, escapeXml, localName, type StreamEvent } from './xml-scanner.js';

export interface Endpoint {
  host: string;
  port: number;
  /** The XMPP domain, e.g. localhost. */
  domain: string;
}

export interface Account {
  username: string;
  password: string;
}

export interface LoginOptions {
  resource?: string;
  /** Send initial presence after binding (what a real client does before chatting). */
  presence?: boolean;
  timeoutMs?: number;
}

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';

export class XmppError extends Error {}

interface PendingIq {
  resolve(stanza: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class BenchConnection {
  readonly socket: Socket;
  readonly endpoint: Endpoint;
  jid = '';
  /** Every stanza that is not the answer to a pending iq() goes here once logged in. */
  onStanza: (stanza: string) => void = () => {};
  readonly #scanner: XmlScanner;
  readonly #pending = new Map<string, PendingIq>();
  #queue: StreamEvent[] = [];
  #waiter: ((event: StreamEvent | Error) => void) | undefined;
  #failure: Error | undefined;
  #isNegotiating = true;
  #nextId = 0;
  readonly closed: Promise<void>;

  private constructor(socket: Socket, endpoint: Endpoint) {
    this.socket = socket;
    this.endpoint = endpoint;
    this.#scanner = new XmlScanner((event) => this.#onEvent(event));
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.#scanner.feed(chunk));
    socket.on('error', (error) => this.#fail(error));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => this.#fail(new XmppError('connection closed')));
  }

  /** Connects, authenticates with SCRAM-SHA-1 and binds a resource; rejects (socket destroyed) on any failure. */
  static async login(endpoint: Endpoint, account: Account, options: LoginOptions = {}): Promise<BenchConnection> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const connection = new BenchConnection(socket, endpoint);
    const timer = setTimeout(() => connection.#fail(new XmppError(`login not done within ${timeoutMs} ms`)), timeoutMs);
    try {
      await connection.#negotiate(account, options.resource ?? `bench-${randomBytes(4).toString('hex')}`);
      if (options.presence) connection.write('<presence/>');
      return connection;
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** True when the server answers a stream header with stream features (no login). */
  static async probe(endpoint: Endpoint, timeoutMs: number): Promise<boolean> {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const connection = new BenchConnection(socket, endpoint);
    const timer = setTimeout(() => connection.#fail(new XmppError('probe timed out')), timeoutMs);
    try {
      connection.write(connection.#header());
      await connection.#nextStanza('features');
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      socket.destroy();
    }
  }

  /**
   * XEP-0077 in-band registration before authentication (used only to create many accounts fast).
   * Resolves when the account exists afterwards, including when it already existed (<conflict/>).
   */
  static async register(endpoint: Endpoint, account: Account, timeoutMs = 10_000): Promise<void> {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const connection = new BenchConnection(socket, endpoint);
    const timer = setTimeout(
      () => connection.#fail(new XmppError(`registration not done within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      connection.write(connection.#header());
      await connection.#nextStanza('features');
      connection.write(
        `<iq type='set' id='register'><query xmlns='jabber:iq:register'><username>${escapeXml(account.username)}` +
          `</username><password>${escapeXml(account.password)}</password></query></iq>`,
      );
      const reply = await connection.#nextStanza('iq');
      if (attribute(reply, 'type') !== 'result' && !reply.includes('<conflict')) {
        throw new XmppError(`registration of ${account.username} refused: ${reply}`);
      }
    } finally {
      clearTimeout(timer);
      socket.destroy();
    }
  }

  async #negotiate(account: Account, resource: string): Promise<void> {
    const { domain } = this.endpoint;
    this.write(this.#header());
    const features = await this.#nextStanza('features');
    if (/<starttls[^>]*>\s*<required/.test(features)) throw new XmppError('the server requires TLS on this port');
    if (!/<mechanism>SCRAM-SHA-1<\/mechanism>/.test(features)) {
      throw new XmppError(`SCRAM-SHA-1 not offered: ${features}`);
    }
    const scram = new ScramSha1Client(account.username, account.password);
    this.write(`<auth xmlns='${NS_SASL}' mechanism='SCRAM-SHA-1'>${scram.start()}</auth>`);
    const challenge = await this.#nextStanza('challenge');
    this.write(`<response xmlns='${NS_SASL}'>${await scram.respond(textOf(challenge))}</response>`);
    const success = await this.#nextStanza('success');
    scram.verify(textOf(success));

    this.write(this.#header());
    const boundFeatures = await this.#nextStanza('features');
    if (!boundFeatures.includes(NS_BIND)) throw new XmppError(`no resource binding offered to ${domain}`);
    this.write(
      `<iq type='set' id='bind'><bind xmlns='${NS_BIND}'><resource>${escapeXml(resource)}</resource></bind></iq>`,
    );
    const bound = await this.#nextStanza('iq');
    const jid = childText(bound, 'jid');
    if (attribute(bound, 'type') !== 'result' || !jid) throw new XmppError(`bind failed: ${bound}`);
    this.jid = jid;
    // RFC 3921 session establishment, only where a server still marks it mandatory.
    const session = new RegExp(`<session xmlns=['"]${NS_SESSION}['"]\\s*(/>|>\\s*</session>)`);
    if (session.test(boundFeatures)) {
      this.write(`<iq type='set' id='session'><session xmlns='${NS_SESSION}'/></iq>`);
      const reply = await this.#nextStanza('iq');
      if (attribute(reply, 'type') !== 'result') throw new XmppError(`session failed: ${reply}`);
    }
    this.#isNegotiating = false;
    for (const event of this.#queue.splice(0)) this.#onEvent(event);
  }

  #header(): string {
    return (
      `<?xml version='1.0'?><stream:stream to='${this.endpoint.domain}' xmlns='jabber:client' ` +
      `xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`
    );
  }

  /** The next stanza during negotiation; a SASL <failure/> or stream error rejects. */
  async #nextStanza(expected: string): Promise<string> {
    for (;;) {
      const event = await this.#nextEvent();
      if (event.kind === 'open') continue;
      if (event.kind === 'close')
        throw new XmppError(`the server closed the stream while we waited for <${expected}/>`);
      const name = localName(event.text);
      if (name === expected) return event.text;
      if (name === 'failure' || name === 'error') throw new XmppError(`<${expected}/> expected, got ${event.text}`);
    }
  }

  #nextEvent(): Promise<StreamEvent> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiter = (event) => (event instanceof Error ? reject(event) : resolve(event));
    });
  }

  #onEvent(event: StreamEvent): void {
    if (this.#isNegotiating) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      if (waiter) waiter(event);
      else this.#queue.push(event);
      return;
    }
    if (event.kind !== 'stanza') {
      if (event.kind === 'close') this.#fail(new XmppError('the server closed the stream'));
      return;
    }
    const stanza = event.text;
    if (this.#pending.size > 0 && stanza.startsWith('<iq')) {
      const id = attribute(stanza, 'id');
      const pending = id === undefined ? undefined : this.#pending.get(id);
      const type = attribute(stanza, 'type');
      if (pending && id !== undefined && (type === 'result' || type === 'error')) {
        this.#pending.delete(id);
        clearTimeout(pending.timer);
        if (type === 'result') pending.resolve(stanza);
        else pending.reject(new XmppError(`iq error: ${stanza}`));
        return;
      }
    }
    this.onStanza(stanza);
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(error);
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.#pending.delete(id);
    }
    this.socket.destroy();
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Writes raw XML; false when the socket buffer is above its high-water mark (wait for drain). */
  write(text: string): boolean {
    return this.socket.write(text, 'latin1');
  }

  drain(): Promise<void> {
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('drain', () => resolve()));
  }

  /** Sends an iq (`inner` is its payload XML) and resolves with the result stanza; an error rejects. */
  iq(type: 'get' | 'set', to: string, inner: string, timeoutMs = 10_000): Promise<string> {
    const id = `q${(this.#nextId += 1)}`;
    return new Promise((resolve, reject) => {
      if (this.#failure) {
        reject(this.#failure);
        return;
      }
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new XmppError(`no answer to iq ${id} to ${to} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.write(`<iq type='${type}' to='${escapeXml(to)}' id='${id}'>${inner}</iq>`);
    });
  }

  /** Closes the stream politely and waits (bounded) for the server to close the socket. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.socket.destroyed) return;
    this.#failure ??= new XmppError('closed by us');
    this.socket.end('</stream:stream>', 'latin1');
    const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
    await this.closed;
    clearTimeout(timer);
  }

  destroy(): void {
    this.#failure ??= new XmppError('destroyed by us');
    this.socket.destroy();
  }
}

function textOf(stanza: string): string {
  const start = stanza.indexOf('>') + 1;
  const end = stanza.lastIndexOf('</');
  if (start <= 0 || end < start || stanza.endsWith('/>')) return '';
  return stanza.slice(start, end).trim();
}
