// The ClientSession a bound stream registers with the router.
import { randomUUID } from 'node:crypto';
import type { Jid } from '@ferry/protocol/jid';
import type { StreamError } from '@ferry/protocol/errors/stream-error';
import type { Element } from '@ferry/protocol/xml/element';
import type { ClientSession } from '../core/session.js';
import type { StreamTransport } from '../transport/stream-transport.js';

export class BoundSession implements ClientSession {
  readonly jid: Jid;
  readonly isLocal = true;
  presence: Element | undefined;
  priority = 0;
  isRosterRequested = false;
  // Made on first use: most sessions never need them, and every idle session would hold them.
  #id: string | undefined;
  #directedPresence: Set<string> | undefined;
  isClosed = false;
  readonly since = Date.now();
  readonly #transport: StreamTransport;
  readonly #stream: { close(error?: StreamError): void };

  /** `stream` is what owns the connection: closing the session closes it. */
  constructor(jid: Jid, transport: StreamTransport, stream: { close(error?: StreamError): void }) {
    this.jid = jid;
    this.#transport = transport;
    this.#stream = stream;
  }

  get remoteAddress(): string {
    return this.#transport.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#transport.remotePort;
  }

  get transport(): StreamTransport['kind'] {
    return this.#transport.kind;
  }

  get isSecure(): boolean {
    return this.#transport.isSecure;
  }

  get id(): string {
    this.#id ??= randomUUID();
    return this.#id;
  }

  get directedPresence(): Set<string> {
    this.#directedPresence ??= new Set();
    return this.#directedPresence;
  }

  send(stanza: Element): void {
    if (!this.isClosed) this.#transport.send(stanza);
  }

  close(error?: StreamError): void {
    this.#stream.close(error);
  }
}
