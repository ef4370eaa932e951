// One stream connection type for every transport (TCP + STARTTLS, direct TLS, WebSocket): the c2s
// pipeline speaks to this interface and never knows which framing carries its stanzas.
import type { SecureContext } from 'node:tls';
import type { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Element } from '@ferry/protocol/xml/element';
import type { BusyPoll } from './busy-poll.js';

/** How every transport reads its client: the same limits and the same busy polling. */
export interface StreamReceiveOptions {
  maxStanzaBytes: number;
  receiveRateBytesPerSecond: number;
  receiveBurstBytes: number;
  busyPoll?: BusyPoll | undefined;
  /** STARTTLS: a handshake not finished by then fails (default 10 s). */
  tlsHandshakeTimeoutMs?: number;
  /** Unread output that stops reading from the client until it drains (default 1 MiB). */
  outputPauseBytes?: number;
  /** Unread output that closes the connection with policy-violation (default 16 MiB). */
  outputMaxBytes?: number;
}

export const DEFAULT_OUTPUT_PAUSE_BYTES = 1024 * 1024;
export const DEFAULT_OUTPUT_MAX_BYTES = 16 * 1024 * 1024;

export interface StreamTransportHandlers {
  /** The peer opened (or, after a restart, re-opened) the stream. */
  onOpen(attrs: Record<string, string>): void;
  onStanza(stanza: Element): void;
  /** The peer closed the stream (</stream:stream> or <close/>). */
  onClose(): void;
  /** The peer's bytes broke the rules; the transport has stopped parsing. */
  onError(error: StreamError): void;
  /** The connection is gone, whatever the reason. Called exactly once. */
  onEnd(): void;
}

export interface StreamHeader {
  from: string;
  id: string;
  to?: string;
  lang?: string;
}

export interface StreamTransport {
  readonly kind: 'tcp' | 'direct-tls' | 'websocket';
  readonly remoteAddress: string;
  /** The client's port, for operators; undefined when the socket no longer knows it. */
  readonly remotePort: number | undefined;
  readonly isSecure: boolean;
  readonly canStartTls: boolean;
  setHandlers(handlers: StreamTransportHandlers): void;
  /** Writes the stream header: <stream:stream> on sockets, <open/> on WebSocket. */
  sendHeader(header: StreamHeader): void;
  send(element: Element): void;
  /** Upgrades to TLS after <proceed/> was written; resolves once the handshake completed. */
  startTls(context: SecureContext): Promise<void>;
  /** RFC 6120 §4.3.3: the next bytes begin a new stream (after STARTTLS or SASL success). */
  restart(): void;
  /** Writes the stream error if any and the closing tag, then ends the connection. */
  close(error?: StreamError): void;
  destroy(): void;
}

export const STREAM_CLOSE_GRACE_MS = 2_000;
