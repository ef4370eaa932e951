// RFC 6121 §8.5: message delivery — to a full JID if that resource is online, to a bare JID's
// highest-priority available resources, and offline storage (XEP-0160) when none is, delivered
// with a XEP-0203 delay stamp at the next available presence of non-negative priority, and
// deleted only once the client has acknowledged them (see offline-delivery.ts).
import { z } from 'zod';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Jid } from '@ferry/protocol/jid';
import { defineModule } from '../../core/module.js';
import { KeyedQueue } from '../../core/keyed-queue.js';
import { deliverOffline } from './offline-delivery.js';
import type { RoutedStanza } from '../../core/routing-types.js';
import type { SessionInfo } from '../../core/session.js';

export default defineModule({
  name: 'message',
  spec: [
    { rfc: 6121, title: '§8.5 message delivery', status: 'complete' },
    { xep: 160, version: '1.0.1', status: 'complete', note: 'offline messages, with XEP-0203 delay' },
    { xep: 203, version: '2.0', status: 'complete' },
  ],
  depends: ['disco'],
  options: z.strictObject({
    offline: z.boolean().default(true),
    /** Offline messages kept per account; further ones are bounced with service-unavailable. */
    max_offline_per_user: z.number().int().min(0).default(1000),
    /** The same cap in bytes (what the stored stanzas weigh), so big messages cannot fill the disk. */
    max_offline_bytes_per_user: z
      .number()
      .int()
      .min(0)
      .default(10 * 1024 * 1024),
    /** How long a client has to acknowledge a batch of offline messages before they are kept for next time. */
    delivery_ack_timeout_seconds: z.number().positive().max(3_600).default(30),
  }),
  setup(ctx, options) {
    const { sessions, storage } = ctx;

    /** §8.5.2.1.1: the available resources of highest non-negative priority. */
    const bestResources = (bare: Jid): SessionInfo[] => {
      let best: SessionInfo[] = [];
      let top = -1;
      for (const session of sessions.available(bare)) {
        if (session.priority < 0) continue;
        if (session.priority > top) {
          top = session.priority;
          best = [session];
        } else if (session.priority === top) best.push(session);
      }
      return best;
    };

    /** Online resources take it at once; the account's existence is only looked up when none is. */
    const toBare = (event: RoutedStanza): true | Promise<true> => {
      const to = event.to!.bare();
      const targets = bestResources(to);
      if (targets.length > 0) {
        for (const session of targets) ctx.send(session, event.stanza);
        return true;
      }
      return toOffline(event, to);
    };

    const toOffline = async ({ type, stanza }: RoutedStanza, to: Jid): Promise<true> => {
      if (!(await storage.accounts.exists(to.local))) {
        if (type === 'error' || type === 'headline') return true;
        throw new StanzaError('service-unavailable');
      }
      if (type === 'groupchat') throw new StanzaError('service-unavailable');
      if (type !== 'normal' && type !== 'chat') return true; // headline and error: dropped (§8.5.2.2.1)
      // Nothing to store: a chat-state notification or receipt with no body.
      if (!stanza.getChild('body') && !stanza.getChild('subject')) return true;
      if (!options.offline) throw new StanzaError('service-unavailable', { text: 'recipient offline' });
      const serialised = stanza.toString();
      const { count, bytes } = await storage.offline.usage(to.local);
      if (
        count >= options.max_offline_per_user ||
        bytes + Buffer.byteLength(serialised) > options.max_offline_bytes_per_user
      ) {
        throw new StanzaError('service-unavailable', { text: 'recipient offline and its message store is full' });
      }
      await storage.offline.push(to.local, serialised, new Date());
      return true;
    };

    ctx.on('message', 'bare', toBare);
    ctx.on('message', 'full', (event) => {
      const session = sessions.get(event.to!);
      if (session) {
        ctx.send(session, event.stanza);
        return true;
      }
      // §8.5.3.2.1: no such resource — chat/normal/headline fall back to the bare JID.
      if (event.type === 'error') return true;
      if (event.type === 'groupchat') throw new StanzaError('service-unavailable');
      return toBare(event);
    });

    const deliveries = new KeyedQueue();
    ctx.onTeardown(() => deliveries.idle());
    ctx.events.on('session-available', (session, isInitial) => {
      if (!isInitial || session.priority < 0 || !options.offline) return;
      // One delivery per account at a time: a second resource logging in meanwhile gets only
      // what the first did not acknowledge, not the same batch again.
      return deliveries.run(session.jid.local, () =>
        deliverOffline(ctx, session, { ackTimeoutMs: options.delivery_ack_timeout_seconds * 1000 }),
      );
    });
    ctx.require('disco').addFeature('msgoffline');
  },
});
