// IQ requests we send and their answers, tracked here rather than by xmpp.js's iqCaller: an
// answer that arrives after our timeout must not become an unhandled rejection (iqCaller's
// does, and crashes the process), a request can be aborted, and a logout can first let the
// requests in flight (an IBB <close/>) finish.
import { randomHex } from './platform/index.js';
import { Jid } from '@ferry/protocol/jid';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Element } from '@ferry/protocol/xml/element';
import { TransferError } from './transfer-error.js';

interface Pending {
  to: Jid | undefined;
  resolve(stanza: Element): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class IqRequests {
  readonly #pending = new Map<string, Pending>();
  readonly #send: (stanza: Element) => Promise<void>;
  readonly #self: () => Jid;
  readonly #idle = new Set<() => void>();

  constructor(send: (stanza: Element) => Promise<void>, self: () => Jid) {
    this.#send = send;
    this.#self = self;
  }

  request(iq: Element, timeoutMs: number, signal?: AbortSignal): Promise<Element> {
    signal?.throwIfAborted();
    const id = `ferry-${randomHex(8)}`;
    iq.attrs.id = id;
    const rawTo = iq.attrs.to as string | undefined;
    const to = rawTo === undefined ? undefined : Jid.tryParse(rawTo);
    return new Promise<Element>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
        if (this.#pending.size === 0) for (const wake of [...this.#idle]) wake();
      };
      const onAbort = () => {
        finish();
        reject(signal!.reason instanceof Error ? signal!.reason : new DOMException('aborted', 'AbortError'));
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new TransferError('FERRY_ERR_TIMEOUT', `no answer from ${rawTo ?? 'the server'} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        to,
        resolve: (stanza) => {
          finish();
          resolve(stanza);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
        timer,
      });
      this.#send(iq).catch((error: unknown) => this.#pending.get(id)?.reject(error as Error));
    });
  }

  /** Takes an incoming result/error that answers one of ours; false when it is not ours. */
  settle(stanza: Element): boolean {
    const type = stanza.attrs.type;
    if (stanza.name !== 'iq' || (type !== 'result' && type !== 'error')) return false;
    const pending = this.#pending.get(stanza.attrs.id as string);
    if (!pending || !this.#isFromAddressee(stanza, pending.to)) return false;
    if (type === 'error') pending.reject(StanzaError.fromStanza(stanza));
    else pending.resolve(stanza);
    return true;
  }

  /** Resolves when nothing is in flight, or after `maxMs`. */
  drain(maxMs: number): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#idle.delete(done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.#idle.add(done);
    });
  }

  rejectAll(error: Error): void {
    for (const pending of [...this.#pending.values()]) pending.reject(error);
  }

  /** RFC 6120 §8.1.2.1: an answer must come from whom we asked (or our server, for ourselves). */
  #isFromAddressee(stanza: Element, to: Jid | undefined): boolean {
    const rawFrom = stanza.attrs.from as string | undefined;
    const self = this.#self();
    if (!to || to.equals(self.bare())) {
      return rawFrom === undefined || rawFrom === self.domain || Jid.tryParse(rawFrom)?.equals(self.bare()) === true;
    }
    return rawFrom !== undefined && Jid.tryParse(rawFrom)?.equals(to) === true;
  }
}
