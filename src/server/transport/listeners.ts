// The client listeners: TCP with STARTTLS (5222), direct TLS (5223, XEP-0368), and WebSocket
// (RFC 7395) on the HTTP (5280) and HTTPS (5281) ports. Each hands a StreamTransport to the server.
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContext, type TLSSocket } from 'node:tls';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer } from 'ws';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { CertificatePair } from './certificate.js';
import type { HttpRoutes } from './http/index.js';
import { createBusyPoll } from './busy-poll.js';
import { SocketTransport } from './socket-transport.js';
import { WebSocketTransport } from './websocket-transport.js';
import type { StreamReceiveOptions, StreamTransport } from './stream-transport.js';

export interface ListenerOptions {
  config: Config;
  secureContext: SecureContext;
  certificate: CertificatePair;
  logger: Logger;
  http: HttpRoutes;
  /** Whether a new stream may be taken now (server-wide limits); asked before a WebSocket upgrade. */
  admit?(): boolean;
  onStream(transport: StreamTransport, requireTls: boolean): void;
}

export interface ListenerSet {
  addresses(): Record<'c2s' | 'directTls' | 'http' | 'https', AddressInfo | undefined>;
  /** A new certificate for the TLS listeners (direct TLS, HTTPS): connections from now on get it. */
  setCertificate(certificate: CertificatePair): void;
  close(): Promise<void>;
}

