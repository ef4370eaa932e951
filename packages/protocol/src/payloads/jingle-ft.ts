// XEP-0234: Jingle File Transfer (v0.19, urn:xmpp:jingle:apps:file-transfer:5) — the
// <description><file/></description> application format, the <checksum/> and <received/>
// session-info payloads (§8), and the application-specific reasons (§9). The <file/> children are
// XEP-0446's (file-metadata.ts) in the :5 namespace, plus <range/> and <hash-used/>.
// Read as well: :4 (v0.16–0.17, same shape) and :3 (v0.14–0.15, the file wrapped in <offer/> or
// <request/>), which Conversations still sends to peers that advertise them; always written as :5.
import { base64ToBytes, hexToBase64 } from '../bytes.js';
import { NS } from '../namespaces.js';
import { namespaceOf, xml, type Element } from '../xml/element.js';
import {
  BASE64,
  DIGEST_BYTES,
  HASH_ALGO,
  MAX_FILE_SIZE,
  decodeFileFields,
  encodeFileMetadata,
  encodeHash,
  type FileHash,
  type FileMetadata,
} from './file-metadata.js';
import type { JingleContent, JingleReason, JingleRole } from './jingle.js';
import { attr, malformed, parseInteger, parseMimeType, trimXmlWhitespace } from './untrusted.js';

export type JingleFtVersion = 3 | 4 | 5;

const VERSIONS: ReadonlyMap<string, JingleFtVersion> = new Map([
  [NS.JINGLE_FT, 5],
  [NS.JINGLE_FT_4, 4],
  [NS.JINGLE_FT_3, 3],
]);

/** XEP-0234 §4 <range/>: which bytes; absent attributes mean 0 and "to the end". */
export interface JingleFileRange {
  offset?: number;
  length?: number;
  /** §8.2: hashes of just this range (in a checksum). */
  hashes: FileHash[];
}

export interface JingleFile extends FileMetadata {
  /** Present: ranged transfers are supported (offer) or these bytes are asked for (accept). */
  range?: JingleFileRange;
  /**
   * Algorithms whose value comes later in a <checksum/> session-info: from <hash-used algo/>, or
   * from an empty <hash algo/> (§4: "those elements MAY be empty if the hash has not yet been
   * computed"). `hashes` holds only hashes with a value.
   */
  hashesUsed: string[];
  /** COMPAT: Conversations with OMEMO puts an <encrypted/> in the <file/>: the bytes are ciphertext. */
  isEncrypted?: boolean;
}

export interface JingleFtDescription {
  /** The version the peer wrote; only informative, encoding is always :5. */
  version: JingleFtVersion;
  file: JingleFile;
}

export function encodeJingleFtDescription(description: Pick<JingleFtDescription, 'file'>): Element {
  return xml('description', { xmlns: NS.JINGLE_FT }, encodeJingleFile(description.file));
}

export function encodeJingleFile(file: JingleFile): Element {
  const element = encodeFileMetadata(file, NS.JINGLE_FT);
  if (file.range !== undefined) element.cnode(encodeRange(file.range));
  for (const algo of file.hashesUsed) element.cnode(xml('hash-used', { xmlns: NS.HASHES, algo }));
  return element;
}

/** Decodes a <description/> in any of the three namespaces; throws bad-request when malformed. */
export function decodeJingleFtDescription(element: Element): JingleFtDescription {
  const ns = namespaceOf(element) ?? '';
  const version = VERSIONS.get(ns);
  if (element.getName() !== 'description' || version === undefined) {
    throw malformed(`expected <description xmlns='${NS.JINGLE_FT}'/>, got <${element.name}/>`);
  }
  // :3 wraps the file in <offer/> (or <request/>); accept either shape in every version, since
  // both carry the same <file/> and a peer mixing them up still means one file.
  const file =
    element.getChild('file', ns) ??
    element.getChild('offer', ns)?.getChild('file', ns) ??
    element.getChild('request', ns)?.getChild('file', ns);
  if (!file) throw malformed('XEP-0234 §4: the <description/> has no <file/>');
  return { version, file: decodeJingleFile(file, ns) };
}

