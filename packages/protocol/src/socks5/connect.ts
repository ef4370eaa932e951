// XEP-0065 §5.3.2 / §6.3.2 / §6.3.4 over real sockets: the only file in socks5/ that touches
// node:net. The state machines decide; this file owns the socket, one deadline and the signal,
// and guarantees that on failure the socket is destroyed and on success no byte is lost.
import * as net from 'node:net';
import { ClientHandshake } from './client-handshake.js';
import { abortError, Socks5Error } from './errors.js';
import { ServerHandshake } from './server-handshake.js';

export interface ConnectSocks5Options {
  host: string;
  port: number;
  /** DST.ADDR, see dstAddrHash(). */
  hash: string;
  /** Bounds the whole attempt, TCP connect included, so a slow-drip peer cannot stretch it. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface AcceptSocks5Options {
  /** Bounds greeting + request + the owner's decision, up to accept() resolving. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A CONNECT waiting for the owner's decision (hash known to the proxy / our own session?). */
export interface Socks5Request {
  readonly hash: string;
  /**
   * Writes the success reply; resolves once it is flushed, with the socket paused and any bytes
   * the peer sent after its CONNECT unshifted. Rejects (socket destroyed) if the deadline, the
   * signal or the peer ended the attempt first.
   */
  accept(): Promise<void>;
  /** Writes a failure reply (RFC 1928 §6 REP, default 0x01) and closes the socket. */
  reject(rep?: number): void;
}

function assertTimeout(timeoutMs: number): void {
  // setTimeout fires at once for delays above 2^31-1 ms: refuse them rather than time out early.
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 0x7fffffff) {
    throw new RangeError(`timeoutMs must be a positive number of ms up to 2^31-1, got ${timeoutMs}`);
  }
}

// Late errors from a socket we are discarding must not crash the process.
function ignore(): void {}

interface GuardOptions {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  where: string;
  isConnected(): boolean;
}

/** Turns the deadline, the signal, and the socket's own error/close into one failure callback. */
function guard(socket: net.Socket, options: GuardOptions, onFailure: (error: Error) => void): () => void {
  const { timeoutMs, signal, where } = options;
  const onTimeout = (): void =>
    onFailure(
      new Socks5Error('FERRY_ERR_SOCKS5_TIMEOUT', `${where}: SOCKS5 handshake not done within ${timeoutMs} ms`),
    );
  const onAbort = (): void => {
    if (signal) onFailure(abortError(`${where}: SOCKS5 handshake aborted`, signal));
  };
  const onError = (error: Error): void => {
    // Before the TCP connect it is reachability (ECONNREFUSED, DNS…); after, a reset mid-handshake.
    const [code, message] = options.isConnected()
      ? (['FERRY_ERR_SOCKS5_CLOSED', 'connection failed during the SOCKS5 handshake'] as const)
      : (['FERRY_ERR_SOCKS5_UNREACHABLE', 'cannot connect'] as const);
    onFailure(new Socks5Error(code, `${where}: ${message}: ${error.message}`, { cause: error }));
  };
  const onClose = (): void =>
    onFailure(new Socks5Error('FERRY_ERR_SOCKS5_CLOSED', `${where}: connection closed during the SOCKS5 handshake`));
  const timer = setTimeout(onTimeout, timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  socket.on('error', onError);
  socket.on('close', onClose);
  return () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    socket.off('error', onError);
    socket.off('close', onClose);
  };
}

/**
 * Opens a TCP connection to a StreamHost and runs the client handshake. Resolves with the socket
 * paused (call resume() or pipe() it) and any bytes that came with the reply unshifted.
 */
