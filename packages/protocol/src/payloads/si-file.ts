// XEP-0096: SI File Transfer — the <file/> profile element carried inside an XEP-0095 <si/>.
// Offer: <file name size hash? date?><desc/>?<range/>?</file>. Accept: <file><range offset? length?/></file>.
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import { attr, expectElement, malformed, parseFileName, parseInteger } from './untrusted.js';

/** Largest size/offset/length we can represent exactly (2^53 − 1 bytes, about 9 PB). */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

/** XEP-0096 §3: in an accept, which bytes to send. Absent fields mean 0 and "to the end". */
export interface SiFileRange {
  offset?: number;
  length?: number;
}

export interface SiFile {
  /** REQUIRED (XEP-0096 §3). A plain name: separators and control characters are refused. */
  name: string;
  /** REQUIRED, in bytes. */
  size: number;
  /** MD5 of the contents, hex (XEP-0096 §3). */
  hash?: string;
  /** Last modification time, XEP-0082 DateTime, kept as sent. */
  date?: string;
  description?: string;
  /**
   * In an offer, `true` (an empty <range/>) says the sender can do ranged transfers (resume).
   * XEP-0096 §3 says the offer's <range/> "should have no attributes"; if a peer sends some anyway
   * they are decoded (validated) rather than dropped, and encoded when given.
   */
  range?: boolean | SiFileRange;
}

const MD5_HEX = /^[0-9a-fA-F]{32}$/;
// XEP-0082 §3.2 DateTime. Seconds are optional because XEP-0096's own example omits them.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function encodeSiFile(file: SiFile): Element {
  return xml(
    'file',
    { xmlns: NS.SI_FILE, name: file.name, size: file.size, hash: file.hash, date: file.date },
    file.description !== undefined && xml('desc', null, file.description),
    file.range === true && xml('range'),
    typeof file.range === 'object' && encodeRange(file.range),
  );
}

/** Decodes the offer's <file/>; throws bad-request on anything a sane sender would not send. */
export function decodeSiFile(element: Element): SiFile {
  expectElement(element, 'file', NS.SI_FILE);
  const rawName = attr(element, 'name');
  const rawSize = attr(element, 'size');
  if (rawName === undefined || rawSize === undefined) {
    throw malformed("XEP-0096 §3: <file/> needs both 'name' and 'size'");
  }
  const file: SiFile = {
    name: parseFileName(rawName, "<file/> 'name'"),
    size: parseInteger(rawSize, "<file/> 'size'", 0, MAX_FILE_SIZE),
  };
  const hash = attr(element, 'hash');
  if (hash !== undefined) {
    if (!MD5_HEX.test(hash)) throw malformed("<file/> 'hash' is not an MD5 hex digest");
    file.hash = hash;
  }
  const date = attr(element, 'date');
  if (date !== undefined) {
    if (!DATE_TIME.test(date) || Number.isNaN(Date.parse(date))) {
      throw malformed("<file/> 'date' is not an XEP-0082 DateTime");
    }
    file.date = date;
  }
  const desc = element.getChild('desc', NS.SI_FILE);
  if (desc) file.description = desc.getText();
  const range = element.getChild('range', NS.SI_FILE);
  if (range) file.range = decodeRange(range) ?? true;
  return file;
}

/** The accept's profile payload: <file xmlns=SI_FILE><range offset length/></file>. */
export function encodeSiFileRange(range: SiFileRange): Element {
  return xml('file', { xmlns: NS.SI_FILE }, encodeRange(range));
}

/**
 * Reads the range a receiver asked for in its accept. XEP-0096 §3: "sending no attributes is
 * synonymous with not sending the <range> element", so an empty <range/> decodes to undefined.
 */
export function decodeSiFileRange(element: Element): SiFileRange | undefined {
  expectElement(element, 'file', NS.SI_FILE);
  const range = element.getChild('range', NS.SI_FILE);
  return range ? decodeRange(range) : undefined;
}

function encodeRange(range: SiFileRange): Element {
  return xml('range', { offset: range.offset, length: range.length });
}

function decodeRange(element: Element): SiFileRange | undefined {
  const rawOffset = attr(element, 'offset');
  const rawLength = attr(element, 'length');
  if (rawOffset === undefined && rawLength === undefined) return undefined;
  const range: SiFileRange = {};
  if (rawOffset !== undefined) range.offset = parseInteger(rawOffset, "<range/> 'offset'", 0, MAX_FILE_SIZE);
  if (rawLength !== undefined) range.length = parseInteger(rawLength, "<range/> 'length'", 0, MAX_FILE_SIZE);
  return range;
}
