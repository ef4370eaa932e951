// Stream features and IQs offered before authentication (XEP-0077 in-band registration), and the
// stream features offered after it (RFC 6121 §2.6 roster versioning). Modules add to it through
// ctx.preAuth; the stream only asks.
import { StanzaError, errorReply } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import type { StreamTransport } from '../transport/stream-transport.js';

export type PreAuthIqHandler = (
  iq: Element,
  payload: Element,
  transport: StreamTransport,
) => Element | null | Promise<Element | null>;

export class PreAuthHooks {
  readonly #features: Element[] = [];
  readonly #postAuthFeatures: Element[] = [];
  readonly #iqHandlers = new Map<string, PreAuthIqHandler>();

  addFeature(feature: Element): () => void {
    return add(this.#features, feature);
  }

  /** A feature offered after SASL succeeded, beside bind (RFC 6120 §4.3.2). */
  addPostAuthFeature(feature: Element): () => void {
    return add(this.#postAuthFeatures, feature);
  }

  addIq(namespace: string, handler: PreAuthIqHandler): () => void {
    this.#iqHandlers.set(namespace, handler);
    return () => this.#iqHandlers.delete(namespace);
  }

  features(): Element[] {
    return this.#features;
  }

  postAuthFeatures(): Element[] {
    return this.#postAuthFeatures;
  }

  handles(iq: Element): boolean {
    const payload = iq.getChildElements()[0];
    return payload !== undefined && this.#iqHandlers.has((payload.attrs.xmlns as string | undefined) ?? '');
  }

  async handle(iq: Element, transport: StreamTransport): Promise<Element> {
    const payload = iq.getChildElements()[0]!;
    const handler = this.#iqHandlers.get(payload.attrs.xmlns as string)!;
    try {
      const child = await handler(iq, payload, transport);
      const result = xml('iq', { type: 'result', id: iq.attrs.id as string | undefined });
      if (child) result.cnode(child);
      return result;
    } catch (error) {
      return errorReply(iq, error instanceof StanzaError ? error : new StanzaError('internal-server-error'));
    }
  }
}

function add(list: Element[], feature: Element): () => void {
  list.push(feature);
  return () => {
    const index = list.indexOf(feature);
    if (index >= 0) list.splice(index, 1);
  };
}
