// Opens the secured socket a login runs on, with TLS trust that belongs to this connection only
// (xmpp.js 0.14 calls tls.connect itself with no way to pass options, so Ferry dials and
// negotiates STARTTLS here, RFC 6120 §5, and hands xmpp.js a socket that is already secure).
import net from 'node:net';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { NS } from '@ferry/protocol/namespaces';
import { XmlStreamParser } from '@ferry/protocol/xml/stream-parser';
import type { Element } from '@ferry/protocol/xml/element';
import { classifyDialError, connectErrors } from './connect-errors.js';
import type { Endpoint } from './endpoints.js';
import { TransferError } from './transfer-error.js';

/** How one connection verifies the server certificate (and HTTP requests made for it). */
export interface TlsTrust {
  /** Accept any certificate. */
  insecure: boolean;
  /** PEM of an extra CA to trust. */
  ca: string | undefined;
}

export type DialedSocket =
  | { kind: 'tls'; socket: tls.TLSSocket }
  /** Loopback only, when the server offers no STARTTLS (a local test server such as Prosody's). */
  | { kind: 'plain'; socket: net.Socket }
  | { kind: 'websocket'; socket: WebSocket; url: string; isSecure: boolean };

const noop = () => {};

export function tlsOptionsFor(trust: TlsTrust): tls.ConnectionOptions {
  if (trust.insecure) return { rejectUnauthorized: false };
  return trust.ca ? { ca: [...tls.rootCertificates, trust.ca] } : {};
}

