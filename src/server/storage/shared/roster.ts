// RFC 6121 §2.6 roster versions and the stored form of a roster item, the same on every backend.
//
// Versions come from one counter per database (not per account), so a deleted and re-created
// account never reissues a version some client has cached for the old roster.
import type { RosterItem } from '../types.js';

/** The version of a roster that was never written. */
export const UNWRITTEN_ROSTER_VERSION = '0';

/** The opaque version string for a counter value (undefined: never written). */
export function rosterVersion(counter: number | undefined): string {
  return counter === undefined ? UNWRITTEN_ROSTER_VERSION : String(counter);
}

/**
 * A fresh copy holding only what a backend stores: unset optional fields are omitted and
 * `pendingIn` appears only when true, so every backend hands back the same shape.
 */
export function copyRosterItem(item: RosterItem): RosterItem {
  const copy: RosterItem = { jid: item.jid, subscription: item.subscription, groups: [...item.groups] };
  if (item.name !== undefined) copy.name = item.name;
  if (item.ask !== undefined) copy.ask = item.ask;
  if (item.pendingIn === true) copy.pendingIn = true;
  return copy;
}
