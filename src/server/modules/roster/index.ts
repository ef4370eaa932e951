// RFC 6121 §2: roster management — get (with §2.6 versioning), set, remove, and pushes to every
// resource that asked for the roster.
import { randomUUID } from 'node:crypto';
import { NS } from '../../../protocol/namespaces.js';
import { StanzaError } from '../../../protocol/errors/stanza-error.js';
import { xml } from '../../../protocol/xml/element.js';
import { defineModule } from '../../core/module.js';
import type { RosterItem } from '../../storage/types.js';
import { decodeSetItem, encodeItem, isVisible, rosterQuery } from './roster-item.js';

export interface RosterService {
  /** Stores the item and pushes it to the account's interested resources. */
  put(username: string, item: RosterItem): void;
  /** Removes the item and pushes subscription="remove". */
  remove(username: string, jid: string): void;
  get(username: string, jid: string): RosterItem | undefined;
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

    const push = (username: string, item: Parameters<typeof encodeItem>[0], version: string) => {
      const bare = `${username}@${ctx.domain}`;
      for (const session of ctx.sessions.resources(bare)) {
        if (!session.isRosterRequested) continue;
        session.send(
          xml(
            'iq',
            { type: 'set', id: `push-${randomUUID()}`, to: session.jid.toString() },
            rosterQuery([encodeItem(item)], version),
          ),
        );
      }
    };

    const service: RosterService = {
      put(username, item) {
        const version = store.put(username, item);
        if (isVisible(item)) push(username, item, version);
      },
      remove(username, jid) {
        const version = store.remove(username, jid);
        if (version !== undefined) push(username, { jid, subscription: 'remove' }, version);
      },
      get: (username, jid) => store.get(username, jid),
    };
    ctx.provide('roster', service);

    ctx.onIq({ type: 'get', to: 'bare', child: [NS.ROSTER, 'query'] }, (iq) => {
      if (!iq.isSelf) throw new StanzaError('forbidden', { text: 'a roster belongs to its account' });
      if (iq.origin) iq.origin.isRosterRequested = true;
      const username = iq.from.local;
      const version = store.version(username);
      // RFC 6121 §2.6.3: an unchanged roster is answered with an empty result.
      if (iq.payload.attrs.ver !== undefined && iq.payload.attrs.ver === version) return null;
      const items = store.items(username).filter(isVisible).map(encodeItem);
      return rosterQuery(items, version);
    });

    ctx.onIq({ type: 'set', to: 'bare', child: [NS.ROSTER, 'query'] }, (iq) => {
      if (!iq.isSelf) throw new StanzaError('forbidden', { text: 'a roster belongs to its account' });
      const username = iq.from.local;
      const request = decodeSetItem(iq.payload);
      if (request.jid === iq.from.bare().toString()) {
        throw new StanzaError('not-allowed', { text: 'an account cannot be its own contact' });
      }
      const existing = store.get(username, request.jid);
      if (request.isRemove) {
        if (!existing) throw new StanzaError('item-not-found');
        // RFC 6121 §2.5.2: removing a contact also cancels both subscription directions.
        ctx.events.emit('roster-removing', iq.from.bare(), existing);
        service.remove(username, request.jid);
        return null;
      }
      const item: RosterItem = {
        ...(existing ?? { subscription: 'none' }),
        jid: request.jid,
        groups: request.groups,
      };
      if (request.name !== undefined) item.name = request.name;
      else delete item.name;
      service.put(username, item);
      return null;
    });

    ctx.require('disco').addFeature(NS.ROSTER);
    ctx.onTeardown(ctx.preAuth.addPostAuthFeature(xml('ver', { xmlns: NS.ROSTER_VER }))); // §2.6.1
  },
});
