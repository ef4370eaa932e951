// The client library's only door to xmpp.js (@xmpp/client): logging in, sending, IQ requests with
// timeouts, and IQ handlers that can be added and removed (xmpp.js's cannot be removed, so one
// xmpp.js handler per payload dispatches to ours). Everything above speaks Ferry's own types.
// xmpp.js ships no typings: the package's own, kept in the emitted declarations for consumers.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient module has no import to carry it
/// <reference path="../types/xmpp-client.d.ts" preserve="true" />
import { readFile } from './platform/index.js';
import { dial } from './platform/dial.js';
import { client as createXmppClient, type Client, type ClientInternals, type TransportSocket } from '@xmpp/client';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Element } from '@ferry/protocol/xml/element';
import { TransferError } from './transfer-error.js';
import { IqRequests } from './iq-requests.js';
import { classifyLoginError, connectErrors, mostTelling } from './connect-errors.js';
import type { DialedSocket, TlsTrust } from './dial.js';

export type { TlsTrust };
import {
  endpointOfService,
  resolveEndpoints,
  serviceOfEndpoint,
  systemSrvResolver,
  type SrvResolver,
} from './endpoints.js';

/** Returns the result payload (null = empty result), undefined when the stanza is not ours. */
export type IqHandler = (
  stanza: Element,
  payload: Element,
) => Element | null | undefined | Promise<Element | null | undefined>;
/** Called with each incoming stanza of one kind (message or presence). */
export type StanzaListener = (stanza: Element) => void;

/**
 * A logged-in XMPP connection, as connect() returns it: what FileTransferManager and the
 * application send and receive through. Its methods never throw synchronously.
 */
export interface XmppConnection {
  /** The full JID the server bound for this connection. */
  readonly jid: Jid;
  /**
   * How connect() was told to verify certificates; HTTP requests made for this connection (XEP-0363
   * upload, shared links) use the same. Undefined (system defaults) for adopted clients.
   */
  readonly tls?: TlsTrust;
  /** The local address of the connection to the server (undefined over WebSocket or when gone). */
  readonly localAddress: string | undefined;
  /** Sends a stanza as is (available presence goes through the presence filters first). */
  send(stanza: Element): Promise<void>;
  /**
   * Sends an IQ get/set; resolves with the result, rejects with StanzaError, a timeout
   * TransferError, or the signal's reason.
   */
  request(iq: Element, timeoutMs: number, signal?: AbortSignal): Promise<Element>;
  /**
   * Answers IQs of this type with this payload (namespace and element name); returns the function
   * that removes the handler. Handlers that return undefined leave the IQ to the next one.
   */
  onIq(type: 'get' | 'set', namespace: string, name: string, handler: IqHandler): () => void;
  /** Calls `listener` with every message stanza; returns the function that removes it. */
  onMessage(listener: StanzaListener): () => void;
  /** Calls `listener` with every presence stanza; returns the function that removes it. */
  onPresence(listener: StanzaListener): () => void;
  /** Lets `filter` amend every available presence sent through `send` (XEP-0115 caps). */
  addPresenceFilter(filter: (presence: Element) => void): () => void;
  /**
   * Called once when the connection to the server is lost (not after stop()), with a
   * FERRY_ERR_DISCONNECTED error; at once when it is already lost. Pending requests reject with it.
   */
  onDisconnect(listener: (error: TransferError) => void): () => void;
  /** Logs out and closes the connection; onDisconnect listeners are not called. */
  stop(): Promise<void>;
}

/** How connect() reaches the server and logs in. */
export interface ConnectOptions {
  /** The account, with an optional resource (`alice@example.com/laptop`). */
  jid: string;
  /** The account password (SCRAM or PLAIN over TLS). */
  password: string;
  /**
   * Where to connect: `xmpp://host:port` (STARTTLS), `xmpps://host:port` (direct TLS, XEP-0368)
   * or `ws://`/`wss://…/xmpp-websocket` (RFC 7395). Takes precedence over host/port.
   */
  service?: string;
  /**
   * STARTTLS on this host and port (defaults: the JID's domain, 5222). With neither, nor a
   * service: DNS SRV records, then the domain on 5222.
   */
  host?: string;
  port?: number;
  /** Accept a self-signed or otherwise unverifiable server certificate, on this connection only. */
  insecure?: boolean;
  /** Trust this CA (PEM file) for the server certificate, on this connection only. */
  caFile?: string;
  /** The whole connect and login (default 15 s): FERRY_ERR_CONNECT_TIMEOUT after it. */
  timeoutMs?: number;
  /** Gives up connecting; connect() rejects with the signal's reason. */
  signal?: AbortSignal;
  /** SRV lookups (default node:dns); tests inject a fake one. */
  resolveSrv?: SrvResolver;
}

