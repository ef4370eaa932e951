// RFC 7395: XMPP over WebSocket. Each WebSocket message carries exactly one element: <open/>,
// a stanza, or <close/>; stream restarts are a new <open/> (§3.3.2), and there is no STARTTLS
// (§3.7: security comes from wss).
import type { SecureContext } from 'node:tls';
import type { WebSocket } from 'ws';
import { NS } from '@ferry/protocol/namespaces';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { XmlStreamParser } from '@ferry/protocol/xml/stream-parser';
import type { Element } from '@ferry/protocol/xml/element';
import { escapeAttribute, serialize } from '@ferry/protocol/xml/serialize';
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

export interface WebSocketTransportOptions extends StreamReceiveOptions {
  isSecure: boolean;
  remoteAddress: string;
  remotePort?: number | undefined;
}

export class WebSocketTransport implements StreamTransport {
  readonly kind = 'websocket' as const;
  readonly remoteAddress: string;
  readonly remotePort: number | undefined;
  readonly isSecure: boolean;
  readonly canStartTls = false;
  readonly #socket: WebSocket;
  readonly #parser: XmlStreamParser;
  readonly #limiter: ReceiveRateLimiter;
  readonly #busyPoll: BusyPoll | undefined;
  #handlers: StreamTransportHandlers | undefined;
  #isClosing = false;
  #isEnded = false;
  #pauseTimer: NodeJS.Timeout | undefined;
  #isPausedByRate = false;
  #isPausedByOutput = false;
  readonly #outputPauseBytes: number;
  readonly #outputMaxBytes: number;

  constructor(socket: WebSocket, options: WebSocketTransportOptions) {
    this.#socket = socket;
    this.isSecure = options.isSecure;
    this.remoteAddress = options.remoteAddress;
    this.remotePort = options.remotePort;
    this.#limiter = new ReceiveRateLimiter(options.receiveRateBytesPerSecond, options.receiveBurstBytes);
    this.#busyPoll = options.busyPoll;
    this.#outputPauseBytes = options.outputPauseBytes ?? DEFAULT_OUTPUT_PAUSE_BYTES;
    this.#outputMaxBytes = Math.max(options.outputMaxBytes ?? DEFAULT_OUTPUT_MAX_BYTES, this.#outputPauseBytes);
    this.#parser = new XmlStreamParser(
      'framed',
      { maxStanzaBytes: options.maxStanzaBytes },
      {
        onStreamOpen: (attrs) => this.#handlers?.onOpen(attrs),
        onStanza: (element) => this.#handlers?.onStanza(element),
        onStreamClose: () => this.#handlers?.onClose(),
        onError: (error) => this.#handlers?.onError(error),
      },
    );
    socket.on('message', (data, isBinary) => this.#receive(data as Buffer, isBinary));
    socket.on('error', () => {
      // 'close' follows.
    });
    socket.on('close', () => {
      if (this.#isEnded) return;
      this.#isEnded = true;
      clearTimeout(this.#pauseTimer);
      this.#handlers?.onEnd();
    });
  }

  setHandlers(handlers: StreamTransportHandlers): void {
    this.#handlers = handlers;
  }

  sendHeader(header: StreamHeader): void {
    const attrs = [
      `xmlns="${NS.FRAMING}"`,
      `id="${escapeAttribute(header.id)}"`,
      `from="${escapeAttribute(header.from)}"`,
      header.to ? `to="${escapeAttribute(header.to)}"` : '',
      `version="1.0"`,
      `xml:lang="${escapeAttribute(header.lang ?? 'en')}"`,
    ].filter(Boolean);
    this.#write(`<open ${attrs.join(' ')}/>`);
  }

  send(element: Element): void {
    // Each frame stands alone, so the stream prefix must be declared on the element itself.
    if (element.name.startsWith('stream:') && !element.attrs['xmlns:stream']) {
      element.attrs['xmlns:stream'] = NS.STREAM;
    }
    this.#write(serialize(element));
  }

  startTls(_context: SecureContext): Promise<void> {
    return Promise.reject(new StreamError('unsupported-feature', 'no STARTTLS over WebSocket'));
  }

  restart(): void {
    this.#parser.reset();
  }

  close(error?: StreamError): void {
    if (this.#isClosing || this.#isEnded) return;
    this.#isClosing = true;
    if (error) this.send(error.toElement());
    this.#write(`<close xmlns="${NS.FRAMING}"/>`);
    this.#socket.close(1000);
    setTimeout(() => this.destroy(), STREAM_CLOSE_GRACE_MS).unref();
  }

  destroy(): void {
    clearTimeout(this.#pauseTimer);
    this.#socket.terminate();
  }

  #write(data: string): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    const unread = this.#socket.bufferedAmount;
    // A client that does not read while others keep sending to it: its output is bounded.
    if (unread + data.length > this.#outputMaxBytes && !this.#isClosing) {
      this.close(new StreamError('policy-violation', 'too much unread output: the client is not reading'));
      // It will not read the error either: end the session now (see SocketTransport).
      this.destroy();
      return;
    }
    this.#socket.send(data);
    if (unread + data.length > this.#outputPauseBytes && !this.#isPausedByOutput) {
      // Stop reading its requests until it has read our answers. ws has no 'drain': a ping's
      // callback runs once everything queued before it has been written.
      this.#isPausedByOutput = true;
      this.#updatePause();
      this.#socket.ping(undefined, undefined, () => {
        this.#isPausedByOutput = false;
        this.#updatePause();
      });
    }
  }

  #updatePause(): void {
    if (this.#isEnded) return;
    if (this.#isPausedByRate || this.#isPausedByOutput) this.#socket.pause();
    else this.#socket.resume();
  }

  #receive(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      // RFC 7395 §3.2: XMPP frames are text.
      this.#handlers?.onError(new StreamError('bad-format', 'binary WebSocket frames are not XMPP'));
      return;
    }
    const pauseMs = this.#limiter.take(data.length);
    this.#busyPoll?.touch();
    this.#parser.write(data);
    if (pauseMs > 0 && !this.#isEnded) {
      this.#isPausedByRate = true;
      this.#updatePause();
      clearTimeout(this.#pauseTimer);
      this.#pauseTimer = setTimeout(() => {
        this.#isPausedByRate = false;
        this.#updatePause();
      }, pauseMs);
    }
  }
}
