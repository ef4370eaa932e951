// XEP-0261: Jingle In-Band Bytestreams Transport Method (v1.0) — <transport block-size sid stanza/>.
// The bytes then flow as XEP-0047 (ibb.ts): the initiator still sends the <open/> with the
// negotiated block-size and sid (§2), so the existing IBB sender and receiver carry them.
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import { MAX_BLOCK_SIZE, type IbbStanza } from './ibb.js';
import { attr, expectElement, malformed, parseInteger, parseSid, requireAttr } from './untrusted.js';

export interface IbbTransport {
  /** The XEP-0047 sid of the <open/> that follows (not the Jingle sid). */
  sid: string;
  /** The responder may answer with a smaller one; the initiator MUST then use it (§2). */
  blockSize: number;
  /** Absent on the wire means 'iq'; decoding always fills it in. */
  stanza: IbbStanza;
}

export function encodeIbbTransport(transport: IbbTransport): Element {
  if (!Number.isInteger(transport.blockSize) || transport.blockSize < 1 || transport.blockSize > MAX_BLOCK_SIZE) {
    throw new RangeError(`IBB block-size out of range: ${transport.blockSize}`);
  }
  return xml('transport', {
    xmlns: NS.JINGLE_IBB,
    'block-size': transport.blockSize,
    sid: transport.sid,
    // Only the non-default value is written: the XEP's own examples never carry stanza='iq'.
    stanza: transport.stanza === 'message' ? 'message' : undefined,
  });
}

export function decodeIbbTransport(element: Element): IbbTransport {
  expectElement(element, 'transport', NS.JINGLE_IBB);
  const sid = parseSid(requireAttr(element, 'sid'), "the ibb <transport/> 'sid'");
  // The schema types it xs:short (≤ 32767); XEP-0047 allows up to 65535, which is what we accept.
  const blockSize = parseInteger(requireAttr(element, 'block-size'), "<transport/> 'block-size'", 1, MAX_BLOCK_SIZE);
  const stanza = attr(element, 'stanza') ?? 'iq';
  if (stanza !== 'iq' && stanza !== 'message') {
    throw malformed(`<transport/> 'stanza' must be iq or message, got '${stanza.slice(0, 16)}'`);
  }
  return { sid, blockSize, stanza };
}

/** §2: the responder's answer — the offered transport, with a block-size no larger than ours. */
export function answerIbbTransport(offer: IbbTransport, maxBlockSize: number): IbbTransport {
  return { ...offer, blockSize: Math.min(offer.blockSize, maxBlockSize) };
}
