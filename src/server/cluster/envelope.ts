// What one node puts in another's inbox: a stanza for one of its sessions, a stanza for one of its
// own services (a host named after the node, as its SOCKS5 proxy's `<node>.proxy.<domain>`), or a
// request to close a session (an account removed elsewhere). Stream entries are flat field/value lists; decoding checks
// every field, since anything with access to Redis could have written the entry.
import { Jid } from '@ferry/protocol/jid';
import type { Element } from '@ferry/protocol/xml/element';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import { STREAM_ERROR_CONDITIONS, type StreamErrorCondition } from '@ferry/protocol/errors/stream-error';
import { boundJid } from './session-entry.js';

const VERSION = '1';
/** Nodes a stanza may pass through: its session moved while it travelled, at most twice. */
export const MAX_HOPS = 2;
const STANZA_NAMES = new Set(['message', 'presence', 'iq']);

export type Envelope =
  | {
      readonly kind: 'stanza';
      readonly to: Jid;
      readonly stanza: Element;
      /** Forwards before this one (the session had moved on from the node that forwarded it). */
      readonly hops: number;
    }
  | {
      /** For a service of the receiving node: routed there as if a local session had sent it. */
      readonly kind: 'host';
      readonly stanza: Element;
    }
  | {
      readonly kind: 'close';
      readonly to: Jid;
      readonly sid: string;
      readonly condition: StreamErrorCondition;
      readonly text: string;
    };

/** `to` is the session it is for: the stanza's own `to` may be the bare JID (bare routing). */
export function stanzaFields(to: Jid, stanza: Element, hops = 0): string[] {
  return ['v', VERSION, 'k', 'stanza', 'to', to.toString(), 'h', String(hops), 's', stanza.toString()];
}

/** A stanza for a host of the receiving node's own (its `to` names that host). */
export function hostFields(stanza: Element): string[] {
  return ['v', VERSION, 'k', 'host', 's', stanza.toString()];
}

export function closeFields(to: Jid, sid: string, condition: StreamErrorCondition, text: string): string[] {
  return ['v', VERSION, 'k', 'close', 'to', to.toString(), 'sid', sid, 'c', condition, 't', text];
}

/** Undefined for anything malformed, too large, or for an address outside `domain`. */
export function decodeEnvelope(fields: unknown, domain: string, maxStanzaBytes: number): Envelope | undefined {
  if (!Array.isArray(fields) || fields.length % 2 !== 0 || fields.length > 16) return undefined;
  const values = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) {
    const [name, value] = [fields[i] as unknown, fields[i + 1] as unknown];
    if (typeof name !== 'string' || typeof value !== 'string') return undefined;
    values.set(name, value);
  }
  if (values.get('v') !== VERSION) return undefined;
  if (values.get('k') === 'host') {
    const stanza = parseStanza(values.get('s') ?? '', maxStanzaBytes);
    const to = typeof stanza?.attrs.to === 'string' ? Jid.tryParse(stanza.attrs.to) : undefined;
    // Only a host under this domain: the entry cannot make this node talk to another server.
    if (stanza === undefined || to === undefined || !to.domain.endsWith(`.${domain}`)) return undefined;
    return { kind: 'host', stanza };
  }
  const to = boundJid(values.get('to') ?? '', domain);
  if (to === undefined) return undefined;
  if (values.get('k') === 'close') {
    const condition = values.get('c') ?? '';
    const sid = values.get('sid') ?? '';
    if (!(STREAM_ERROR_CONDITIONS as readonly string[]).includes(condition) || sid.length > 64) return undefined;
    const text = (values.get('t') ?? '').slice(0, 200);
    return { kind: 'close', to, sid, condition: condition as StreamErrorCondition, text };
  }
  if (values.get('k') !== 'stanza') return undefined;
  const hops = Number(values.get('h') ?? '0');
  if (!Number.isInteger(hops) || hops < 0 || hops >= MAX_HOPS) return undefined;
  const stanza = parseStanza(values.get('s') ?? '', maxStanzaBytes);
  return stanza === undefined ? undefined : { kind: 'stanza', to, stanza, hops };
}

function parseStanza(text: string, maxStanzaBytes: number): Element | undefined {
  // The sending node's limit is this one's: a larger stanza was never accepted by a c2s stream.
  if (text.length > maxStanzaBytes * 2) return undefined;
  const stanza = parseElement(text);
  return stanza === undefined || !STANZA_NAMES.has(stanza.name) ? undefined : stanza;
}
