// Elements to XML text for the wire, in ltx's format (attributes in double quotes, `/>` for an
// empty element, the same escaping) without ltx's callback per piece. A stanza that still has its
// received content (source-content.ts) is written as a new start tag plus that content.
import type { Element } from './element.js';
import { sourceContent } from './source-content.js';

export interface WireXml {
  xml: string;
  /** Known to be ASCII only: latin1 then encodes it exactly, and faster than UTF-8. */
  isAscii: boolean;
}

// XML 1.0 §3.3.3: a parser turns TAB, LF and CR in an attribute value into spaces, and §2.11 CR
// in text into LF; written as character references they survive the round trip unchanged.
const ATTRIBUTE_SPECIAL = /["&'<>\t\n\r]/;
const ATTRIBUTE_SPECIAL_ALL = /["&'<>\t\n\r]/g;
const TEXT_SPECIAL = /[&<>\r]/;
const TEXT_SPECIAL_ALL = /[&<>\r]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
const escapeChar = (char: string): string => ESCAPES[char]!;
const NON_ASCII = /[^\x00-\x7f]/;
// Checking a long serialisation for non-ASCII costs more than encoding it as UTF-8 saves.
const MAX_ASCII_CHECK = 4096;

export function serialize(element: Element): string {
  const source = sourceContent(element);
  if (source === undefined) return write(element, '');
  return `${startTag(element)}>${source.text}</${element.name}>`;
}

export function toWire(element: Element): WireXml {
  const source = sourceContent(element);
  if (source === undefined) {
    const xml = write(element, '');
    return { xml, isAscii: xml.length <= MAX_ASCII_CHECK && !NON_ASCII.test(xml) };
  }
  const head = startTag(element);
  return {
    xml: `${head}>${source.text}</${element.name}>`,
    isAscii: source.isAscii && !NON_ASCII.test(head),
  };
}

export function escapeText(text: string): string {
  return TEXT_SPECIAL.test(text) ? text.replace(TEXT_SPECIAL_ALL, escapeChar) : text;
}

export function escapeAttribute(value: string): string {
  return ATTRIBUTE_SPECIAL.test(value) ? value.replace(ATTRIBUTE_SPECIAL_ALL, escapeChar) : value;
}

/** `<name a="v"…` without the closing `>`. */
function startTag(element: Element): string {
  let out = `<${element.name}`;
  const attrs = element.attrs as Record<string, unknown>;
  for (const name in attrs) {
    const value = attrs[name];
    if (value === undefined || value === null) continue;
    out += ` ${name}="${escapeAttribute(typeof value === 'string' ? value : String(value))}"`;
  }
  return out;
}

function write(element: Element, out: string): string {
  out += startTag(element);
  const children = element.children as unknown[];
  if (children.length === 0) return `${out}/>`;
  out += '>';
  for (const child of children) {
    if (child === null || child === undefined) continue;
    if (typeof child === 'string') out += escapeText(child);
    else if (typeof child === 'object' && 'attrs' in child && 'children' in child) out += serialize(child as Element);
    else out += escapeText(String(child));
  }
  return `${out}</${element.name}>`;
}
