// RFC 6120 streams over a TCP socket (with STARTTLS) or a direct TLS socket (XEP-0368).
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { NS } from '../../protocol/namespaces.js';
import type { StreamError } from '../../protocol/errors/stream-error.js';
import { XmlStreamParser } from '../../protocol/xml/stream-parser.js';
import type { Element } from '../../protocol/xml/element.js';
import { escapeXml } from '../../protocol/xml/escape.js';
import { ReceiveRateLimiter } from './rate-limiter.js';
import {
  STREAM_CLOSE_GRACE_MS,
  type StreamHeader,
  type StreamTransport,
  type StreamTransportHandlers,
} from './stream-transport.js';

export interface SocketTransportOptions {
  kind: 'tcp' | 'direct-tls';
  maxStanzaBytes: number;
  receiveRateBytesPerSecond: number;
  receiveBurstBytes: number;
}

export class SocketTransport implements StreamTransport {
  readonly kind: 'tcp' | 'direct-tls';
  readonly remoteAddress: string;
  #socket: Socket;
  #handlers: StreamTransportHandlers | undefined;
  readonly #parser: XmlStreamParser;
  readonly #limiter: ReceiveRateLimiter;
  #isSecure: boolean;
  #isClosing = false;
  #isEnded = false;
  #pauseTimer: NodeJS.Timeout | undefined;
  readonly #onData = (chunk: Buffer) => this.#receive(chunk);

  constructor(socket: Socket, options: SocketTransportOptions) {
    this.kind = options.kind;
    this.#socket = socket;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.#isSecure = socket instanceof TLSSocket;
    this.#limiter = new ReceiveRateLimiter(options.receiveRateBytesPerSecond, options.receiveBurstBytes);
    this.#parser = new XmlStreamParser(
      'stream',
      { maxStanzaBytes: options.maxStanzaBytes },
      {
        onStreamOpen: (attrs) => this.#handlers?.onOpen(attrs),
        onStanza: (element) => this.#handlers?.onStanza(element),
        onStreamClose: () => this.#handlers?.onClose(),
        onError: (error) => this.#handlers?.onError(error),
      },
    );
    socket.setNoDelay(true);
    this.#attach(socket);
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

  sendHeader(header: StreamHeader): void {
    const attrs = [
      `xmlns='${NS.CLIENT}'`,
      `xmlns:stream='${NS.STREAM}'`,
      `id='${escapeXml(header.id)}'`,
      `from='${escapeXml(header.from)}'`,
      header.to ? `to='${escapeXml(header.to)}'` : '',
      `version='1.0'`,
      `xml:lang='${escapeXml(header.lang ?? 'en')}'`,
    ].filter(Boolean);
    this.#write(`<?xml version='1.0'?><stream:stream ${attrs.join(' ')}>`);
  }

  send(element: Element): void {
    this.#write(element.toString());
  }

  async startTls(context: SecureContext): Promise<void> {
    const raw = this.#socket;
    raw.off('data', this.#onData);
    this.#detach(raw);
    const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        secure.destroy();
        reject(error);
      };
      secure.once('secure', () => {
        secure.off('error', fail);
        resolve();
      });
      secure.once('error', fail);
    });
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
    if (error) this.#write(error.toElement().toString());
    this.#write('</stream:stream>');
    this.#socket.end();
    // A peer that never closes its side must not hold the socket open.
    setTimeout(() => this.destroy(), STREAM_CLOSE_GRACE_MS).unref();
  }

  destroy(): void {
    clearTimeout(this.#pauseTimer);
    this.#socket.destroy();
  }

  #write(data: string): void {
    if (!this.#socket.writable) return;
    this.#socket.write(data);
  }

  #receive(chunk: Buffer): void {
    const pauseMs = this.#limiter.take(chunk.length);
    this.#parser.write(chunk);
    if (pauseMs > 0 && !this.#isEnded) {
      this.#socket.pause();
      clearTimeout(this.#pauseTimer);
      this.#pauseTimer = setTimeout(() => this.#socket.resume(), pauseMs);
    }
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('error', this.#onSocketError);
    socket.on('close', this.#onSocketClose);
  }

  #detach(socket: Socket): void {
    socket.off('error', this.#onSocketError);
    socket.off('close', this.#onSocketClose);
  }

  readonly #onSocketError = (): void => {
    // 'close' follows; errors such as ECONNRESET are the peer's business, not a server fault.
  };

  readonly #onSocketClose = (): void => {
    if (this.#isEnded) return;
    this.#isEnded = true;
    clearTimeout(this.#pauseTimer);
    this.#handlers?.onEnd();
  };
}
