// XEP-0446: File metadata element, v0.2.0 — <file xmlns='urn:xmpp:file:metadata:0'/> with its
// name, size, media type, date, description, dimensions and XEP-0300 (v1.0) hashes:
// <hash xmlns='urn:xmpp:hashes:2' algo='sha-256'>base64</hash>. Every child is optional (§2).
import { base64ToBytes, base64ToHex, hexToBase64 } from '../bytes.js';
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import {
  attr,
  expectElement,
  hasControlCharacters,
  malformed,
  parseInteger,
  parseMimeType,
  trimXmlWhitespace,
} from './untrusted.js';

/** Largest size we can represent exactly (2^53 − 1 bytes). */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

/** XEP-0300 §3: a hash of the file; `value` is base64 as sent. */
export interface FileHash {
  /** The IANA hash function text name, e.g. 'sha-256' (XEP-0300 §4). */
  algo: string;
  value: string;
}

export interface FileMetadata {
  /**
   * XEP-0446 §2: a name that "SHOULD NOT" contain path characters, which a receiver must replace:
   * it is kept as sent here (only control characters are refused) and sanitised where it is used.
   */
  name?: string;
  size?: number;
  mediaType?: string;
  /** Last modification, XEP-0082 DateTime, kept as sent. */
  date?: string;
  desc?: string;
  width?: number;
  height?: number;
  /** Audio/video length in milliseconds. */
  length?: number;
  hashes: FileHash[];
}

// XEP-0300 §4: digest lengths (bytes) of the functions we can tell a wrong value for.
export const DIGEST_BYTES: Readonly<Record<string, number>> = {
  'sha-1': 20,
  'sha-256': 32,
  'sha-512': 64,
  'sha3-256': 32,
  'sha3-512': 64,
  'blake2b-256': 32,
  'blake2b-512': 64,
};
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const HASH_ALGO = /^[A-Za-z0-9-]{1,32}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_DIMENSION = 2 ** 31 - 1;

/**
 * `ns` is the <file/>'s namespace: XEP-0234 :5 uses the same children under its own namespace
 * (urn:xmpp:jingle:apps:file-transfer:5), so jingle-ft.ts encodes through here too.
 */
export function encodeFileMetadata(file: FileMetadata, ns: string = NS.FILE_METADATA): Element {
  const text = (name: string, value: string | number | undefined) => value !== undefined && xml(name, null, value);
  return xml(
    'file',
    { xmlns: ns },
    text('media-type', file.mediaType),
    text('name', file.name),
    text('date', file.date),
    text('size', file.size),
    text('desc', file.desc),
    text('width', file.width),
    text('height', file.height),
    text('length', file.length),
    file.hashes.map(encodeHash),
  );
}

export function encodeHash(hash: FileHash): Element {
  return xml('hash', { xmlns: NS.HASHES, algo: hash.algo }, hash.value);
}

/** Decodes a peer's <file/>; throws bad-request on values no honest sender produces. */
export function decodeFileMetadata(element: Element): FileMetadata {
  expectElement(element, 'file', NS.FILE_METADATA);
  const file = decodeFileFields(element, NS.FILE_METADATA);
  file.hashes = element.getChildren('hash', NS.HASHES).map(decodeHash);
  return file;
}

/**
 * The children XEP-0446 shares with XEP-0234's <file/> (name, size, media-type, date, desc,
 * width, height, length), read from `element` in namespace `ns`. Hashes are left to the caller:
 * XEP-0234 allows empty ones and its peers send non-standard encodings (jingle-ft.ts).
 */
export function decodeFileFields(
  element: Element,
  ns: string,
  options: {
    /** Drop a <date/> that is no DateTime instead of refusing the whole element (the date is informational). */
    ignoreBadDate?: boolean;
  } = {},
): FileMetadata {
  const child = (name: string) => {
    const found = element.getChild(name, ns);
    return found ? trimXmlWhitespace(found.getText()) : undefined;
  };
  const file: FileMetadata = { hashes: [] };
  const name = child('name');
  if (name !== undefined) {
    if (name === '' || hasControlCharacters(name)) throw malformed('<name/> is not a file name');
    file.name = name;
  }
  const size = child('size');
  if (size !== undefined) file.size = parseInteger(size, '<size/>', 0, MAX_FILE_SIZE);
  const mediaType = child('media-type');
  if (mediaType !== undefined) file.mediaType = parseMimeType(mediaType, '<media-type/>');
  const date = readDate(child('date'));
  if (date === null && !options.ignoreBadDate) throw malformed('<date/> is not an XEP-0082 DateTime');
  if (date) file.date = date;
  const desc = element.getChild('desc', ns);
  if (desc) file.desc = desc.getText();
  for (const key of ['width', 'height', 'length'] as const) {
    const value = child(key);
    if (value !== undefined) file[key] = parseInteger(value, `<${key}/>`, 0, MAX_DIMENSION);
  }
  return file;
}

/** An XEP-0082 DateTime, undefined when absent, null when it is something else. */
function readDate(text: string | undefined): string | undefined | null {
  if (text === undefined) return undefined;
  // COMPAT: Gajim 1.7 writes Python's isoformat() plus 'Z', an offset and a 'Z' both
  // ("2026-12-07T18:14:36.730146+00:00Z"): the offset is the meaning, the 'Z' a slip.
  const date = /[+-]\d\d:\d\dZ$/.test(text) ? text.slice(0, -1) : text;
  return DATE_TIME.test(date) && !Number.isNaN(Date.parse(date)) ? date : null;
}

/** XEP-0300 §3: <hash algo=…>base64</hash>, checked for the digest length of known functions. */
export function decodeHash(element: Element): FileHash {
  expectElement(element, 'hash', NS.HASHES);
  const algo = attr(element, 'algo');
  if (algo === undefined || !HASH_ALGO.test(algo)) throw malformed("<hash/> needs an 'algo' naming a hash function");
  const value = trimXmlWhitespace(element.getText());
  if (value === '' || !BASE64.test(value)) throw malformed(`<hash algo='${algo}'/> is not base64`);
  const expected = DIGEST_BYTES[algo];
  if (expected !== undefined && base64ToBytes(value).length !== expected) {
    throw malformed(`<hash algo='${algo}'/> is not ${expected} bytes long`);
  }
  return { algo, value };
}

/** The SHA-256 of a file as lowercase hex (how Ferry compares digests), if the metadata has one. */
export function sha256Hex(file: FileMetadata): string | undefined {
  const hash = file.hashes.find((candidate) => candidate.algo === 'sha-256');
  return hash && base64ToHex(hash.value);
}

/** A hex SHA-256 digest as the XEP-0300 element value (base64). */
export function sha256Hash(hex: string): FileHash {
  return { algo: 'sha-256', value: hexToBase64(hex) };
}
