// XEP-0065: SOCKS5 Bytestreams — the XMPP half: the <query xmlns=bytestreams/> payloads that
// negotiate a bytestream. The SOCKS5 wire protocol itself lives in socks5/.
import { StanzaError } from '../errors/stanza-error.js';
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import {
  attr,
  expectElement,
  hasControlCharacters,
  malformed,
  parseInteger,
  parseJidText,
  parseSid,
  requireAttr,
  trimXmlWhitespace,
} from './untrusted.js';

/** XEP-0065 §9.2: a port-less streamhost means the RFC 1928 default. */
export const DEFAULT_SOCKS5_PORT = 1080;

/** Where to open the SOCKS5 connection (XEP-0065 §9.2). */
export interface Streamhost {
  /** The StreamHost's JID: the Requester itself (direct) or the proxy (mediated). */
  jid: string;
  /** IP address or DNS name. */
  host: string;
  /** 1..65535. */
  port: number;
}

/** XEP-0065 §5.3.1 / §6.3.1: the Requester offers streamhosts to the Target (iq set). */
export interface StreamhostsQuery {
  sid: string;
  /** Only TCP: the optional UDP mode (§8) is refused with not-acceptable. */
  mode: 'tcp';
  /** §7: the Requester's DST.ADDR hash, when a MUC room hides the real JIDs. */
  dstaddr?: string;
  /** In the order the Target should try them (§5.3.2). */
  streamhosts: Streamhost[];
}

/** XEP-0065 §5.3.3 / §6.3.3: the Target's result naming the streamhost it connected to. */
export interface StreamhostUsed {
  /** Echoed by most peers but not by Spark (`<streamhost-used jid/>` alone), so optional. */
  sid?: string;
  jid: string;
}

/** XEP-0065 §6.3.5: the Requester asks the proxy to start relaying (iq set to the proxy). */
export interface Activate {
  sid: string;
  /** The Target's JID, the <activate/> element's text. */
  activate: string;
}

export function encodeStreamhosts(query: StreamhostsQuery): Element {
  if (query.streamhosts.length === 0) throw new RangeError('a bytestreams offer needs at least one streamhost');
  return xml(
    'query',
    { xmlns: NS.BYTESTREAMS, sid: query.sid, mode: query.mode, dstaddr: query.dstaddr },
    query.streamhosts.map(encodeStreamhost),
  );
}

export function decodeStreamhosts(query: Element): StreamhostsQuery {
  expectElement(query, 'query', NS.BYTESTREAMS);
  const sid = decodeSid(query);
  const mode = attr(query, 'mode') ?? 'tcp';
  if (mode === 'udp') {
    // §5.3.1: a Target unwilling to accept the bytestream answers not-acceptable.
    throw new StanzaError('not-acceptable', { text: 'UDP mode is not supported' });
  }
  if (mode !== 'tcp') throw malformed(`'mode' must be tcp or udp, got '${mode.slice(0, 16)}'`);
  const streamhosts = decodeStreamhostList(query);
  // §5.3.1: "MUST contain one or more <streamhost/> elements".
  if (streamhosts.length === 0) throw malformed('the bytestreams query offers no <streamhost/>');
  const result: StreamhostsQuery = { sid, mode, streamhosts };
  const dstaddr = attr(query, 'dstaddr');
  if (dstaddr !== undefined) {
    // §7: SHA1 hex, which is also what goes into SOCKS5 DST.ADDR — nothing else may get there.
    if (!/^[0-9a-f]{40}$/i.test(dstaddr)) throw malformed("'dstaddr' is not a SHA-1 hex digest");
    result.dstaddr = dstaddr;
  }
  return result;
}

export function encodeStreamhostUsed(used: StreamhostUsed): Element {
  return xml('query', { xmlns: NS.BYTESTREAMS, sid: used.sid }, xml('streamhost-used', { jid: used.jid }));
}

export function decodeStreamhostUsed(query: Element): StreamhostUsed {
  expectElement(query, 'query', NS.BYTESTREAMS);
  const element = query.getChild('streamhost-used', NS.BYTESTREAMS);
  if (!element) throw malformed('the bytestreams result has no <streamhost-used/>');
  const used: StreamhostUsed = { jid: parseJidText(requireAttr(element, 'jid'), "<streamhost-used/> 'jid'") };
  if (attr(query, 'sid') !== undefined) used.sid = decodeSid(query);
  return used;
}

export function encodeActivate(activate: Activate): Element {
  return xml('query', { xmlns: NS.BYTESTREAMS, sid: activate.sid }, xml('activate', null, activate.activate));
}

export function decodeActivate(query: Element): Activate {
  expectElement(query, 'query', NS.BYTESTREAMS);
  const sid = decodeSid(query);
  const element = query.getChild('activate', NS.BYTESTREAMS);
  if (!element) throw malformed('the bytestreams query has no <activate/>');
  // Pretty-printed XML may wrap the JID in whitespace; a JID never starts or ends with it.
  return { sid, activate: parseJidText(trimXmlWhitespace(element.getText()), '<activate/> JID') };
}

/** XEP-0065 §4: the Requester asks a proxy for its network address (iq get, empty query). */
export function encodeProxyQuery(): Element {
  return xml('query', { xmlns: NS.BYTESTREAMS });
}

/** XEP-0065 §4: the proxy's answer, one <streamhost/> per address it listens on. */
export function encodeProxyStreamhosts(streamhosts: readonly Streamhost[]): Element {
  return xml('query', { xmlns: NS.BYTESTREAMS }, streamhosts.map(encodeStreamhost));
}

export function decodeProxyStreamhosts(query: Element): Streamhost[] {
  expectElement(query, 'query', NS.BYTESTREAMS);
  const streamhosts = decodeStreamhostList(query);
  if (streamhosts.length === 0) throw malformed("the proxy's answer has no <streamhost/>");
  return streamhosts;
}

function encodeStreamhost(streamhost: Streamhost): Element {
  if (!Number.isInteger(streamhost.port) || streamhost.port < 1 || streamhost.port > 65535) {
    throw new RangeError(`streamhost port out of range: ${streamhost.port}`);
  }
  return xml('streamhost', { jid: streamhost.jid, host: streamhost.host, port: streamhost.port });
}

function decodeStreamhostList(query: Element): Streamhost[] {
  return query.getChildren('streamhost', NS.BYTESTREAMS).map(decodeStreamhost);
}

function decodeStreamhost(element: Element): Streamhost {
  const jid = parseJidText(requireAttr(element, 'jid'), "<streamhost/> 'jid'");
  const host = requireAttr(element, 'host');
  // The host goes straight to a TCP connect: no spaces, controls or absurd lengths (RFC 1035: 255).
  if (host.length > 255 || hasControlCharacters(host) || /\s/.test(host)) {
    throw malformed(`<streamhost/> 'host' is not a host: '${host.slice(0, 64)}'`);
  }
  // COMPAT: `attr` also reads a port held as a number (elements built in-process); from the wire it
  // is always text, parsed strictly. §9.2: absent means 1080.
  const rawPort = attr(element, 'port');
  const port = rawPort === undefined ? DEFAULT_SOCKS5_PORT : parseInteger(rawPort, "<streamhost/> 'port'", 1, 65535);
  return { jid, host, port };
}

function decodeSid(query: Element): string {
  // §5.3.1: "If the request is malformed (e.g., [no] 'sid' attribute) ... bad-request".
  return parseSid(requireAttr(query, 'sid'), "the bytestreams 'sid'");
}
