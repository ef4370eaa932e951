// RFC 6120 streams over a TCP socket (with STARTTLS) or a direct TLS socket (XEP-0368).
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { NS } from '@ferry/protocol/namespaces';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { XmlStreamParser, type StreamParserHandlers } from '@ferry/protocol/xml/stream-parser';
import type { Element } from '@ferry/protocol/xml/element';
import { escapeAttribute, toWire } from '@ferry/protocol/xml/serialize';
import type { BusyPoll } from './busy-poll.js';
import { ReceiveRateLimiter } from './rate-limiter.js';
import {
  DEFAULT_OUTPUT_MAX_BYTES,
  DEFAULT_OUTPUT_PAUSE_BYTES,
  STREAM_CLOSE_GRACE_MS,
  type StreamHeader,
  type StreamReceiveOptions,
  type StreamTransport,
  type StreamTransportHandlers,
} from './stream-transport.js';

export interface SocketTransportOptions extends StreamReceiveOptions {
  kind: 'tcp' | 'direct-tls';
}

// The socket's listeners are shared functions that find their transport here: no closures per
// connection (idle connections are mostly what they retain).
const OWNER = Symbol('ferry.socket-transport');
const NON_ASCII = /[^\x00-\x7f]/;
type OwnedSocket = Socket & { [OWNER]?: SocketTransport };

// Why reading from the client is paused; it resumes when no reason is left.
const PAUSED_BY_RATE = 1;
const PAUSED_BY_OUTPUT = 2;

/** The transport is its parser's handler object itself, forwarding to the stream's handlers. */
export class SocketTransport implements StreamTransport, StreamParserHandlers {
  readonly kind: 'tcp' | 'direct-tls';
  #remoteAddress: string | undefined; // asked of the kernel (getpeername) only when needed
  #remotePort: number | undefined;
  #socket: Socket;
  #handlers: StreamTransportHandlers | undefined;
  readonly #parser: XmlStreamParser;
  readonly #limiter: ReceiveRateLimiter | undefined; // none when unlimited
  readonly #busyPoll: BusyPoll | undefined;
  readonly #tlsHandshakeTimeoutMs: number;
  #isSecure: boolean;
  #isClosing = false;
  #isEnded = false;
  #pauseTimer: NodeJS.Timeout | undefined;
  #pausedBy = 0;
  readonly #outputPauseBytes: number;
  readonly #outputMaxBytes: number;
  // Everything sent during one turn of the event loop leaves in one socket write (one syscall)
  // once the turn is over: a read of 100 stanzas for this peer becomes one write, not 100.
  #out = '';
  #isOutAscii = true;
  #isFlushQueued = false;

  constructor(socket: Socket, options: SocketTransportOptions) {
    this.kind = options.kind;
    this.#socket = socket;
    this.#isSecure = socket instanceof TLSSocket;
    if (options.receiveRateBytesPerSecond > 0) {
      this.#limiter = new ReceiveRateLimiter(options.receiveRateBytesPerSecond, options.receiveBurstBytes);
    }
    this.#busyPoll = options.busyPoll;
    this.#tlsHandshakeTimeoutMs = options.tlsHandshakeTimeoutMs ?? 10_000;
    this.#outputPauseBytes = options.outputPauseBytes ?? DEFAULT_OUTPUT_PAUSE_BYTES;
    this.#outputMaxBytes = Math.max(options.outputMaxBytes ?? DEFAULT_OUTPUT_MAX_BYTES, this.#outputPauseBytes);
    this.#parser = new XmlStreamParser('stream', { maxStanzaBytes: options.maxStanzaBytes }, this);
    socket.setNoDelay(true);
    this.#attach(socket);
  }

  get remoteAddress(): string {
    this.#remoteAddress ??= this.#socket.remoteAddress ?? 'unknown';
    return this.#remoteAddress;
  }

  get remotePort(): number | undefined {
    this.#remotePort ??= this.#socket.remotePort;
    return this.#remotePort;
  }

  get isSecure(): boolean {
    return this.#isSecure;
  }

  get canStartTls(): boolean {
    return this.kind === 'tcp' && !this.#isSecure;
  }

  setHandlers(handlers: StreamTransportHandlers): void {
    this.#handlers = handlers;
  }

  /** @internal */
  onStreamOpen(attrs: Record<string, string>): void {
    this.#handlers?.onOpen(attrs);
  }

  /** @internal */
  onStanza(element: Element): void {
    this.#handlers?.onStanza(element);
  }

  /** @internal */
  onStreamClose(): void {
    this.#handlers?.onClose();
  }

  /** @internal */
  onError(error: StreamError): void {
    this.#handlers?.onError(error);
  }

  sendHeader(header: StreamHeader): void {
    let head =
      `<?xml version='1.0'?><stream:stream xmlns='${NS.CLIENT}' xmlns:stream='${NS.STREAM}' ` +
      `id='${escapeAttribute(header.id)}' from='${escapeAttribute(header.from)}'`;
    if (header.to) head += ` to='${escapeAttribute(header.to)}'`;
    head += ` version='1.0' xml:lang='${escapeAttribute(header.lang ?? 'en')}'>`;
    this.#write(head, !NON_ASCII.test(head));
  }

  send(element: Element): void {
    const wire = toWire(element);
    this.#write(wire.xml, wire.isAscii);
  }

