// RFC 6121 §3 and Appendix A: how each subscription stanza changes the two rosters involved.
// Pure functions: given the current item (or none), the new item, or undefined for "no change".
import type { RosterItem, Subscription } from '../../storage/types.js';

export type SubscriptionType = 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed';

const ADD_TO: Record<Subscription, Subscription> = { none: 'to', from: 'both', to: 'to', both: 'both' };
const ADD_FROM: Record<Subscription, Subscription> = { none: 'from', to: 'both', from: 'from', both: 'both' };
const DROP_TO: Record<Subscription, Subscription> = { none: 'none', to: 'none', from: 'from', both: 'from' };
const DROP_FROM: Record<Subscription, Subscription> = { none: 'none', from: 'none', to: 'to', both: 'to' };

function blank(jid: string): RosterItem {
  return { jid, subscription: 'none', groups: [] };
}

function withAsk(item: RosterItem, ask: 'subscribe' | undefined): RosterItem {
  const next = { ...item };
  if (ask) next.ask = ask;
  else delete next.ask;
  return next;
}

function withPendingIn(item: RosterItem, pending: boolean): RosterItem {
  const next = { ...item };
  if (pending) next.pendingIn = true;
  else delete next.pendingIn;
  return next;
}

/** The user's own roster when the user sends `type` to the contact `jid`. */
export function applyOutbound(
  type: SubscriptionType,
  jid: string,
  item: RosterItem | undefined,
): RosterItem | undefined {
  const current = item ?? blank(jid);
  switch (type) {
    case 'subscribe':
      if (current.subscription === 'to' || current.subscription === 'both' || current.ask === 'subscribe')
        return undefined;
      return withAsk(current, 'subscribe');
    case 'unsubscribe':
      if (!item || (item.subscription !== 'to' && item.subscription !== 'both' && !item.ask)) return undefined;
      return withAsk({ ...item, subscription: DROP_TO[item.subscription] }, undefined);
    case 'subscribed':
      // Approving: only a pending request is answered (pre-approval, RFC 6121 §3.4, is not offered).
      if (!item?.pendingIn) return undefined;
      return withPendingIn({ ...item, subscription: ADD_FROM[item.subscription] }, false);
    case 'unsubscribed':
      if (!item || (item.subscription !== 'from' && item.subscription !== 'both' && !item.pendingIn)) return undefined;
      return withPendingIn({ ...item, subscription: DROP_FROM[item.subscription] }, false);
  }
}

/**
 * The contact's roster when `type` arrives from the user `jid`. For an inbound subscribe the
 * result says whether to deliver the request or to auto-approve it (already subscribed).
 */
export function applyInbound(
  type: SubscriptionType,
  jid: string,
  item: RosterItem | undefined,
): { item: RosterItem | undefined; deliver: boolean; autoReply?: 'subscribed' } {
  switch (type) {
    case 'subscribe':
      if (item && (item.subscription === 'from' || item.subscription === 'both')) {
        return { item: undefined, deliver: false, autoReply: 'subscribed' };
      }
      if (item?.pendingIn) return { item: undefined, deliver: true };
      return { item: withPendingIn(item ?? blank(jid), true), deliver: true };
    case 'subscribed':
      if (!item || item.ask !== 'subscribe') return { item: undefined, deliver: false };
      return { item: withAsk({ ...item, subscription: ADD_TO[item.subscription] }, undefined), deliver: true };
    case 'unsubscribe':
      if (!item || (item.subscription !== 'from' && item.subscription !== 'both' && !item.pendingIn)) {
        return { item: undefined, deliver: false };
      }
      return { item: withPendingIn({ ...item, subscription: DROP_FROM[item.subscription] }, false), deliver: true };
    case 'unsubscribed':
      if (!item || (item.subscription !== 'to' && item.subscription !== 'both' && !item.ask)) {
        return { item: undefined, deliver: false };
      }
      return { item: withAsk({ ...item, subscription: DROP_TO[item.subscription] }, undefined), deliver: true };
  }
}

export function isSubscribedTo(item: RosterItem | undefined): boolean {
  return item?.subscription === 'to' || item?.subscription === 'both';
}

export function isSubscribedFrom(item: RosterItem | undefined): boolean {
  return item?.subscription === 'from' || item?.subscription === 'both';
}
