// XEP-0065 §5: direct connection — the Requester is its own StreamHost. A SOCKS5 listener for ONE
// bytestream: it accepts only that bytestream's DST.ADDR hash, keeps the Target's connection
// until streamhost-used names us, and is closed as soon as the negotiation no longer needs it.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { acceptSocks5, REPLY } from '@ferry/protocol/socks5';
import { abortError } from '@ferry/protocol/socks5/errors';
import { TransferError } from '../../transfer-error.js';

/** More would only be someone probing a listener that serves a single Target. */
const MAX_CONNECTIONS = 8;

export interface DirectListenerOptions {
  /** The address to listen on, which is also the one advertised (never every interface). */
  host: string;
  hash: string;
  /** Bounds each connection's SOCKS5 handshake. */
  handshakeTimeoutMs: number;
}

export class DirectListener {
  readonly host: string;
  readonly port: number;
  readonly #server: Server;
  readonly #hash: string;
  readonly #handshakeTimeoutMs: number;
  readonly #sockets = new Set<Socket>();
  /** The connection with our hash whose success reply is being written. */
  #claimed: Socket | undefined;
  /** The Target's connection, SOCKS5-accepted and paused, waiting for streamhost-used. */
  #accepted: Socket | undefined;
  #onAccepted: (() => void) | undefined;
  #isClosed = false;

  private constructor(server: Server, options: DirectListenerOptions, port: number) {
    this.#server = server;
    this.#hash = options.hash;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs;
    this.host = options.host;
    this.port = port;
  }

  static async open(options: DirectListenerOptions): Promise<DirectListener> {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new TransferError(
            'FERRY_ERR_NO_STREAMHOST',
            `cannot listen on ${options.host}: ${error.code ?? error.message}`,
            { cause: error },
          ),
        ),
      );
      server.listen(0, options.host, () => resolve());
    });
    const listener = new DirectListener(server, options, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => listener.#onConnection(socket));
    return listener;
  }

  /**
   * Hands over the Target's connection (paused; the caller owns it now), waiting up to
   * `timeoutMs` for it: its SOCKS5 reply and its streamhost-used travel different paths.
   */
  take(timeoutMs: number, signal: AbortSignal): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#onAccepted = undefined;
        const socket = this.#accepted;
        if (error || !socket) {
          reject(error ?? new Error('no connection'));
          return;
        }
        this.#accepted = undefined;
        this.#sockets.delete(socket);
        resolve(socket);
      };
      const onAbort = (): void => finish(abortError('direct streamhost: aborted', signal));
      const timer = setTimeout(
        () =>
          finish(
            new TransferError(
              'FERRY_ERR_NO_STREAMHOST',
              `the target named our direct streamhost ${this.host}:${this.port} but no SOCKS5 connection with our hash arrived within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      signal.addEventListener('abort', onAbort, { once: true });
      if (this.#isClosed) finish(new Error(`direct streamhost ${this.host}:${this.port} is closed`));
      else if (signal.aborted) onAbort();
      else if (this.#accepted) finish();
      else this.#onAccepted = () => finish();
    });
  }

  /** Stops listening and closes every connection not handed over. Idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    this.#accepted = undefined;
  }

  async #onConnection(socket: Socket): Promise<void> {
    socket.on('error', () => {}); // reported through acceptSocks5 or the owner's stream
    if (this.#isClosed || this.#sockets.size >= MAX_CONNECTIONS) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', (hadError) => {
      this.#sockets.delete(socket);
      if (this.#claimed === socket) this.#claimed = undefined;
      // Jingle: a sender with nothing to send (an empty file) ends its connection as soon as the
      // nomination is done, maybe before our own side took it. A clean end is still the stream.
      if (this.#accepted === socket && (hadError || !socket.readableEnded)) this.#accepted = undefined;
    });
    try {
      const request = await acceptSocks5(socket, { timeoutMs: this.#handshakeTimeoutMs });
      // One bytestream, one Target: another hash, or a second connection while the first is
      // alive, is not ours to serve. RFC 1928 X'02': connection not allowed by ruleset.
      if (request.hash !== this.#hash || this.#claimed || this.#accepted || this.#isClosed) {
        request.reject(REPLY.NOT_ALLOWED);
        return;
      }
      this.#claimed = socket;
      await request.accept();
      this.#claimed = undefined;
      if (this.#isClosed || socket.destroyed) return;
      this.#accepted = socket;
      this.#onAccepted?.();
    } catch {
      // The handshake failed or timed out: acceptSocks5 has closed the socket.
      if (this.#claimed === socket) this.#claimed = undefined;
    }
  }
}
