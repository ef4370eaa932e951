// RFC 6121 §2: roster management — get (with §2.6 versioning), set, remove, and pushes to every
// resource that asked for the roster. Every change to an account's roster runs in that account's
// queue, so read-modify-write sequences (subscription handling) never interleave.
import { randomUUID } from 'node:crypto';
import { NS } from '../../../protocol/namespaces.js';
import { StanzaError } from '../../../protocol/errors/stanza-error.js';
import { xml } from '../../../protocol/xml/element.js';
import type { Jid } from '../../../protocol/jid.js';
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

export default defineModule({
  name: 'roster',
  spec: [{ rfc: 6121, title: '§2 roster management', status: 'complete', note: 'with §2.6 roster versioning' }],
  depends: ['disco'],
  setup(ctx) {
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

    const service: RosterService = {
      get: (username, jid) => store.get(username, jid),
      items: (username) => store.items(username),
      update: (username, jid, change) =>
        queue.run(username, async () => {
          const next = change(await store.get(username, jid));
          if (next === undefined) return undefined;
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
        const items = (await store.items(username)).filter(isVisible).map(encodeItem);
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
