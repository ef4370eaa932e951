// The ClientSession a bound stream registers with the router.
import { randomUUID } from 'node:crypto';
import type { Jid } from '../../protocol/jid.js';
import type { StreamError } from '../../protocol/errors/stream-error.js';
import type { Element } from '../../protocol/xml/element.js';
import type { ClientSession } from '../core/session.js';
import type { StreamTransport } from '../transport/stream-transport.js';

export class BoundSession implements ClientSession {
  readonly id = randomUUID();
  readonly jid: Jid;
  readonly remoteAddress: string;
  presence: Element | undefined;
  priority = 0;
  readonly directedPresence = new Set<string>();
  isRosterRequested = false;
  isClosed = false;
  readonly #transport: StreamTransport;
  readonly #close: (error?: StreamError) => void;

  constructor(jid: Jid, transport: StreamTransport, close: (error?: StreamError) => void) {
    this.jid = jid;
    this.remoteAddress = transport.remoteAddress;
    this.#transport = transport;
    this.#close = close;
  }

  send(stanza: Element): void {
    if (!this.isClosed) this.#transport.send(stanza);
  }

  close(error?: StreamError): void {
    this.#close(error);
  }
}
