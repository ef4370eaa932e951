// RFC 6121 §2.1.2: the roster <item/> element, both ways.
import { NS } from '@ferry/protocol/namespaces';
import { Jid } from '@ferry/protocol/jid';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import type { RosterItem } from '../../storage/types.js';

/** What a roster push carries: an item, or its removal. */
export type PushedItem = RosterItem | { jid: string; subscription: 'remove' };

export function encodeItem(item: PushedItem): Element {
  if (item.subscription === 'remove') return xml('item', { jid: item.jid, subscription: 'remove' });
  const full = item as RosterItem;
  return xml(
    'item',
    { jid: full.jid, name: full.name, subscription: full.subscription, ask: full.ask },
    full.groups.map((group) => xml('group', null, group)),
  );
}

export interface RosterSetItem {
  jid: string;
  name: string | undefined;
  groups: string[];
  isRemove: boolean;
}

/** RFC 6121 §2.3.3: a roster set carries exactly one item; clients may not set subscription states. */
export function decodeSetItem(query: Element): RosterSetItem {
  const items = query.getChildren('item');
  if (items.length !== 1) throw new StanzaError('bad-request', { text: 'a roster set carries exactly one <item/>' });
  const item = items[0]!;
  const rawJid = item.attrs.jid as string | undefined;
  const jid = rawJid === undefined ? undefined : Jid.tryParse(rawJid);
  if (!jid) throw new StanzaError('bad-request', { text: 'the item needs a valid jid' });
  if (!jid.isBare) throw new StanzaError('bad-request', { text: 'roster items are bare JIDs' });
  const subscription = item.attrs.subscription as string | undefined;
  if (subscription !== undefined && subscription !== 'remove' && subscription !== 'none') {
    throw new StanzaError('bad-request', { text: 'clients may not set subscription states' });
  }
  const groups = item.getChildren('group').map((group: Element) => group.getText());
  if (groups.some((group: string) => group === ''))
    throw new StanzaError('not-acceptable', { text: 'empty group name' });
  if (new Set(groups).size !== groups.length) throw new StanzaError('bad-request', { text: 'duplicate group' });
  const name = item.attrs.name as string | undefined;
  return { jid: jid.toString(), name: name === '' ? undefined : name, groups, isRemove: subscription === 'remove' };
}

/**
 * An item kept only to remember an inbound subscription request is not part of the roster the
 * user sees until they act on it (RFC 6121 §3.1.3: the request is stored, not the contact).
 */
export function isVisible(item: RosterItem): boolean {
  // TODO: a stored flag; a contact added with no name and no groups while a request is pending
  // stays hidden until the request is answered.
  const isRequestOnly =
    item.pendingIn === true &&
    item.subscription === 'none' &&
    item.ask === undefined &&
    item.name === undefined &&
    item.groups.length === 0;
  return !isRequestOnly;
}

export function rosterQuery(items: Element[], version?: string): Element {
  return xml('query', { xmlns: NS.ROSTER, ver: version }, items);
}
