// What the core counts for metrics and the admin console: plain numbers the router, the outbound
// path and the c2s streams increment in place. A counter increment is the only cost on the hot
// path (no event, no closure, no listener check); readers (the metrics module) read them when
// scraped. One object per server, owned by ServerCore: never module-level state.

/** The transports a client stream arrives on (StreamTransport['kind']). */
export type TransportKind = 'tcp' | 'direct-tls' | 'websocket';

/** Per stanza name; anything else a module may write is counted as `other`. */
export interface StanzaCounts {
  message: number;
  presence: number;
  iq: number;
  other: number;
}

export class ServerCounters {
  /** Client connections accepted (counter) and open now (gauge), by transport. */
  readonly connectionsAccepted: Record<TransportKind, number> = { tcp: 0, 'direct-tls': 0, websocket: 0 };
  readonly connectionsOpen: Record<TransportKind, number> = { tcp: 0, 'direct-tls': 0, websocket: 0 };
  /** SASL outcomes: success, and failure by SASL condition (not-authorized, …). */
  authSuccesses = 0;
  readonly authFailures = new Map<string, number>();
  /** Stanzas from bound client streams, and stanzas written to sessions (the outbound path). */
  readonly stanzasIn: StanzaCounts = { message: 0, presence: 0, iq: 0, other: 0 };
  readonly stanzasOut: StanzaCounts = { message: 0, presence: 0, iq: 0, other: 0 };
  /** Error replies the router made (service-unavailable, remote-server-not-found…), by condition. */
  readonly routingErrors = new Map<string, number>();
  /** XEP-0047 stanzas routed between sessions: <open/>, <data/> (and its decoded bytes), <close/>. */
  readonly ibb = { opened: 0, closed: 0, dataStanzas: 0, dataBytes: 0 };

  countStanza(counts: StanzaCounts, name: string): void {
    if (name === 'message' || name === 'presence' || name === 'iq') counts[name] += 1;
    else counts.other += 1;
  }
}

/** Adds one to a labelled count. */
export function countBy(counts: Map<string, number>, label: string): void {
  counts.set(label, (counts.get(label) ?? 0) + 1);
}

/**
 * Bytes a base64 text decodes to, from its length and padding (RFC 4648 §4), without decoding it.
 * XEP-0047 §2.2 forbids whitespace in IBB data, so the length alone is enough.
 */
export function base64DecodedLength(text: string): number {
  const length = text.length;
  if (length === 0) return 0;
  const padding = text.charCodeAt(length - 1) !== 0x3d ? 0 : text.charCodeAt(length - 2) === 0x3d ? 2 : 1;
  return Math.max(0, Math.floor((length * 3) / 4) - padding);
}
