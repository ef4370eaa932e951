// XEP-0260: Jingle SOCKS5 Bytestreams Transport Method (v1.0.3) — <transport sid dstaddr mode/>
// with its <candidate cid host jid port priority type/>s, or one of the four notifications a
// transport-info carries: <candidate-used cid/>, <candidate-error/>, <activated cid/>,
// <proxy-error/>. The candidate logic (priorities, nomination) is in client/jingle/s5b-candidates.ts.
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import { DEFAULT_SOCKS5_PORT } from './bytestreams.js';
import {
  attr,
  expectElement,
  hasControlCharacters,
  malformed,
  parseInteger,
  parseJidText,
  parseSid,
  requireAttr,
} from './untrusted.js';

/** §2.2: the candidate types, each with a suggested type preference. */
export type S5bCandidateType = 'direct' | 'assisted' | 'tunnel' | 'proxy';

export interface S5bCandidate {
  /** Candidate id, unique within the session; named by candidate-used and activated. */
  cid: string;
  host: string;
  /** The StreamHost's JID: the offering party itself, or a proxy. */
  jid: string;
  port: number;
  /** §2.2: (2^16 × type preference) + local preference. Higher is tried first. */
  priority: number;
  type: S5bCandidateType;
}

export type S5bNotification =
  | { kind: 'candidate-used'; cid: string }
  | { kind: 'candidate-error' }
  | { kind: 'activated'; cid: string }
  | { kind: 'proxy-error' };

export interface S5bTransport {
  /** The bytestream's sid: also the XEP-0065 sid hashed into DST.ADDR (not the Jingle sid). */
  sid: string;
  /** §2.2: 'udp' is XEP-0065 §8's UDP mode; the caller refuses it. Absent means 'tcp'. */
  mode: 'tcp' | 'udp';
  /** The DST.ADDR the sender computed (SHOULD be present with a proxy candidate). */
  dstaddr?: string;
  candidates: S5bCandidate[];
  /** A transport-info's notification; absent in offers (session-initiate, session-accept). */
  notification?: S5bNotification;
}

const CID_MAX = 256;
/** Priorities are xs:positiveInteger in the schema; an ICE-style 32-bit bound keeps them sane. */
const MAX_PRIORITY = 2 ** 32 - 1;
const TYPES: readonly string[] = ['direct', 'assisted', 'tunnel', 'proxy'];

export function encodeS5bTransport(transport: S5bTransport): Element {
  const notification = transport.notification;
  return xml(
    'transport',
    {
      xmlns: NS.JINGLE_S5B,
      dstaddr: transport.dstaddr,
      // §2.2: the responder MUST NOT include 'mode'; the caller leaves it 'tcp' and we only write a
      // non-default value, which the initiator alone can choose.
      mode: transport.mode === 'udp' ? 'udp' : undefined,
      sid: transport.sid,
    },
    transport.candidates.map(encodeCandidate),
    notification !== undefined && encodeNotification(notification),
  );
}

export function decodeS5bTransport(element: Element): S5bTransport {
  expectElement(element, 'transport', NS.JINGLE_S5B);
  const sid = parseSid(requireAttr(element, 'sid'), "the s5b <transport/> 'sid'");
  const mode = attr(element, 'mode') ?? 'tcp';
  if (mode !== 'tcp' && mode !== 'udp') throw malformed(`'mode' must be tcp or udp, got '${mode.slice(0, 16)}'`);
  const transport: S5bTransport = { sid, mode, candidates: [] };
  const dstaddr = attr(element, 'dstaddr');
  if (dstaddr !== undefined) {
    // It goes into the SOCKS5 DST.ADDR: SHA-1 hex (XEP-0065 §5.3.2) and nothing else.
    if (!/^[0-9a-f]{40}$/i.test(dstaddr)) throw malformed("'dstaddr' is not a SHA-1 hex digest");
    transport.dstaddr = dstaddr.toLowerCase();
  }
  const cids = new Set<string>();
  for (const child of element.getChildElements()) {
    const name = child.getName();
    if (child.getNS() !== NS.JINGLE_S5B) continue;
    if (name === 'candidate') {
      const candidate = decodeCandidate(child);
      if (cids.has(candidate.cid)) throw malformed(`two candidates share the cid '${candidate.cid}'`);
      cids.add(candidate.cid);
      transport.candidates.push(candidate);
    } else if (
      name === 'candidate-used' ||
      name === 'candidate-error' ||
      name === 'activated' ||
      name === 'proxy-error'
    ) {
      // The schema's xs:choice: one notification per transport-info.
      if (transport.notification !== undefined) throw malformed('the s5b <transport/> carries two notifications');
      transport.notification =
        name === 'candidate-used' || name === 'activated' ? { kind: name, cid: decodeCid(child) } : { kind: name };
    }
  }
  return transport;
}

function encodeCandidate(candidate: S5bCandidate): Element {
  if (!Number.isInteger(candidate.port) || candidate.port < 1 || candidate.port > 65535) {
    throw new RangeError(`candidate port out of range: ${candidate.port}`);
  }
  if (!Number.isInteger(candidate.priority) || candidate.priority < 0 || candidate.priority > MAX_PRIORITY) {
    throw new RangeError(`candidate priority out of range: ${candidate.priority}`);
  }
  return xml('candidate', {
    cid: candidate.cid,
    host: candidate.host,
    jid: candidate.jid,
    port: candidate.port,
    priority: candidate.priority,
    type: candidate.type,
  });
}

function decodeCandidate(element: Element): S5bCandidate {
  const cid = decodeCid(element);
  const host = requireAttr(element, 'host');
  // The host goes straight to a TCP connect: no spaces, controls or absurd lengths (RFC 1035: 255).
  if (host.length > 255 || hasControlCharacters(host) || /\s/.test(host)) {
    throw malformed(`<candidate/> 'host' is not a host: '${host.slice(0, 64)}'`);
  }
  const jid = parseJidText(requireAttr(element, 'jid'), "<candidate/> 'jid'");
  const rawPort = attr(element, 'port');
  // Schema: optional; XEP-0065 §9.2 makes a port-less streamhost the RFC 1928 default.
  const port = rawPort === undefined ? DEFAULT_SOCKS5_PORT : parseInteger(rawPort, "<candidate/> 'port'", 1, 65535);
  // COMPAT: the schema says positiveInteger, but 0 harms nothing (it is tried last): accept it.
  const priority = parseInteger(requireAttr(element, 'priority'), "<candidate/> 'priority'", 0, MAX_PRIORITY);
  const type = attr(element, 'type') ?? 'direct';
  if (!TYPES.includes(type)) throw malformed(`<candidate/> 'type' is not a candidate type: '${type.slice(0, 16)}'`);
  return { cid, host, jid, port, priority, type: type as S5bCandidateType };
}

function decodeCid(element: Element): string {
  const cid = requireAttr(element, 'cid');
  if (cid.length > CID_MAX || hasControlCharacters(cid)) throw malformed(`<${element.getName()}/> 'cid' is not usable`);
  return cid;
}

function encodeNotification(notification: S5bNotification): Element {
  return notification.kind === 'candidate-used' || notification.kind === 'activated'
    ? xml(notification.kind, { cid: notification.cid })
    : xml(notification.kind);
}
