// RFC 6121 §2: roster management — get (with §2.6 versioning), set, remove, and pushes to every
// resource that asked for the roster. Every change to an account's roster runs in that account's
// queue, so read-modify-write sequences (subscription handling) never interleave. What one account
// can store is bounded: items (max_items) and inbound subscription requests waiting for an answer
// (max_pending_subscriptions), so that one account cannot make every presence it sends, and every
// roster it asks for, cost the server without bound.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import type { Jid } from '@ferry/protocol/jid';
import { defineModule } from '../../core/module.js';
import { KeyedQueue } from '../../core/keyed-queue.js';
import type { RosterItem } from '../../storage/types.js';
import { decodeSetItem, encodeItem, isVisible, rosterQuery, type PushedItem } from './roster-item.js';

/** Runs before a contact is removed from `owner`'s roster (RFC 6121 §2.5.2: cancel subscriptions). */
export type RosterRemovingHook = (owner: Jid, item: RosterItem) => Promise<void>;

export interface RosterService {
  get(username: string, jid: string): Promise<RosterItem | undefined>;
  items(username: string): Promise<RosterItem[]>;
  /**
   * In the account's queue: reads the item, lets `change` compute the next one (undefined: no
   * change), stores it and pushes it to the account's interested resources. Resolves to what
   * was stored, or undefined.
   */
  update(
    username: string,
    jid: string,
    change: (item: RosterItem | undefined) => RosterItem | undefined,
  ): Promise<RosterItem | undefined>;
  /** Removes the item (if any) and pushes subscription="remove". */
  remove(username: string, jid: string): Promise<void>;
  onRemoving(hook: RosterRemovingHook): void;
}

declare module '../../core/services.js' {
  interface Services {
    roster: RosterService;
  }
}

const options = z.strictObject({
  /** Items per account; a roster set adding one more is refused with not-allowed. */
  max_items: z.number().int().min(1).default(1_000),
  /**
   * Inbound subscription requests an account has not answered yet; further requests from new
   * contacts bounce with resource-constraint until it answers some.
   */
  max_pending_subscriptions: z.number().int().min(1).default(100),
});

/** Items encoded per turn of the event loop for a roster result: other users wait at most one chunk. */
const ENCODE_CHUNK = 200;

export default defineModule({
  name: 'roster',
  spec: [{ rfc: 6121, title: '§2 roster management', status: 'complete', note: 'with §2.6 roster versioning' }],
  depends: ['disco'],
  options,
  setup(ctx, opts) {
    const store = ctx.storage.roster;
    const queue = new KeyedQueue();
    const removingHooks: RosterRemovingHook[] = [];

    const push = (username: string, item: PushedItem, version: string) => {
      for (const session of ctx.sessions.resources(`${username}@${ctx.domain}`)) {
        if (!session.isRosterRequested) continue;
        const iq = xml(
          'iq',
          { type: 'set', id: `push-${randomUUID()}`, to: session.jid.toString() },
          rosterQuery([encodeItem(item)], version),
        );
        ctx.send(session, iq);
      }
    };

    /** Refuses a change that would take the account past its limits (only new items and new requests count). */
    const checkLimits = async (username: string, existing: RosterItem | undefined, next: RosterItem) => {
      const isNewItem = existing === undefined;
      const isNewRequest = next.pendingIn === true && existing?.pendingIn !== true;
      if (!isNewItem && !isNewRequest) return;
      const items = await store.items(username);
      if (isNewItem && items.length >= opts.max_items) {
        // A policy limit, not a passing shortage: retrying does not help until items are removed.
        throw new StanzaError('not-allowed', { text: `the roster is full (${opts.max_items} items)` });
      }
      if (isNewRequest && items.filter((item) => item.pendingIn).length >= opts.max_pending_subscriptions) {
        throw new StanzaError('resource-constraint', { text: 'too many subscription requests are waiting' });
      }
    };

    const service: RosterService = {
      get: (username, jid) => store.get(username, jid),
      items: (username) => store.items(username),
      update: (username, jid, change) =>
        queue.run(username, async () => {
          const existing = await store.get(username, jid);
          const next = change(existing);
          if (next === undefined) return undefined;
          await checkLimits(username, existing, next);
          const version = await store.put(username, next);
          if (isVisible(next)) push(username, next, version);
          return next;
        }),
      remove: (username, jid) =>
        queue.run(username, async () => {
          const version = await store.remove(username, jid);
          if (version !== undefined) push(username, { jid, subscription: 'remove' }, version);
        }),
      onRemoving: (hook) => void removingHooks.push(hook),
    };
    ctx.provide('roster', service);

    ctx.onIq({ type: 'get', to: 'bare', child: [NS.ROSTER, 'query'] }, (iq) => {
      if (!iq.isSelf) throw new StanzaError('forbidden', { text: 'a roster belongs to its account' });
      if (iq.origin) ctx.sessions.setRosterRequested(iq.origin);
      const username = iq.from.local;
      // In the queue: the version and the items answered must belong together.
      return queue.run(username, async () => {
        const version = await store.version(username);
        // RFC 6121 §2.6.3: an unchanged roster is answered with an empty result.
        if (iq.payload.attrs.ver !== undefined && iq.payload.attrs.ver === version) return null;
        const items: Element[] = [];
        let seen = 0;
        for (const item of await store.items(username)) {
          if (isVisible(item)) items.push(encodeItem(item));
          if (++seen % ENCODE_CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        return rosterQuery(items, version);
      });
    });

    ctx.onIq({ type: 'set', to: 'bare', child: [NS.ROSTER, 'query'] }, async (iq) => {
      if (!iq.isSelf) throw new StanzaError('forbidden', { text: 'a roster belongs to its account' });
      const username = iq.from.local;
      const request = decodeSetItem(iq.payload);
      if (request.jid === iq.from.bare().toString()) {
        throw new StanzaError('not-allowed', { text: 'an account cannot be its own contact' });
      }
      if (request.isRemove) {
        const existing = await store.get(username, request.jid);
        if (!existing) throw new StanzaError('item-not-found');
        // RFC 6121 §2.5.2: removing a contact also cancels both subscription directions.
        for (const hook of removingHooks) await hook(iq.from.bare(), existing);
        await service.remove(username, request.jid);
        return null;
      }
      await service.update(username, request.jid, (existing) => {
        const item: RosterItem = {
          ...(existing ?? { subscription: 'none' }),
          jid: request.jid,
          groups: request.groups,
        };
        if (request.name !== undefined) item.name = request.name;
        else delete item.name;
        return item;
      });
      return null;
    });

    ctx.require('disco').addFeature(NS.ROSTER);
    ctx.onTeardown(ctx.preAuth.addPostAuthFeature(xml('ver', { xmlns: NS.ROSTER_VER }))); // §2.6.1
  },
});
