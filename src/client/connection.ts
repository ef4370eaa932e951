// The client library's only door to xmpp.js (@xmpp/client): logging in, sending, IQ requests with
// timeouts, and IQ handlers that can be added and removed (xmpp.js's cannot be removed, so one
// xmpp.js handler per payload dispatches to ours). Everything above speaks Ferry's own types.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { client as createXmppClient, type Client } from '@xmpp/client';
import { WebSocket } from 'ws';
import { Jid } from '../protocol/jid.js';
import { StanzaError } from '../protocol/errors/stanza-error.js';
import type { Element } from '../protocol/xml/element.js';
import { TransferError } from './transfer-error.js';
import { IqRequests } from './iq-requests.js';

/** Returns the result payload (null = empty result), undefined when the stanza is not ours. */
export type IqHandler = (
  stanza: Element,
  payload: Element,
) => Element | null | undefined | Promise<Element | null | undefined>;
export type StanzaListener = (stanza: Element) => void;

export interface XmppConnection {
  readonly jid: Jid;
  /** The local address of the connection to the server (undefined over WebSocket or when gone). */
  readonly localAddress: string | undefined;
  send(stanza: Element): Promise<void>;
  /**
   * Sends an IQ get/set; resolves with the result, rejects with StanzaError, a timeout
   * TransferError, or the signal's reason.
   */
  request(iq: Element, timeoutMs: number, signal?: AbortSignal): Promise<Element>;
  onIq(type: 'get' | 'set', namespace: string, name: string, handler: IqHandler): () => void;
  onMessage(listener: StanzaListener): () => void;
  onPresence(listener: StanzaListener): () => void;
  /** Lets `filter` amend every available presence sent through `send` (XEP-0115 caps). */
  addPresenceFilter(filter: (presence: Element) => void): () => void;
  stop(): Promise<void>;
}

export interface ConnectOptions {
  jid: string;
  password: string;
  /** Where to connect; default the JID's domain, port 5222 (STARTTLS). */
  host?: string;
  port?: number;
  /** Accept a self-signed or otherwise unverifiable server certificate. */
  insecure?: boolean;
  /** Trust this CA (PEM file) for the server certificate. */
  caFile?: string;
  timeoutMs?: number;
}

export async function connect(options: ConnectOptions): Promise<XmppConnection> {
  const address = Jid.parse(options.jid);
  if (options.insecure || options.caFile) {
    trustForConnections({
      insecure: options.insecure === true,
      ca: options.caFile ? readFileSync(options.caFile, 'utf8') : undefined,
    });
  }
  const client = createXmppClient({
    service: `xmpp://${options.host ?? address.domain}:${options.port ?? 5222}`,
    domain: address.domain,
    username: address.local,
    password: options.password,
    resource: address.resource || undefined,
  });
  const timeoutMs = options.timeoutMs ?? 20_000;
  try {
    await withDeadline(client.start(), timeoutMs, `logging in to ${options.host ?? address.domain}`);
  } catch (error) {
    client.reconnect.stop();
    await client.stop().catch(() => {});
    throw error;
  }
  return wrapClient(client);
}

/** Adopts an xmpp.js client that is already online (tests, embedding applications). */
export function wrapClient(client: Client): XmppConnection {
  client.reconnect.stop();
  // xmpp.js's WebSocket transport expects the global WebSocket Node 20 lacks.
  (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
  const handlers = new Map<string, IqHandler[]>();
  const messageListeners = new Set<StanzaListener>();
  const presenceListeners = new Set<StanzaListener>();
  const presenceFilters = new Set<(presence: Element) => void>();
  client.on('error', () => {
    // Connection errors surface through the pending requests and transfers that they break.
  });
  const jid = Jid.parse(client.jid!.toString());
  const requests = new IqRequests(
    (stanza) => client.send(stanza),
    () => jid,
  );
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
    get localAddress() {
      return localAddressOf(client);
    },
    send: (stanza) => {
      if (stanza.name === 'presence' && stanza.attrs.type === undefined)
        for (const filter of presenceFilters) filter(stanza);
      return client.send(stanza);
    },
    request: (iq, timeoutMs, signal) => requests.request(iq, timeoutMs, signal),
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
    async stop() {
      // Let what is in flight (an IBB <close/> after a cancel) reach the peer first.
      await requests.drain(2_000);
      requests.rejectAll(new TransferError('FERRY_ERR_CANCELLED', 'logged out'));
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

/**
 * COMPAT: xmpp.js 0.14 passes no TLS options through (STARTTLS and direct TLS both call
 * tls.connect themselves), so a CA file or "insecure" can only reach it by wrapping tls.connect.
 * Scoped to this process, which the CLI owns; NODE_EXTRA_CA_CERTS would need a restart.
 */
function trustForConnections(trust: { insecure: boolean; ca: string | undefined }): void {
  const original = tls.connect;
  const patched = (...args: unknown[]) => {
    const [first] = args;
    if (first && typeof first === 'object') {
      const extra = trust.insecure ? { rejectUnauthorized: false } : { ca: [...tls.rootCertificates, trust.ca!] };
      args[0] = { ...extra, ...(first as object) };
    }
    return (original as (...rest: unknown[]) => tls.TLSSocket)(...args);
  };
  tls.connect = patched as typeof tls.connect;
}
