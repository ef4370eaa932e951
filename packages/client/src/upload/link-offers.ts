// Incoming messages that share a file by link become offers: an XEP-0447 <file-sharing/> with a
// url-data source (name, size, media type, SHA-256 known), else an XEP-0066 oob URL alone (what
// Conversations, Gajim, Dino and slixmpp send with the URL as the body). Messages stored while we
// were offline arrive with an XEP-0203 <delay/> and are offers like any other. Only http(s) links;
// errors, groupchat (MUC shares are the room's) and undecodable payloads are ignored.
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { findFileSharing, type FileSharing } from '@ferry/protocol/payloads/file-sharing';
import { sha256Hex } from '@ferry/protocol/payloads/file-metadata';
import { findOob, type OobData } from '@ferry/protocol/payloads/oob';
import type { Element } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../connection.js';
import { sanitizeFileName } from '../file-name.js';
import type { HttpSettings } from './http-settings.js';
import { LinkOffer, type Link } from './link-offer.js';

export class LinkOffers {
  readonly #stop: () => void;
  /** Offers nobody answered yet: close() ends them. */
  readonly #undecided = new Set<LinkOffer>();

  /** `wants()` false: nobody listens for offers, and the message is left alone. */
  constructor(
    connection: XmppConnection,
    http: HttpSettings,
    handlers: { wants(): boolean; emit(offer: LinkOffer): void },
  ) {
    this.#stop = connection.onMessage((message) => {
      const from = Jid.tryParse((message.attrs.from as string | undefined) ?? '');
      if (!from || from.equals(connection.jid) || !handlers.wants()) return;
      const link = decodeLinkMessage(message);
      if (!link) return;
      const offer = new LinkOffer(from, link, http);
      this.#undecided.add(offer);
      offer.once('progress', () => this.#undecided.delete(offer));
      void offer.done.catch(() => {}).finally(() => this.#undecided.delete(offer));
      handlers.emit(offer);
    });
  }

  /** Stops listening; offers still undecided fail with `error`. */
  close(error: Error): void {
    this.#stop();
    for (const offer of this.#undecided) offer.fail(error);
    this.#undecided.clear();
  }
}

/** The link a message shares, or undefined when it shares none we can fetch. */
export function decodeLinkMessage(message: Element): Link | undefined {
  const type = message.attrs.type as string | undefined;
  if (type === 'error' || type === 'groupchat') return undefined;
  const sharing = tryDecode(() => findFileSharing(message));
  const oob = tryDecode(() => findOob(message));
  const url =
    sharing?.sources.map((source) => source.url).find(isHttp) ?? (oob && isHttp(oob.url) ? oob.url : undefined);
  if (url === undefined) return undefined;
  const stamp = message.getChild('delay', NS.DELAY)?.attrs.stamp as unknown;
  return sharing ? fromSharing(sharing, url, oob, message, stamp) : fromOob(url, oob!, message, stamp);
}

function fromSharing(
  sharing: FileSharing,
  url: string,
  oob: OobData | undefined,
  message: Element,
  stamp: unknown,
): Link {
  const { file } = sharing;
  return {
    method: 'upload',
    url,
    name: sanitizeFileName(file.name ?? nameOfUrl(url)),
    size: file.size,
    sha256: sha256Hex(file),
    mimeType: file.mediaType,
    description: file.desc ?? oob?.desc,
    date: typeof stamp === 'string' ? stamp : file.date,
    id: idOf(message),
  };
}

function fromOob(url: string, oob: OobData, message: Element, stamp: unknown): Link {
  return {
    method: 'link',
    url,
    name: sanitizeFileName(nameOfUrl(url)),
    size: undefined,
    sha256: undefined,
    mimeType: undefined,
    description: oob.desc,
    date: typeof stamp === 'string' ? stamp : undefined,
    id: idOf(message),
  };
}

/** The URL's last path segment, percent-decoded: ".../tr%C3%A8s%20cool.jpg" → "très cool.jpg". */
export function nameOfUrl(url: string): string {
  const segment = new URL(url).pathname.split('/').filter(Boolean).pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isHttp(url: string): boolean {
  return url.startsWith('https://') || url.startsWith('http://');
}

function idOf(message: Element): string {
  const id = message.attrs.id as unknown;
  return typeof id === 'string' ? id : '';
}

/** A malformed element from a peer is as good as absent: there is nobody to answer. */
function tryDecode<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}