export function decodeJingleFile(element: Element, ns: string = NS.JINGLE_FT): JingleFile {
  // A Jingle offer is not refused for its date: it only decorates the file, and clients get it
  // wrong in more ways than one.
  const file: JingleFile = { ...decodeFileFields(element, ns, { ignoreBadDate: true }), hashesUsed: [] };
  if (file.mediaType === undefined) {
    // COMPAT: older drafts and some clients spell it <mime-type/>; Conversations 2.x writes and
    // reads <mediaType/> (camel case). Same value, so read all three and send only <media-type/>.
    const other = element.getChild('mime-type', ns) ?? element.getChild('mediaType', ns);
    if (other) file.mediaType = parseMimeType(trimXmlWhitespace(other.getText()), `<${other.getName()}/>`);
  }
  readHashes(element, file.hashes, file.hashesUsed);
  const range = element.getChild('range', ns);
  if (range) file.range = decodeRange(range);
  if (element.getChild('encrypted', NS.OMEMO_LEGACY)) file.isEncrypted = true;
  return file;
}

/** §8.2 (checksum) payload. `creator`/`name` are SHOULDs: Conversations sends only `name`. */
export interface JingleChecksum {
  creator?: JingleRole;
  name?: string;
  hashes: FileHash[];
  hashesUsed: string[];
  range?: JingleFileRange;
}

/** §8.1 (received) payload. */
export interface JingleReceived {
  creator?: JingleRole;
  name?: string;
}

export type JingleFtInfo = ({ kind: 'checksum' } & JingleChecksum) | ({ kind: 'received' } & JingleReceived);

export function encodeJingleChecksum(checksum: JingleChecksum): Element {
  const range = checksum.range;
  return xml(
    'checksum',
    { xmlns: NS.JINGLE_FT, creator: checksum.creator, name: checksum.name },
    xml(
      'file',
      null,
      checksum.hashes.map(encodeHash),
      checksum.hashesUsed.map((algo) => xml('hash-used', { xmlns: NS.HASHES, algo })),
      range !== undefined && encodeRange(range),
    ),
  );
}

export function encodeJingleReceived(received: JingleReceived): Element {
  return xml('received', { xmlns: NS.JINGLE_FT, creator: received.creator, name: received.name });
}

/**
 * A session-info payload, if it is one of ours (any of the three versions); undefined for any
 * other element, so the caller answers <unsupported-info/> (XEP-0166 §6.8).
 */
export function decodeJingleFtInfo(element: Element): JingleFtInfo | undefined {
  const ns = namespaceOf(element) ?? '';
  if (!VERSIONS.has(ns)) return undefined;
  const name = element.getName();
  if (name !== 'checksum' && name !== 'received') return undefined;
  const target = decodeTarget(element);
  if (name === 'received') return { kind: 'received', ...target };
  const file = element.getChild('file', ns);
  if (!file) throw malformed('XEP-0234 §8.2: <checksum/> has no <file/>');
  const info: JingleFtInfo = { kind: 'checksum', ...target, hashes: [], hashesUsed: [] };
  readHashes(file, info.hashes, info.hashesUsed);
  const range = file.getChild('range', ns);
  if (range) info.range = decodeRange(range);
  // §8.2: "MUST contain at least one <hash/> or <hash-used/>".
  if (info.hashes.length + info.hashesUsed.length + (info.range?.hashes.length ?? 0) === 0) {
    throw malformed('XEP-0234 §8.2: the <checksum/> carries no hash');
  }
  return info;
}

/** §9 and XEP-0166 §7.4: the reasons a file transfer ends with, beyond the generic ones. */
export const jingleFtReasons = {
  /** §9.1: a requested file cannot be found (or may not be known). */
  fileNotAvailable(text?: string): JingleReason {
    return withText(
      { condition: 'failed-application', application: xml('file-not-available', { xmlns: NS.JINGLE_FT_ERRORS }) },
      text,
    );
  },
  /** §9.2: more bytes than announced, or beyond a quota. */
  fileTooLarge(text?: string): JingleReason {
    return withText(
      { condition: 'media-error', application: xml('file-too-large', { xmlns: NS.JINGLE_FT_ERRORS }) },
      text,
    );
  },
  /** The bytes arrived but their hash is not the announced one. */
  hashMismatch(text = 'hash mismatch'): JingleReason {
    return { condition: 'media-error', text };
  },
};

