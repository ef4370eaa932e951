// XEP-0047: In-Band Bytestreams — <open/>, <data/> and <close/>, plus the seq and block-size
// arithmetic both ends need. The session state machine lives with the transports, not here.
import { base64ToBytes, bytesToBase64 } from '../bytes.js';
import { StanzaError } from '../errors/stanza-error.js';
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import { XML_WHITESPACE, attr, expectElement, malformed, parseInteger, parseSid, requireAttr } from './untrusted.js';

/** XEP-0047 §2.1: 'block-size' "MUST NOT be greater than 65535". */
export const MAX_BLOCK_SIZE = 65535;
/** XEP-0047 §2.2: 'seq' is a 16-bit unsigned counter. */
export const MAX_SEQ = 65535;
/** XEP-0047 §5: "It is RECOMMENDED to use a 'block-size' of 4096." */
export const RECOMMENDED_BLOCK_SIZE = 4096;

/** XEP-0047 §2.1: which stanza carries the <data/> elements. */
export type IbbStanza = 'iq' | 'message';

export interface IbbOpen {
  sid: string;
  /** Largest chunk, in bytes before base64, that a <data/> may carry (1..65535). */
  blockSize: number;
  /** Absent on the wire means 'iq' (XEP-0047 §2.1); decoding always fills it in. */
  stanza: IbbStanza;
}

export interface IbbData {
  sid: string;
  /** 0..65535, wrapping (see nextSeq). */
  seq: number;
  data: Uint8Array;
}

export interface IbbClose {
  sid: string;
}

export function encodeIbbOpen(open: IbbOpen): Element {
  if (!Number.isInteger(open.blockSize) || open.blockSize < 1 || open.blockSize > MAX_BLOCK_SIZE) {
    throw new RangeError(`IBB block-size out of range: ${open.blockSize}`);
  }
  return xml('open', { xmlns: NS.IBB, sid: open.sid, 'block-size': open.blockSize, stanza: open.stanza });
}

export function decodeIbbOpen(open: Element): IbbOpen {
  expectElement(open, 'open', NS.IBB);
  const sid = parseSid(requireAttr(open, 'sid'), "<open/> 'sid'");
  // Zero would make every <data/> illegal; the policy "too big for me" (resource-constraint,
  // XEP-0047 §2.1) belongs to the receiver, which compares against its own limit.
  const blockSize = parseInteger(requireAttr(open, 'block-size'), "<open/> 'block-size'", 1, MAX_BLOCK_SIZE);
  const stanza = attr(open, 'stanza') ?? 'iq';
  if (stanza !== 'iq' && stanza !== 'message') {
    throw malformed(`<open/> 'stanza' must be iq or message, got '${stanza.slice(0, 16)}'`);
  }
  return { sid, blockSize, stanza };
}

export function encodeIbbData(data: IbbData): Element {
  assertSeq(data.seq);
  // XEP-0047 §2.2: RFC 4648 §4 base64 with padding, no line breaks.
  return xml('data', { xmlns: NS.IBB, seq: data.seq, sid: data.sid }, bytesToBase64(data.data));
}

export interface DecodeIbbDataOptions {
  /** The session's negotiated block-size: a larger chunk is refused before it is decoded. */
  blockSize?: number;
}

/**
 * Decodes a <data/> chunk (from an iq or a message). Base64 is checked strictly, as XEP-0047 §6
 * demands ("MUST reject (not ignore) any characters that are not explicitly allowed"): only the
 * RFC 4648 §4 alphabet, '=' only as final padding, length a multiple of 4, zero pad bits.
 * XML whitespace is the one exception: the XEP's own examples wrap the base64 over indented
 * lines, so a conforming peer may send it, and it carries no data.
 * Errors are bad-request type cancel, the reply XEP-0047 §2.2 prescribes for a bad chunk.
 */
export function decodeIbbData(element: Element, options: DecodeIbbDataOptions = {}): IbbData {
  expectElement(element, 'data', NS.IBB);
  const sid = parseSid(requireAttr(element, 'sid'), "<data/> 'sid'");
  const seq = parseInteger(requireAttr(element, 'seq'), "<data/> 'seq'", 0, MAX_SEQ);
  const text = element.getText().replace(XML_WHITESPACE, '');
  const { blockSize } = options;
  // Bound the text before decoding it, then the bytes exactly (4096 and 4097 bytes both take 5464
  // characters). XEP-0047 §2.2: the data "MUST NOT be larger than the 'block-size'".
  if (blockSize !== undefined && text.length > base64EncodedLength(blockSize)) {
    throw badChunk(`the chunk is larger than the block-size ${blockSize}`);
  }
  const bytes = decodeBase64Strict(text);
  if (blockSize !== undefined && bytes.length > blockSize) {
    throw badChunk(`the chunk is larger than the block-size ${blockSize}`);
  }
  return { sid, seq, data: bytes };
}

export function encodeIbbClose(close: IbbClose): Element {
  return xml('close', { xmlns: NS.IBB, sid: close.sid });
}

export function decodeIbbClose(close: Element): IbbClose {
  expectElement(close, 'close', NS.IBB);
  return { sid: parseSid(requireAttr(close, 'sid'), "<close/> 'sid'") };
}

/**
 * The seq after `seq`. XEP-0047 §2.2: "after value 65535 ... the 'seq' MUST start again at 0".
 * (Conversations never wraps and Gajim's receiver does not expect it: see interop notes.)
 */
export function nextSeq(seq: number): number {
  assertSeq(seq);
  return seq === MAX_SEQ ? 0 : seq + 1;
}

/** Characters of base64 (with padding) that `blockSize` bytes become: 4 per started 3 bytes. */
export function base64EncodedLength(blockSize: number): number {
  if (!Number.isInteger(blockSize) || blockSize < 0) throw new RangeError(`bad byte count: ${blockSize}`);
  return Math.ceil(blockSize / 3) * 4;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64Strict(text: string): Uint8Array {
  // Node's decoder silently skips junk and stops at '=', so validate the shape first …
  if (!BASE64.test(text)) throw badChunk('the chunk is not valid base64 (RFC 4648 §4)');
  const bytes = base64ToBytes(text);
  // … then refuse non-zero pad bits ("QR==" decodes like "QQ=="): two spellings of the same
  // bytes are exactly the covert channel XEP-0047 §6 warns about.
  if (bytesToBase64(bytes) !== text) throw badChunk('the chunk has non-canonical base64 padding bits');
  return bytes;
}

function badChunk(text: string): StanzaError {
  return new StanzaError('bad-request', { type: 'cancel', text });
}

function assertSeq(seq: number): void {
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ) throw new RangeError(`IBB seq out of range: ${seq}`);
}
