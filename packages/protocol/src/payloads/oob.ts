// XEP-0066: Out of Band Data, v1.5 — the jabber:x:oob <x/> a message carries to point at a file
// by URL (§3). HTTP File Upload (XEP-0363 §1) and every mainstream client (Conversations, Gajim,
// Dino, slixmpp) share an upload this way: the URL as the whole <body/>, repeated in <x><url/>.
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import { expectElement, hasControlCharacters, malformed, trimXmlWhitespace } from './untrusted.js';

/** Longer URLs are refused: no upload service makes them, and they end up in logs and prompts. */
export const MAX_URL_LENGTH = 8192;

export interface OobData {
  /** An absolute URL; the scheme is the receiver's decision (https, http, aesgcm…). */
  url: string;
  desc?: string;
}

/** XEP-0066 §3: <x xmlns='jabber:x:oob'><url/><desc/>?</x>. */
export function encodeOob(data: OobData): Element {
  return xml(
    'x',
    { xmlns: NS.OOB },
    xml('url', null, data.url),
    data.desc !== undefined && xml('desc', null, data.desc),
  );
}

/** Decodes an <x xmlns='jabber:x:oob'/>; throws bad-request when <url/> is missing or no URL. */
export function decodeOob(element: Element): OobData {
  expectElement(element, 'x', NS.OOB);
  const url = element.getChild('url', NS.OOB);
  if (!url) throw malformed('XEP-0066 §3: <x/> needs a <url/>');
  const data: OobData = { url: parseAbsoluteUrl(trimXmlWhitespace(url.getText()), '<url/>') };
  const desc = element.getChild('desc', NS.OOB);
  if (desc) data.desc = desc.getText();
  return data;
}

/** The first jabber:x:oob <x/> of a message, decoded; undefined when it has none. */
export function findOob(message: Element): OobData | undefined {
  const element = message.getChild('x', NS.OOB);
  return element ? decodeOob(element) : undefined;
}

/**
 * An absolute URL from a peer: parsed by WHATWG rules, with no whitespace or control characters
 * (which a lenient parser would strip, so the URL shown would not be the URL fetched).
 */
export function parseAbsoluteUrl(raw: string, what: string): string {
  if (raw === '' || raw.length > MAX_URL_LENGTH || hasControlCharacters(raw) || /\s/.test(raw)) {
    throw malformed(`${what} is not a usable URL`);
  }
  try {
    new URL(raw);
  } catch {
    throw malformed(`${what} is not an absolute URL: '${raw.slice(0, 64)}'`);
  }
  return raw;
}
