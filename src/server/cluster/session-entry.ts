// What Redis holds of one bound session, and the events that announce changes to it. Written by
// the node the session is bound to; read by every other node into its mirror. Whatever comes back
// from Redis is checked before use: a wrong type, an address of another domain or an oversized
// presence is dropped, never trusted.
import { Jid } from '@ferry/protocol/jid';
import type { Element } from '@ferry/protocol/xml/element';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import { cloneElement, xml } from '@ferry/protocol/xml/element';
import { NODE_ID_PATTERN } from '../core/cluster-config.js';

/** A presence larger than this is stored reduced to show, status, priority and caps. */
export const MAX_PRESENCE_BYTES = 4096;

export interface SessionEntry {
  /** The node it is bound to. */
  readonly node: string;
  /** Unique per bind: a later bind of the same full JID (anywhere) has another. */
  readonly sid: string;
  readonly priority: number;
  /** The last available presence, serialised; undefined when unavailable. */
  readonly presence: string | undefined;
  readonly isRosterRequested: boolean;
}

export type SessionEvent =
  | { readonly op: 'set'; readonly jid: Jid; readonly entry: SessionEntry }
  | { readonly op: 'del'; readonly jid: Jid; readonly node: string; readonly sid: string }
  | { readonly op: 'gone'; readonly node: string };

export function encodeEntry(entry: SessionEntry): string {
  return JSON.stringify({
    s: entry.sid,
    n: entry.node,
    p: entry.priority,
    x: entry.presence ?? '',
    r: entry.isRosterRequested ? 1 : 0,
  });
}

export function decodeEntry(text: string): SessionEntry | undefined {
  const value = parseJson(text);
  if (value === undefined) return undefined;
  const { s, n, p, x, r } = value;
  if (typeof s !== 'string' || s.length === 0 || s.length > 64) return undefined;
  if (typeof n !== 'string' || !NODE_ID_PATTERN.test(n)) return undefined;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < -128 || p > 127) return undefined;
  if (typeof x !== 'string' || x.length > MAX_PRESENCE_BYTES) return undefined;
  if (r !== 0 && r !== 1) return undefined;
  return { sid: s, node: n, priority: p, presence: x === '' ? undefined : x, isRosterRequested: r === 1 };
}

export function encodeEvent(event: SessionEvent): string {
  if (event.op === 'gone') return JSON.stringify({ o: 'gone', n: event.node });
  if (event.op === 'del') return JSON.stringify({ o: 'del', j: event.jid.toString(), n: event.node, s: event.sid });
  return JSON.stringify({ o: 'set', j: event.jid.toString(), e: encodeEntry(event.entry) });
}

/** Undefined for anything malformed, or for an address outside `domain`. */
export function decodeEvent(text: string, domain: string): SessionEvent | undefined {
  const value = parseJson(text);
  if (value === undefined) return undefined;
  if (value.o === 'gone') {
    return typeof value.n === 'string' && NODE_ID_PATTERN.test(value.n) ? { op: 'gone', node: value.n } : undefined;
  }
  const jid = typeof value.j === 'string' ? boundJid(value.j, domain) : undefined;
  if (jid === undefined) return undefined;
  if (value.o === 'del') {
    const { n, s } = value;
    if (typeof n !== 'string' || !NODE_ID_PATTERN.test(n) || typeof s !== 'string') return undefined;
    return { op: 'del', jid, node: n, sid: s };
  }
  if (value.o !== 'set' || typeof value.e !== 'string') return undefined;
  const entry = decodeEntry(value.e);
  return entry === undefined ? undefined : { op: 'set', jid, entry };
}

/** A full JID of an account of this domain, or undefined. */
export function boundJid(text: string, domain: string): Jid | undefined {
  if (text.length > 3 * 1024) return undefined;
  const jid = Jid.tryParse(text);
  return jid !== undefined && jid.isFull && jid.local !== '' && jid.domain === domain ? jid : undefined;
}

/** The presence as other nodes will see it: small enough for a hash field. */
export function storedPresence(presence: Element | undefined): string | undefined {
  if (presence === undefined) return undefined;
  const whole = presence.toString();
  if (Buffer.byteLength(whole) <= MAX_PRESENCE_BYTES) return whole;
  const reduced = xml('presence', {});
  for (const child of presence.getChildElements()) {
    if (['show', 'status', 'priority', 'c'].includes(child.name)) reduced.cnode(cloneElement(child));
  }
  const text = reduced.toString();
  return Buffer.byteLength(text) <= MAX_PRESENCE_BYTES ? text : '<presence/>';
}

/** A stored presence back as an element; undefined when it is not a <presence/>. */
export function presenceElement(text: string): Element | undefined {
  const element = parseElement(text);
  if (element?.name !== 'presence') return undefined;
  delete element.attrs.to;
  delete element.attrs.from;
  return element;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