export async function startListeners(options: ListenerOptions): Promise<ListenerSet> {
  const { config, logger } = options;
  const limits = config.limits;
  const busyPoll = createBusyPoll(config.tuning.busy_poll_microseconds);
  const receiveOptions: StreamReceiveOptions = {
    maxStanzaBytes: limits.max_stanza_bytes,
    receiveRateBytesPerSecond: limits.receive_rate_bytes_per_second,
    receiveBurstBytes: limits.receive_burst_bytes,
    busyPoll,
    tlsHandshakeTimeoutMs: limits.tls_handshake_timeout_seconds * 1000,
    outputPauseBytes: limits.output_pause_bytes,
    outputMaxBytes: limits.output_max_bytes,
  };
  const socketOptions = (kind: 'tcp' | 'direct-tls') => ({ kind, ...receiveOptions });
  const servers: { name: 'c2s' | 'directTls' | 'http' | 'https'; server: NetServer }[] = [];
  const tlsServers: { setSecureContext(options: { cert: string; key: string }): void }[] = [];
  const sockets = new Set<Socket>();
  // One listener function for every socket (not a once() wrapper and closure per connection).
  function untrack(this: Socket): void {
    sockets.delete(this);
  }
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', untrack);
  };

  if (config.c2s.enabled) {
    const server = createNetServer((socket) => {
      track(socket);
      options.onStream(new SocketTransport(socket, socketOptions('tcp')), config.c2s.require_tls);
    });
    servers.push({ name: 'c2s', server: await listen(server, config.c2s.port, config.c2s.host) });
  }
  if (config.c2s_direct_tls.enabled) {
    const server = createTlsServer(
      // tls.createServer ignores a ready-made secureContext option; it needs the PEMs.
      {
        cert: options.certificate.cert,
        key: options.certificate.key,
        handshakeTimeout: receiveOptions.tlsHandshakeTimeoutMs,
      },
      (socket: TLSSocket) => {
        track(socket);
        options.onStream(new SocketTransport(socket, socketOptions('direct-tls')), config.c2s_direct_tls.require_tls);
      },
    );
    // With a listener here Node no longer destroys the socket itself, a timed-out handshake
    // included: without destroy() a half ClientHello would hold its connection for ever.
    server.on('tlsClientError', (error, socket) => {
      logger.debug({ err: error }, 'direct TLS handshake failed');
      socket.destroy();
    });
    tlsServers.push(server);
    servers.push({
      name: 'directTls',
      server: await listen(server, config.c2s_direct_tls.port, config.c2s_direct_tls.host),
    });
  }
  const websockets: WebSocketServer[] = [];
  const serveHttp = async (name: 'http' | 'https', server: HttpServer, port: number, isSecure: boolean) => {
    // Node's whole-request cap (5 min by default) would cut off a slow upload that is still
    // moving; a stalled one is what the idle timeout is for.
    server.requestTimeout = 0;
    server.headersTimeout = limits.http_headers_timeout_seconds * 1000;
    server.setTimeout(limits.http_idle_timeout_seconds * 1000); // no callback: the socket is destroyed
    server.on('request', (request, response) => void options.http.handle(request, response, name));
    // Expect: 100-continue: the route and the body limit are checked before the client sends the body.
    server.on('checkContinue', (request, response) => void options.http.handle(request, response, name, true));
    server.on('connection', track);
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: limits.max_stanza_bytes,
      // RFC 7395 §3.1: the subprotocol is "xmpp".
      handleProtocols: (protocols) => (protocols.has('xmpp') ? 'xmpp' : false),
    });
    websockets.push(wss);
    server.on('upgrade', (request, socket, head) => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== config.http.websocket_path) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      if (options.admit && !options.admit()) {
        socket.end(SERVICE_UNAVAILABLE);
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        const transport = new WebSocketTransport(ws, {
          isSecure,
          remoteAddress: request.socket.remoteAddress ?? 'unknown',
          remotePort: request.socket.remotePort,
          ...receiveOptions,
        });
        options.onStream(transport, isSecure ? true : config.http.require_tls);
      });
    });
    servers.push({ name, server: await listen(server, port, config.http.host) });
  };
  // Node checks the headers timeout only every connectionsCheckingInterval (30 s by default).
  const connectionsCheckingInterval = Math.min(1_000, limits.http_headers_timeout_seconds * 500);
  if (config.http.enabled) {
    await serveHttp('http', createHttpServer({ connectionsCheckingInterval }), config.http.port, false);
  }
  if (config.http.enabled && config.http.https_enabled) {
    const https = createHttpsServer({
      cert: options.certificate.cert,
      key: options.certificate.key,
      handshakeTimeout: receiveOptions.tlsHandshakeTimeoutMs,
      connectionsCheckingInterval,
    });
    tlsServers.push(https);
    await serveHttp('https', https, config.http.https_port, true);
  }
  for (const { name, server } of servers) {
    // A backstop under the stream-level limits, whatever state sockets are in (a TLS handshake, an
    // HTTP keep-alive): past it Node closes new ones at once, silently. The margin lets the
    // connections refused by those limits still get their answer.
    server.maxConnections = limits.max_connections + limits.max_unauthenticated_connections;
    const address = server.address() as AddressInfo;
    logger.info({ listener: name, address: `${address.address}:${address.port}` }, 'listening');
  }
  const portOf = (name: 'http' | 'https') =>
    (servers.find((entry) => entry.name === name)?.server.address() as AddressInfo | undefined)?.port;
  options.http.listening({ http: portOf('http'), https: portOf('https') });

  return {
    addresses() {
      const out = { c2s: undefined, directTls: undefined, http: undefined, https: undefined } as Record<
        'c2s' | 'directTls' | 'http' | 'https',
        AddressInfo | undefined
      >;
      for (const { name, server } of servers) out[name] = server.address() as AddressInfo;
      return out;
    },
    setCertificate({ cert, key }) {
      for (const server of tlsServers) server.setSecureContext({ cert, key });
    },
    async close() {
      busyPoll?.stop();
      for (const wss of websockets) wss.close();
      const closing = servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const socket of sockets) socket.destroy();
      await Promise.all(closing);
    },
  };
}

const SERVICE_UNAVAILABLE =
  'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

function listen<S extends NetServer>(server: S, port: number, host: string): Promise<S> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      reject(new Error(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { cause: error }));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve(server);
    });
  });
}
