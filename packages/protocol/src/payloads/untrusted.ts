// Reading untrusted values out of payload elements: every codec's decode side goes through here,
// so "a byte from the network" is checked the same way everywhere and fails as one typed error.
import { utf8ByteLength } from '../bytes.js';
import { StanzaError } from '../errors/stanza-error.js';
import { namespaceOf, type Element } from '../xml/element.js';

/** The error every decoder throws on malformed input; the core sends it back as the reply. */
export function malformed(text: string): StanzaError {
  return new StanzaError('bad-request', { text });
}

/** Throws unless `element` is `<name xmlns=ns/>`: guards decoders against mis-routed payloads. */
export function expectElement(element: Element, name: string, ns: string): void {
  if (element.getName() !== name || namespaceOf(element) !== ns) {
    throw malformed(`expected <${name} xmlns='${ns}'/>, got <${element.name}/>`);
  }
}

/**
 * An attribute as a string, or undefined when absent. ltx types attributes as `any`.
 * COMPAT: elements built in-process (xmpp.js callers, `new Element(..., { port: 7777 })`) may
 * carry numbers; a parsed stanza never does. Anything else is not a value a peer could send.
 */
export function attr(element: Element, name: string): string | undefined {
  const value: unknown = element.attrs[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw malformed(`attribute '${name}' of <${element.name}/> is not text`);
}

/** A required, non-empty attribute. */
export function requireAttr(element: Element, name: string): string {
  const value = attr(element, name);
  if (value === undefined || value === '') {
    throw malformed(`<${element.name}/> is missing the '${name}' attribute`);
  }
  return value;
}

const DIGITS = /^[0-9]{1,16}$/;

/**
 * A decimal integer in [min, max]. Strict on purpose: no sign, no spaces, no exponent, no hex —
 * `Number('0x10')`, `Number(' 7 ')` and `parseInt('12abc')` all accept what a peer must not send.
 */
export function parseInteger(raw: string, what: string, min: number, max: number): number {
  if (!DIGITS.test(raw)) throw malformed(`${what} is not a decimal number: '${raw.slice(0, 32)}'`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw malformed(`${what} is out of range [${min}, ${max}]: ${raw}`);
  }
  return value;
}

/** XML whitespace (XML 1.0 §2.3 S) — what pretty-printers add around text content. */
export const XML_WHITESPACE = /[\x20\x09\x0d\x0a]+/g;
const XML_WHITESPACE_AROUND = /^[\x20\x09\x0d\x0a]+|[\x20\x09\x0d\x0a]+$/g;

/** Text content without the indentation a pretty-printer put around it. */
export function trimXmlWhitespace(text: string): string {
  return text.replace(XML_WHITESPACE_AROUND, '');
}

// C0 controls and DEL: never part of a name, a JID or a header; a NUL or newline in one is an
// injection attempt (file paths, HTTP headers, log lines).
const CONTROL = /[\x00-\x1f\x7f]/;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/**
 * A file name offered by a peer (XEP-0096 `name`, XEP-0363 `filename`). Both specs mean a bare
 * name, so anything that could walk a path is refused here rather than trusted to every caller:
 * separators, `.`/`..`, control characters. Receivers still choose where the file goes.
 */
export function parseFileName(raw: string, what: string): string {
  if (raw === '' || raw === '.' || raw === '..' || /[/\\]/.test(raw) || hasControlCharacters(raw)) {
    throw malformed(`${what} is not a plain file name: '${raw.slice(0, 64)}'`);
  }
  return raw;
}

/**
 * A stream / session id (XEP-0095 'id', XEP-0065 and XEP-0047 'sid'): opaque, but it keys tables,
 * is hashed into SOCKS5 DST.ADDR and gets logged, so no control characters and a sane length.
 */
export function parseSid(raw: string, what: string): string {
  if (raw === '' || raw.length > 1024 || hasControlCharacters(raw)) {
    throw malformed(`${what} is not a usable stream id`);
  }
  return raw;
}

/** A JID attribute or text. TODO: parse with protocol/jid.ts once it exists; for now only shape. */
export function parseJidText(raw: string, what: string): string {
  // RFC 7622 §3.1: at most 3071 bytes; whitespace is legal only inside a resource ("Spark 2.6.3").
  if (raw === '' || utf8ByteLength(raw) > 3071 || hasControlCharacters(raw) || raw.trim() !== raw) {
    throw malformed(`${what} is not a JID: '${raw.slice(0, 64)}'`);
  }
  return raw;
}

const MIME_TOKEN = '[A-Za-z0-9!#$&^_.+-]+';
const MIME_TYPE = new RegExp(`^${MIME_TOKEN}/${MIME_TOKEN}(\\s*;[^\\x00-\\x1f\\x7f]*)?$`);

/**
 * A MIME type (XEP-0095 'mime-type', XEP-0363 'content-type'): `type/subtype[; params]`, at most
 * 255 characters, no control characters — it may end up in an HTTP Content-Type header.
 */
export function parseMimeType(raw: string, what: string): string {
  if (raw.length > 255 || hasControlCharacters(raw) || !MIME_TYPE.test(raw)) {
    throw malformed(`${what} is not a MIME type: '${raw.slice(0, 64)}'`);
  }
  return raw;
}
