// IQs the server itself sends, waiting for their result, each bounded by a timeout.
import { randomUUID } from 'node:crypto';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Element } from '@ferry/protocol/xml/element';

interface Pending {
  resolve(stanza: Element): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class IqTimeoutError extends Error {
  readonly code = 'FERRY_ERR_IQ_TIMEOUT';
  constructor(to: string, timeoutMs: number) {
    super(`no answer from ${to} within ${timeoutMs} ms`);
    this.name = 'IqTimeoutError';
  }
}

export class PendingIqs {
  readonly #pending = new Map<string, Pending>();

  add(iq: Element, timeoutMs: number): Promise<Element> {
    if (!iq.attrs.id) iq.attrs.id = randomUUID();
    const key = `${iq.attrs.to as string}#${iq.attrs.id as string}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        reject(new IqTimeoutError(String(iq.attrs.to), timeoutMs));
      }, timeoutMs);
      this.#pending.set(key, { resolve, reject, timer });
    });
  }

  /** Resolves or rejects the request this result/error answers; unknown ids are ignored. */
  settle(stanza: Element): void {
    const key = `${stanza.attrs.from as string}#${stanza.attrs.id as string}`;
    const pending = this.#pending.get(key);
    if (!pending) return;
    this.#pending.delete(key);
    clearTimeout(pending.timer);
    if (stanza.attrs.type === 'error') pending.reject(StanzaError.fromStanza(stanza));
    else pending.resolve(stanza);
  }

  rejectAll(error: Error): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
  }
}