/**
 * Which party sends the file of a content (§3.1): 'senders' names it. COMPAT: Conversations
 * before 2.10 sends no 'senders' (meaning "both"): the creator offers its own file then.
 */
export function fileSender(content: Pick<JingleContent, 'creator' | 'senders'>): JingleRole {
  const senders = content.senders;
  if (senders === 'initiator' || senders === 'responder') return senders;
  if (senders === 'none') throw malformed("XEP-0234 §3.1: a file-transfer content cannot have senders='none'");
  return content.creator;
}

function readHashes(file: Element, hashes: FileHash[], hashesUsed: string[]): void {
  for (const child of file.getChildElements()) {
    const ns = namespaceOf(child);
    const name = child.getName();
    // COMPAT: :3/:4 peers wrote XEP-0300's older namespace urn:xmpp:hashes:1.
    if (ns !== NS.HASHES && ns !== NS.HASHES_1) continue;
    if (name !== 'hash' && name !== 'hash-used') continue;
    const algo = attr(child, 'algo');
    if (algo === undefined || !HASH_ALGO.test(algo))
      throw malformed(`<${name}/> needs an 'algo' naming a hash function`);
    const value = name === 'hash' ? trimXmlWhitespace(child.getText()) : '';
    if (value === '') {
      if (!hashesUsed.includes(algo)) hashesUsed.push(algo);
    } else hashes.push({ algo, value: normaliseHashValue(algo, value) });
  }
}

/**
 * A hash value as canonical base64 of the digest (XEP-0300 §3). Digest lengths are checked for
 * the functions we know. COMPAT (Libervia ≤ 0.9, test/interop/libervia-*.test.ts): it sends
 * base64 of the *hex string*; other hashes:1-era peers send bare hex. Both are recognised by
 * their exact length and turned into the standard form, so nothing past this point sees them.
 */
export function normaliseHashValue(algo: string, value: string): string {
  const expected = DIGEST_BYTES[algo.toLowerCase()];
  const hexLength = expected === undefined ? undefined : expected * 2;
  const isHex = (text: string) => hexLength !== undefined && text.length === hexLength && /^[0-9a-fA-F]+$/.test(text);
  if (isHex(value)) return hexToBase64(value);
  if (!BASE64.test(value)) throw malformed(`<hash algo='${algo}'/> is not base64`);
  const bytes = base64ToBytes(value);
  if (expected === undefined || bytes.length === expected) return value;
  const text = String.fromCharCode(...bytes);
  if (isHex(text)) return hexToBase64(text);
  throw malformed(`<hash algo='${algo}'/> is not ${expected} bytes long`);
}

function encodeRange(range: JingleFileRange): Element {
  return xml('range', { offset: range.offset, length: range.length }, range.hashes.map(encodeHash));
}

function decodeRange(element: Element): JingleFileRange {
  const range: JingleFileRange = { hashes: [] };
  const offset = attr(element, 'offset');
  if (offset !== undefined) range.offset = parseInteger(offset, "<range/> 'offset'", 0, MAX_FILE_SIZE);
  const length = attr(element, 'length');
  if (length !== undefined) range.length = parseInteger(length, "<range/> 'length'", 0, MAX_FILE_SIZE);
  const used: string[] = [];
  readHashes(element, range.hashes, used);
  return range;
}

function decodeTarget(element: Element): JingleReceived {
  const target: JingleReceived = {};
  const creator = attr(element, 'creator');
  if (creator !== undefined) {
    if (creator !== 'initiator' && creator !== 'responder') {
      throw malformed(`<${element.getName()}/> 'creator' must be initiator or responder`);
    }
    target.creator = creator;
  }
  const name = attr(element, 'name');
  if (name !== undefined) target.name = name;
  return target;
}

function withText(reason: JingleReason, text: string | undefined): JingleReason {
  if (text !== undefined) reason.text = text;
  return reason;
}
