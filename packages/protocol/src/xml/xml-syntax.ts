// XML 1.0 (Fifth Edition) productions the stream parser applies to complete constructs: names
// (§2.3), start and end tags (§3.1), references (§4.1), end-of-line and attribute-value
// normalisation (§2.11, §3.3.3) and the XML declaration (§2.8). RFC 6120 §11.1 narrows the rest:
// only the five predefined entities exist, so a reference to any other well-formed name is
// restricted-xml; anything not well-formed is not-well-formed.
import { StreamError } from '../errors/stream-error.js';

export interface StartTag {
  name: string;
  attrs: Record<string, string>;
  /** `<name/>`: the element ends here. */
  isEmpty: boolean;
}

/** Longest reference, `&` to `;` inclusive, we read; longer ones are not-well-formed (no legitimate one is). */
export const MAX_REFERENCE_CHARS = 64;

// §2.3 [4] NameStartChar and [4a] NameChar, for names that are not plain ASCII.
const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_REST = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const UNICODE_NAME = new RegExp(`^[${NAME_START}][${NAME_REST}]*$`, 'u');

// ASCII character classes, one bit each.
const NAME_START_CHAR = 1;
const NAME_CHAR = 2;
const SPACE = 4;
const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const char = String.fromCharCode(c);
  if (/[:A-Z_a-z]/.test(char)) ASCII[c] = NAME_START_CHAR | NAME_CHAR;
  else if (/[-.0-9]/.test(char)) ASCII[c] = NAME_CHAR;
  else if (/[ \t\r\n]/.test(char)) ASCII[c] = SPACE;
}

const GT = 0x3e;
const SLASH = 0x2f;
const EQUALS = 0x3d;
const QUOT = 0x22;
const APOS = 0x27;
const HASH = 0x23;

const PREDEFINED = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);
const CHAR_REFERENCE = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/;
const ATTRIBUTE_SPECIAL = /[<&\t\n\r]/;
const ATTRIBUTE_SPACE = /\r\n|[\t\n\r]/g;
const LINE_END = /\r\n?/g;
const S = '[ \\t\\r\\n]';
const QUOTED = (value: string) => `(?:'${value}'|"${value}")`;
// §2.8 [23]: version first, then optional encoding and standalone, in that order.
const XML_DECLARATION = new RegExp(
  `^<\\?xml${S}+version${S}*=${S}*${QUOTED('1\\.[0-9]+')}` +
    `(?:${S}+encoding${S}*=${S}*(?:'([A-Za-z][A-Za-z0-9._-]*)'|"([A-Za-z][A-Za-z0-9._-]*)"))?` +
    `(?:${S}+standalone${S}*=${S}*${QUOTED('(?:yes|no)')})?${S}*\\?>$`,
);

export function notWellFormed(text: string): StreamError {
  return new StreamError('not-well-formed', text);
}

export function isSpace(code: number): boolean {
  return code < 128 && (ASCII[code]! & SPACE) !== 0;
}

/** True when every character of text[from, to) is XML white space. */
export function isAllSpace(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** Characters that may continue a reference after `&`: name characters and `#`. */
export function isReferenceChar(code: number): boolean {
  return code >= 0x80 || code === HASH || (ASCII[code]! & NAME_CHAR) !== 0;
}

/** Where a name starting at `from` ends; any non-ASCII unit is taken in and checked by checkedName. */
function nameEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code < 0x80 && (ASCII[code]! & NAME_CHAR) === 0) break;
    i++;
  }
  return i;
}

function checkedName(text: string, from: number, to: number): string {
  const name = text.slice(from, to);
  const first = text.charCodeAt(from);
  if (from === to || (first < 0x80 ? (ASCII[first]! & NAME_START_CHAR) === 0 : !isName(name))) {
    throw notWellFormed(`invalid name "${name.slice(0, 40)}"`);
  }
  for (let i = from + 1; i < to; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      if (!isName(name)) throw notWellFormed(`invalid name "${name.slice(0, 40)}"`);
      break;
    }
  }
  return name;
}