  async startTls(context: SecureContext): Promise<void> {
    this.#flush(); // <proceed/> goes out in the clear, before the handshake
    const raw = this.#socket;
    this.#detach(raw);
    const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (error: Error) => {
          secure.destroy();
          reject(error);
        };
        const closed = () => fail(new Error('the connection closed during the TLS handshake'));
        const timer = setTimeout(() => fail(new Error('the TLS handshake took too long')), this.#tlsHandshakeTimeoutMs);
        secure.once('close', () => clearTimeout(timer));
        secure.once('secure', () => {
          clearTimeout(timer);
          secure.off('error', fail);
          secure.off('close', closed);
          resolve();
        });
        secure.once('error', fail);
        // A client that stalls its handshake is closed by the pre-auth timeout: that must end it too.
        secure.once('close', closed);
      });
    } catch (error) {
      // Neither socket has our 'close' listener now: end the stream here, or it (and its
      // pre-authentication timer) would outlive the connection.
      this.ended();
      throw error;
    }
    this.#socket = secure;
    this.#isSecure = true;
    this.#parser.reset();
    this.#attach(secure);
  }

  restart(): void {
    this.#parser.reset();
  }

  close(error?: StreamError): void {
    if (this.#isClosing || this.#isEnded) return;
    this.#isClosing = true;
    if (error) this.send(error.toElement());
    this.#write('</stream:stream>', true);
    this.#flush();
    this.#socket.end();
    // A peer that never closes its side must not hold the socket open.
    setTimeout(() => this.destroy(), STREAM_CLOSE_GRACE_MS).unref();
  }

  destroy(): void {
    clearTimeout(this.#pauseTimer);
    this.#out = '';
    this.#socket.destroy();
  }

  #write(data: string, isAscii: boolean): void {
    if (!this.#socket.writable) return;
    // A client that does not read while others keep sending to it: its output is bounded.
    // (String length undercounts non-ASCII bytes by at most 3×; the bound stays a bound.)
    if (this.#socket.writableLength + this.#out.length + data.length > this.#outputMaxBytes && !this.#isClosing) {
      this.#out = '';
      this.close(new StreamError('policy-violation', 'too much unread output: the client is not reading'));
      // It will not read the error either: end the session now, so that what others send to it
      // goes to offline storage or back to them instead of into a socket nobody reads.
      this.destroy();
      return;
    }
    this.#out += data;
    if (!isAscii) this.#isOutAscii = false;
    if (this.#isFlushQueued) return;
    this.#isFlushQueued = true;
    process.nextTick(flushSoon, this);
  }

  /** @internal Writes what was queued. */
  flushQueued(): void {
    this.#isFlushQueued = false;
    this.#flush();
  }

  #flush(): void {
    const out = this.#out;
    if (out === '') return;
    this.#out = '';
    // latin1 writes ASCII byte for byte, much faster than UTF-8 encoding; a big IBB block is ASCII.
    const encoding = this.#isOutAscii ? 'latin1' : 'utf8';
    this.#isOutAscii = true;
    if (!this.#socket.writable) return;
    this.#socket.write(out, encoding);
    if (this.#socket.writableLength > this.#outputPauseBytes && (this.#pausedBy & PAUSED_BY_OUTPUT) === 0) {
      // Stop reading its requests until it reads our answers: it cannot queue more for itself.
      this.#pause(PAUSED_BY_OUTPUT);
      this.#socket.once('drain', onSocketDrain);
    }
  }

  /** @internal The client read its output: its requests are read again. */
  drained(): void {
    this.#unpause(PAUSED_BY_OUTPUT);
  }

  #pause(reason: number): void {
    if (this.#pausedBy === 0) this.#socket.pause();
    this.#pausedBy |= reason;
  }

  #unpause(reason: number): void {
    if ((this.#pausedBy & reason) === 0) return;
    this.#pausedBy &= ~reason;
    if (this.#pausedBy === 0 && !this.#isEnded) this.#socket.resume();
  }

  /** @internal */
  receive(chunk: Buffer): void {
    const pauseMs = this.#limiter?.take(chunk.length) ?? 0;
    this.#busyPoll?.touch();
    this.#parser.write(chunk);
    if (pauseMs > 0 && !this.#isEnded) {
      this.#pause(PAUSED_BY_RATE);
      clearTimeout(this.#pauseTimer);
      this.#pauseTimer = setTimeout(resumeAfterRate, pauseMs, this);
    }
  }

  /** @internal The receive-rate pause is over. */
  rateResumed(): void {
    this.#unpause(PAUSED_BY_RATE);
  }

  /** @internal */
  ended(): void {
    if (this.#isEnded) return;
    this.#isEnded = true;
    clearTimeout(this.#pauseTimer);
    this.#out = '';
    this.#handlers?.onEnd();
  }

  #attach(socket: Socket): void {
    (socket as OwnedSocket)[OWNER] = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  #detach(socket: Socket): void {
    socket.off('data', onSocketData);
    socket.off('error', onSocketError);
    socket.off('close', onSocketClose);
    socket.off('drain', onSocketDrain);
    this.#pausedBy &= ~PAUSED_BY_OUTPUT; // the new socket starts with nothing unread
  }
}

function flushSoon(transport: SocketTransport): void {
  transport.flushQueued();
}

function resumeAfterRate(transport: SocketTransport): void {
  transport.rateResumed();
}

function onSocketDrain(this: OwnedSocket): void {
  this[OWNER]?.drained();
}

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER]?.receive(chunk);
}

function onSocketError(): void {
  // 'close' follows; errors such as ECONNRESET are the peer's business, not a server fault.
}

function onSocketClose(this: OwnedSocket): void {
  this[OWNER]?.ended();
}