export async function connectSocks5(options: ConnectSocks5Options): Promise<net.Socket> {
  const { host, port, hash, timeoutMs, signal } = options;
  assertTimeout(timeoutMs);
  const handshake = new ClientHandshake(hash);
  const where = `SOCKS5 StreamHost ${host}:${port}`;
  if (signal?.aborted) throw abortError(`${where}: SOCKS5 handshake aborted`, signal);

  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host, port });
    let isConnected = false;
    let isSettled = false;
    const stop = guard(socket, { timeoutMs, signal, where, isConnected: () => isConnected }, fail);

    function fail(error: Error): void {
      if (isSettled) return;
      isSettled = true;
      stop();
      socket.off('data', onData);
      socket.on('error', ignore);
      socket.destroy();
      reject(error);
    }

    function onData(chunk: Buffer): void {
      for (const action of handshake.feed(chunk)) {
        if (action.kind === 'send') {
          socket.write(action.bytes);
        } else if (action.kind === 'error') {
          const code = action.failure === 'refused' ? 'FERRY_ERR_SOCKS5_REFUSED' : 'FERRY_ERR_SOCKS5_PROTOCOL';
          fail(
            new Socks5Error(code, `${where}: ${action.reason}`, action.rep === undefined ? {} : { rep: action.rep }),
          );
          return;
        } else {
          isSettled = true;
          stop();
          socket.off('data', onData);
          socket.pause();
          // Bytes that shared a read with the reply are the stream's first bytes: give them back.
          if (action.leftover.length > 0) socket.unshift(action.leftover);
          resolve(socket);
          return;
        }
      }
    }

    socket.once('connect', () => {
      isConnected = true;
      socket.write(handshake.start());
    });
    socket.on('data', onData);
  });
}

/**
 * Runs the StreamHost side on an accepted socket (the proxy, or a client's direct listener) up to
 * the CONNECT, then hands the decision to the owner. Rejects with a Socks5Error (socket closed)
 * if the peer misbehaves, closes, or the deadline or signal fires first.
 */
export function acceptSocks5(socket: net.Socket, options: AcceptSocks5Options): Promise<Socks5Request> {
  const { timeoutMs, signal } = options;
  assertTimeout(timeoutMs);
  const handshake = new ServerHandshake();
  const where = `SOCKS5 client ${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? '?'}`;

  return new Promise<Socks5Request>((resolve, reject) => {
    // A failure goes to whoever is waiting: acceptSocks5's caller, then a pending accept().
    let onFailure: (error: Error) => void = reject;
    let failure: Error | undefined;
    let isFinished = false;
    const stop = guard(socket, { timeoutMs, signal, where, isConnected: () => true }, (error) => fail(error));

    function fail(error: Error, isGraceful = false): void {
      if (isFinished) return;
      isFinished = true;
      failure = error;
      stop();
      socket.off('data', onData);
      socket.on('error', ignore);
      // Graceful: let the X'FF' / REP reply we just wrote reach the peer before closing.
      if (isGraceful) socket.end(() => socket.destroy());
      else socket.destroy();
      onFailure(error);
    }

    function accept(): Promise<void> {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolveAccept, rejectAccept) => {
        const { reply, leftover } = handshake.accept(); // throws (→ rejects) if already decided
        onFailure = rejectAccept;
        socket.write(reply, (error) => {
          if (error || isFinished) return; // the guard has reported it
          isFinished = true;
          stop();
          // Early data from the peer is the stream's first bytes: give them back, never drop them.
          if (leftover.length > 0) socket.unshift(leftover);
          resolveAccept();
        });
      });
    }

    function refuse(rep?: number): void {
      if (failure) return; // already closed by the deadline, the signal or the peer
      const reply = handshake.reject(rep); // throws if already decided
      isFinished = true;
      stop();
      socket.on('error', ignore);
      socket.end(reply, () => socket.destroy());
    }

    function onData(chunk: Buffer): void {
      for (const action of handshake.feed(chunk)) {
        if (action.kind === 'send') {
          socket.write(action.bytes);
        } else if (action.kind === 'error') {
          fail(new Socks5Error('FERRY_ERR_SOCKS5_PROTOCOL', `${where}: ${action.reason}`), true);
          return;
        } else {
          // Stop reading: what follows belongs to the bytestream, and the owner decides first.
          socket.off('data', onData);
          socket.pause();
          onFailure = ignore; // recorded in `failure`; accept() reports it
          resolve({ hash: action.hash, accept, reject: refuse });
          return;
        }
      }
    }

    if (signal?.aborted) {
      fail(abortError(`${where}: SOCKS5 handshake aborted`, signal));
      return;
    }
    socket.on('data', onData);
    socket.resume(); // an owner may hand us a paused socket
  });
}