export function isName(text: string): boolean {
  return UNICODE_NAME.test(text);
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** §3.1 [40], [44]: a complete `<name attr='value' …>` or `<name …/>`. */
export function parseStartTag(tag: string): StartTag {
  // A tag cut short by `<` (see MarkupScanner) fails where the cut is, after what precedes it.
  const last = tag.charCodeAt(tag.length - 1) === GT ? tag.length - 1 : -1;
  let i = nameEnd(tag, 1);
  const name = checkedName(tag, 1, i);
  const attrs: Record<string, string> = {};
  let isEmpty = false;
  for (;;) {
    const afterValue = i;
    i = skipSpace(tag, i);
    const code = tag.charCodeAt(i);
    if (code === GT && i === last) break;
    if (code === SLASH) {
      if (i + 1 !== last) throw notWellFormed(`unexpected "/" in <${name}>`);
      isEmpty = true;
      break;
    }
    if (i === afterValue) throw notWellFormed(`no white space before an attribute of <${name}>`);
    const nameStart = i;
    i = nameEnd(tag, i);
    const attribute = checkedName(tag, nameStart, i);
    i = skipSpace(tag, i);
    if (tag.charCodeAt(i) !== EQUALS) throw notWellFormed(`attribute ${attribute} without a value`);
    i = skipSpace(tag, i + 1);
    const quote = tag.charCodeAt(i);
    if (quote !== QUOT && quote !== APOS) throw notWellFormed(`unquoted value of attribute ${attribute}`);
    const close = tag.indexOf(quote === QUOT ? '"' : "'", i + 1);
    if (close < 0) throw notWellFormed(`unterminated value of attribute ${attribute}`);
    let value = tag.slice(i + 1, close);
    if (ATTRIBUTE_SPECIAL.test(value)) value = attributeValue(value);
    if (Object.hasOwn(attrs, attribute)) throw notWellFormed(`duplicate attribute ${attribute}`);
    if (attribute === '__proto__') Object.defineProperty(attrs, attribute, { value, enumerable: true, writable: true });
    else attrs[attribute] = value;
    i = close + 1;
  }
  return { name, attrs, isEmpty };
}

/** §3.1 [42]: a complete `</name>`, with optional white space before `>`. */
export function parseEndTag(tag: string): string {
  const end = nameEnd(tag, 2);
  const name = checkedName(tag, 2, end);
  if (skipSpace(tag, end) !== tag.length - 1 || tag.charCodeAt(tag.length - 1) !== GT) {
    throw notWellFormed(`malformed end tag </${name}>`);
  }
  return name;
}

/** §3.3.3: references replaced, literal white space (a CRLF counting once) becomes a space. */
function attributeValue(raw: string): string {
  if (raw.includes('<')) throw notWellFormed('"<" in an attribute value');
  return decode(raw, true);
}

/** Character data: references replaced, line ends normalised (§2.11). No `<` by construction. */
export function textValue(raw: string): string {
  if (raw.includes('&')) return decode(raw, false);
  return raw.includes('\r') ? raw.replace(LINE_END, '\n') : raw;
}

/** CDATA section content: only line ends are normalised. */
export function cdataValue(raw: string): string {
  return raw.includes('\r') ? raw.replace(LINE_END, '\n') : raw;
}

function decode(raw: string, isAttribute: boolean): string {
  let out = '';
  let from = 0;
  for (let amp = raw.indexOf('&'); amp !== -1; amp = raw.indexOf('&', from)) {
    out += literal(raw.slice(from, amp), isAttribute);
    const semicolon = raw.indexOf(';', amp + 1);
    if (semicolon < 0 || semicolon - amp + 1 > MAX_REFERENCE_CHARS) {
      throw notWellFormed('unterminated reference');
    }
    out += reference(raw.slice(amp + 1, semicolon));
    from = semicolon + 1;
  }
  return out + literal(raw.slice(from), isAttribute);
}

function literal(text: string, isAttribute: boolean): string {
  if (isAttribute) return text.replace(ATTRIBUTE_SPACE, ' ');
  return text.includes('\r') ? text.replace(LINE_END, '\n') : text;
}

/** §4.1 [66], [68]: the body of `&…;`. */
function reference(body: string): string {
  if (body.charCodeAt(0) === HASH) {
    const match = CHAR_REFERENCE.exec(body);
    const code = match ? (match[1] !== undefined ? parseInt(match[1], 16) : parseInt(match[2]!, 10)) : NaN;
    if (!isXmlChar(code)) throw notWellFormed(`invalid character reference &${body};`);
    return String.fromCodePoint(code);
  }
  const value = PREDEFINED.get(body);
  if (value !== undefined) return value;
  // A well-formed reference to an entity XMPP forbids declaring (RFC 6120 §11.1).
  if (isName(body)) throw new StreamError('restricted-xml', `entity reference &${body};`);
  throw notWellFormed(`malformed reference &${body.slice(0, 40)};`);
}

/** §2.2 [2] Char. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The target of `<?target …?>`: '' when it is not a name. */
export function processingInstructionTarget(construct: string): string {
  const end = nameEnd(construct, 2);
  const target = construct.slice(2, end);
  const next = construct.charCodeAt(end);
  if (target === '' || !(isSpace(next) || next === 0x3f) || !isName(target)) return '';
  return target;
}

/** §2.8 [23]: the XML declaration; returns its encoding, if declared. */
export function parseXmlDeclaration(construct: string): string | undefined {
  const match = XML_DECLARATION.exec(construct);
  if (!match) throw notWellFormed('malformed XML declaration');
  return match[1] ?? match[2];
}