/** Resolves with a secured socket; on failure or abort, every socket it opened is destroyed. */
export async function dial(
  endpoint: Endpoint,
  domain: string,
  trust: TlsTrust,
  signal: AbortSignal,
): Promise<DialedSocket> {
  if (endpoint.kind === 'websocket') return dialWebSocket(endpoint.url, trust, signal);
  const where = `${endpoint.host}:${endpoint.port}`;
  // The identity checked is the XMPP domain, not the SRV target (RFC 6125 §6.2.1).
  const secure = { ...tlsOptionsFor(trust), ...(net.isIP(domain) ? {} : { servername: domain }) };
  const checkIdentity = (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(domain, cert);
  try {
    if (endpoint.kind === 'direct-tls') {
      const socket = tls.connect({
        host: endpoint.host,
        port: endpoint.port,
        ...secure,
        checkServerIdentity: checkIdentity,
      });
      return { kind: 'tls', socket: await settle(socket, 'secureConnect', signal) };
    }
    const plain = await settle(net.connect({ host: endpoint.host, port: endpoint.port }), 'connect', signal);
    let offer: 'proceed' | 'no-starttls';
    try {
      offer = await negotiateStartTls(plain, domain, where, signal);
    } catch (error) {
      plain.destroy();
      throw error;
    }
    if (offer === 'no-starttls') {
      plain.end(`</stream:stream>`);
      plain.destroy();
      if (!isLoopback(endpoint.host))
        throw new TransferError(
          'FERRY_ERR_TLS_REQUIRED',
          `${where} does not offer STARTTLS; Ferry logs in without TLS only on loopback`,
        );
      // xmpp.js opens its own stream on a fresh socket; no STARTTLS offered, so none is attempted.
      const fresh = await settle(net.connect({ host: endpoint.host, port: endpoint.port }), 'connect', signal);
      return { kind: 'plain', socket: fresh };
    }
    const socket = tls.connect({ socket: plain, ...secure, checkServerIdentity: checkIdentity });
    return { kind: 'tls', socket: await settle(socket, 'secureConnect', signal) };
  } catch (error) {
    throw classifyDialError(error, where);
  }
}

const KEEPALIVE_DELAY_MS = 15_000;

/** Waits for `ready`; destroys the socket on error or abort. Its errors stay handled for good. */
function settle<T extends net.Socket>(socket: T, ready: string, signal: AbortSignal): Promise<T> {
  socket.on('error', noop); // later errors surface as 'close' to whoever owns it then
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      socket.off(ready, onReady);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const onReady = () => {
      done();
      // A server whose machine vanished sends nothing more: TCP keepalive probes an idle
      // connection (libuv: then every second, 10 times); the CLI's XMPP pings cover a busy one.
      socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
      resolve(socket);
    };
    const onError = (error: Error) => {
      done();
      socket.destroy();
      reject(error);
    };
    const onClose = () => onError(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
    const onAbort = () => onError(signal.reason as Error);
    if (signal.aborted) return onAbort();
    socket.once(ready, onReady);
    socket.on('error', onError);
    socket.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** RFC 6120 §5.4.2: stream header, features with <starttls/>, <proceed/>; then TLS on the same socket. */
function negotiateStartTls(
  socket: net.Socket,
  domain: string,
  where: string,
  signal: AbortSignal,
): Promise<'proceed' | 'no-starttls'> {
  return new Promise((resolve, reject) => {
    let stage: 'header' | 'features' | 'proceed' = 'header';
    const finish = (error?: Error, outcome: 'proceed' | 'no-starttls' = 'proceed') => {
      socket.off('data', onData);
      socket.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(outcome);
    };
    const parser = new XmlStreamParser(
      'stream',
      { maxStanzaBytes: 65_536 },
      {
        onStreamOpen: () => {
          stage = 'features';
        },
        onStanza: (element: Element) => {
          if (element.is('error', NS.STREAM)) {
            const condition = element.children.find((child) => typeof child !== 'string') as Element | undefined;
            return finish(connectErrors.stream(where, condition?.name ?? 'undefined-condition'));
          }
          if (stage === 'features' && element.is('features', NS.STREAM)) {
            if (!element.getChild('starttls', NS.TLS)) return finish(undefined, 'no-starttls');
            stage = 'proceed';
            socket.write(`<starttls xmlns='${NS.TLS}'/>`);
            return;
          }
          if (stage === 'proceed' && element.is('proceed', NS.TLS)) return finish();
          finish(connectErrors.notXmpp(where, `unexpected <${element.name}/> during STARTTLS`));
        },
        onStreamClose: () => finish(connectErrors.notXmpp(where, 'it closed the stream')),
        onError: (error) => finish(connectErrors.notXmpp(where, error.text ?? error.condition)),
      },
    );
    const onData = (chunk: Buffer) => parser.write(chunk);
    const onClose = () =>
      finish(
        stage === 'header'
          ? connectErrors.notXmpp(where, 'it closed the connection without a stream header')
          : connectErrors.closedDuringLogin(where),
      );
    const onAbort = () => finish(signal.reason as Error);
    socket.on('data', onData);
    socket.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.write(
      `<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' xmlns='${NS.CLIENT}' ` +
        `xmlns:stream='${NS.STREAM}'>`,
    );
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

/** RFC 7395: a WebSocket with the "xmpp" subprotocol; TLS options go to this socket only. */
function dialWebSocket(url: string, trust: TlsTrust, signal: AbortSignal): Promise<DialedSocket> {
  const { hostname, protocol } = new URL(url);
  const socket = new WebSocket(url, ['xmpp'], { ...tlsOptionsFor(trust) });
  socket.on('error', noop);
  return new Promise<DialedSocket>((resolve, reject) => {
    const done = () => {
      socket.off('open', onOpen);
      socket.off('error', onError);
      socket.off('unexpected-response', onResponse);
      signal.removeEventListener('abort', onAbort);
    };
    const onOpen = () => {
      done();
      if (socket.protocol !== 'xmpp') return onError(new Error('the server chose no "xmpp" subprotocol'));
      // As xmpp.js does: wss, or ws to this machine, counts as secure.
      const isSecure = protocol === 'wss:' || ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
      resolve({ kind: 'websocket', socket, url, isSecure });
    };
    const onError = (error: Error) => {
      done();
      socket.terminate();
      reject(classifyDialError(error, url));
    };
    const onResponse = (_request: unknown, response: { statusCode?: number; resume(): void }) => {
      response.resume();
      onError(connectErrors.notXmpp(url, `HTTP ${response.statusCode ?? '?'} instead of a WebSocket`));
    };
    const onAbort = () => onError(signal.reason as Error);
    if (signal.aborted) return onAbort();
    socket.once('open', onOpen);
    socket.on('error', onError);
    socket.once('unexpected-response', onResponse);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