/**
 * Connects and logs in. Rejects with a coded TransferError (FERRY_ERR_CONNECTION_REFUSED,
 * FERRY_ERR_DNS, FERRY_ERR_CONNECT_TIMEOUT, FERRY_ERR_TLS_UNTRUSTED, FERRY_ERR_AUTH,
 * FERRY_ERR_NOT_XMPP…) and leaves no socket, timer or listener behind.
 */
export async function connect(options: ConnectOptions): Promise<XmppConnection> {
  const address = Jid.parse(options.jid);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const trust: TlsTrust = {
    insecure: options.insecure === true,
    ca: options.caFile === undefined ? undefined : await readCaFile(options.caFile),
  };
  const attempt = new AbortController();
  const target = options.service ?? options.host ?? address.domain;
  const timer = setTimeout(() => attempt.abort(connectErrors.timeout(target, timeoutMs)), timeoutMs);
  const onAbort = () => attempt.abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.signal?.aborted) throw options.signal.reason;
    const endpoints = options.service
      ? [endpointOfService(options.service)]
      : options.host !== undefined || options.port !== undefined
        ? [{ kind: 'starttls' as const, host: options.host ?? address.domain, port: options.port ?? 5222 }]
        : await resolveEndpoints(address.domain, options.resolveSrv ?? systemSrvResolver, attempt.signal);
    const failures: TransferError[] = [];
    for (const endpoint of endpoints) {
      let dialed: DialedSocket;
      try {
        dialed = await dial(endpoint, address.domain, trust, attempt.signal);
      } catch (error) {
        if (attempt.signal.aborted) throw attempt.signal.reason;
        failures.push(error as TransferError);
        continue;
      }
      return await logIn(dialed, serviceOfEndpoint(endpoint), address, options.password, attempt.signal, trust);
    }
    if (failures.length === 0) throw connectErrors.noService(address.domain);
    throw mostTelling(failures);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Runs xmpp.js's login (SASL, bind) on a socket that is already secure. */
async function logIn(
  dialed: DialedSocket,
  service: string,
  address: Jid,
  password: string,
  signal: AbortSignal,
  trust: TlsTrust,
): Promise<XmppConnection> {
  const client = createXmppClient({
    service,
    domain: address.domain,
    username: address.local,
    password,
    resource: address.resource || undefined,
    // xmpp.js gives each stream answer 2 s by default, which a busy server can miss; the whole
    // login is bounded by connect()'s own timeoutMs anyway.
    timeout: 10_000,
  });
  client.reconnect.stop();
  const where = service;
  let onError!: (error: Error) => void;
  let onDisconnect!: () => void;
  const failed = new Promise<never>((_, reject) => {
    onError = (error) => reject(classifyLoginError(error, address.bare().toString(), where));
    onDisconnect = () => reject(connectErrors.closedDuringLogin(where));
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  // A server that offers nothing to log in with would leave xmpp.js waiting for ever.
  const onElement = (element: Element) => {
    if (element.is('features', NS.STREAM) && element.children.every((child) => typeof child === 'string')) {
      onError(dialed.kind === 'websocket' ? connectErrors.tlsRequired(where) : connectErrors.noLogin(where));
    }
  };
  // Before anything can fail: an 'error' event without a listener would crash the host.
  client.on('error', onError);
  client.on('disconnect', onDisconnect);
  client.on('element', onElement);
  adoptSocket(client, dialed, service);
  const online = client.start();
  try {
    await Promise.race([online, failed]);
  } catch (error) {
    online.catch(() => {});
    failed.catch(() => {});
    // Close the socket itself: xmpp.js's stop() waits on the peer with timers of its own.
    if (dialed.kind === 'websocket') dialed.socket.terminate();
    else dialed.socket.destroy();
    throw error instanceof TransferError ? error : classifyLoginError(error as Error, address.bare().toString(), where);
  }
  failed.catch(() => {});
  const connection = wrapClient(client, trust); // adds its own 'error' listener first
  client.off('error', onError);
  client.off('disconnect', onDisconnect);
  client.off('element', onElement);
  return connection;
}

/**
 * Hands xmpp.js our secured socket in place of the one it would open: its Client picks the
 * transport class for the service and wraps our socket in that transport's Socket, per instance.
 */
function adoptSocket(client: Client, dialed: DialedSocket, service: string): void {
  const internals = client as unknown as ClientInternals;
  internals.connect = async () => {
    const probe = { tls: 'xmpps://adopted:1', plain: 'xmpp://adopted:1', websocket: 'ws://adopted/' }[dialed.kind];
    const Transport = internals._findTransport(probe);
    if (!Transport) throw new Error(`xmpp.js has no transport for ${service}`);
    internals._status('connecting', service);
    internals.Transport = Transport;
    internals.Socket = Transport.prototype.Socket;
    internals.Parser = Transport.prototype.Parser;
    if (dialed.kind === 'plain') {
      // The TCP transport's Socket is a net.Socket itself: ours takes its place as it is.
      internals._attachSocket(dialed.socket as unknown as TransportSocket);
    } else {
      const wrapper = new Transport.prototype.Socket();
      wrapper._attachSocket(dialed.socket);
      if (dialed.kind === 'websocket') {
        wrapper.url = dialed.url;
        wrapper.secure = dialed.isSecure;
      }
      internals._attachSocket(wrapper);
    }
    internals._status('connect');
  };
}

/** Adopts an xmpp.js client that is already online (tests, embedding applications). */
export function wrapClient(client: Client, tls?: TlsTrust): XmppConnection {
  client.reconnect.stop();
  const handlers = new Map<string, IqHandler[]>();
  const messageListeners = new Set<StanzaListener>();
  const presenceListeners = new Set<StanzaListener>();
  const presenceFilters = new Set<(presence: Element) => void>();
  const disconnectListeners = new Set<(error: TransferError) => void>();
  let lost: TransferError | undefined;
  let isStopping = false;
  const onLost = (detail: string) => {
    if (lost || isStopping) return;
    lost = new TransferError('FERRY_ERR_DISCONNECTED', `lost the connection to the server (${detail})`);
    requests.rejectAll(lost);
    for (const listener of [...disconnectListeners]) listener(lost);
  };
  client.on('error', (error) => {
    // Other connection errors surface as the disconnect that follows them.
    if (error.name === 'StreamError') onLost(`stream error: ${error.condition ?? error.message}`);
  });
  client.on('close', () => onLost('the server closed the stream'));
  client.on('disconnect', () => onLost('the socket closed'));
  const jid = Jid.parse(client.jid!.toString());
  const send = (stanza: Element) => {
    if (lost) return Promise.reject(lost);
    if (stanza.name === 'presence' && stanza.attrs.type === undefined)
      for (const filter of presenceFilters) filter(stanza);
    return client.send(stanza);
  };
  const requests = new IqRequests(send, () => jid);
  client.on('stanza', (stanza: Element) => {
    if (requests.settle(stanza)) return;
    const listeners =
      stanza.name === 'message' ? messageListeners : stanza.name === 'presence' ? presenceListeners : undefined;
    for (const listener of listeners ?? []) listener(stanza);
  });

  const dispatch = async (key: string, stanza: Element, payload: Element): Promise<Element | true> => {
    for (const handler of [...(handlers.get(key) ?? [])]) {
      try {
        const outcome = await handler(stanza, payload);
        if (outcome === undefined) continue;
        return outcome ?? true;
      } catch (error) {
        const stanzaError = error instanceof StanzaError ? error : new StanzaError('internal-server-error');
        return stanzaError.toElement();
      }
    }
    return new StanzaError(key.includes('/ibb|') ? 'item-not-found' : 'service-unavailable').toElement();
  };

  return {
    jid,
    ...(tls ? { tls } : {}),
    get localAddress() {
      return localAddressOf(client);
    },
    send,
    request: (iq, timeoutMs, signal) => (lost ? Promise.reject(lost) : requests.request(iq, timeoutMs, signal)),
    onIq(type, namespace, name, handler) {
      const key = `${type}/${namespace === 'http://jabber.org/protocol/ibb' ? 'ibb' : namespace}|${name}`;
      let list = handlers.get(key);
      if (!list) {
        list = [];
        handlers.set(key, list);
        const register = type === 'get' ? client.iqCallee.get : client.iqCallee.set;
        register.call(client.iqCallee, namespace, name, ({ stanza, element }) => dispatch(key, stanza, element));
      }
      list.push(handler);
      return () => {
        const index = list.indexOf(handler);
        if (index >= 0) list.splice(index, 1);
      };
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onPresence(listener) {
      presenceListeners.add(listener);
      return () => presenceListeners.delete(listener);
    },
    addPresenceFilter(filter) {
      presenceFilters.add(filter);
      return () => presenceFilters.delete(filter);
    },
    onDisconnect(listener) {
      if (lost) {
        const error = lost;
        queueMicrotask(() => listener(error));
        return () => {};
      }
      disconnectListeners.add(listener);
      return () => disconnectListeners.delete(listener);
    },
    async stop() {
      if (!lost) {
        // Let what is in flight (an IBB <close/> after a cancel) reach the peer first.
        await requests.drain(2_000);
        requests.rejectAll(new TransferError('FERRY_ERR_CANCELLED', 'logged out'));
      }
      isStopping = true;
      await withDeadline(client.stop(), 5_000, 'logging out').catch(() => {});
    },
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransferError('FERRY_ERR_TIMEOUT', `${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** xmpp.js wraps the net/tls socket; its local address is where a direct streamhost can listen. */
function localAddressOf(client: Client): string | undefined {
  const wrapper = (client as unknown as { socket?: { socket?: { localAddress?: string }; localAddress?: string } })
    .socket;
  const address = wrapper?.socket?.localAddress ?? wrapper?.localAddress;
  // An IPv4-mapped IPv6 address is advertised in its IPv4 form.
  return address?.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw connectErrors.caFile(path, (error as NodeJS.ErrnoException).code ?? String(error));
  }
}
