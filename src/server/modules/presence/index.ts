// RFC 6121 §3–§4: presence subscriptions, probes, broadcast to subscribers, directed presence, and
// unavailable presence when a session ends. Every account is local (no server-to-server yet), so
// the outbound and inbound halves of each subscription exchange run here together. Work that is
// O(contacts) — broadcast, probes — yields to the event loop every BROADCAST_CHUNK contacts, so a
// large roster delays its owner's presence, not everybody else's stanzas.
import { cloneElement, xml, type Element } from '@ferry/protocol/xml/element';
import { StanzaError, errorReply } from '@ferry/protocol/errors/stanza-error';
import { detachedElement } from '@ferry/protocol/xml/detached';
import { Jid } from '@ferry/protocol/jid';
import { defineModule } from '../../core/module.js';
import type { LocalSession, SessionInfo } from '../../core/session.js';
import type { RoutedStanza } from '../../core/routing-types.js';
import {
  applyInbound,
  applyOutbound,
  isSubscribedFrom,
  isSubscribedTo,
  type SubscriptionType,
} from './subscription.js';

const SUBSCRIPTION_TYPES = new Set(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);
const BROADCAST_CHUNK = 100;

/** Every `chunk` calls, a turn of the event loop for everybody else. */
function yielder(chunk = BROADCAST_CHUNK): () => Promise<void> | undefined {
  let count = 0;
  return () => (++count % chunk === 0 ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined);
}

export default defineModule({
  name: 'presence',
  spec: {
    rfc: 6121,
    title: '§3–§4 presence and subscriptions',
    status: 'complete',
    note: 'local accounts; no pre-approval',
  },
  depends: ['roster'],
  setup(ctx) {
    const { sessions, storage, domain } = ctx;
    const roster = ctx.require('roster');
    const isLocalAccount = async (jid: Jid) =>
      jid.domain === domain && jid.local !== '' && (await storage.accounts.exists(jid.local));

    /** A copy of `stanza` from `from`, addressed to the session (or to `to`, as the sender wrote it). */
    const sendCopy = (session: SessionInfo, stanza: Element, from: string, to = session.jid.toString()) => {
      const copy = cloneElement(stanza);
      copy.attrs.from = from;
      copy.attrs.to = to;
      ctx.send(session, copy);
    };

    /** RFC 6121 §4.2.2 / §4.4.2: to subscribers' available resources and the user's own. */
    const broadcast = async (origin: LocalSession, stanza: Element, own = sessions.available(origin.jid.bare())) => {
      const from = origin.jid.toString();
      for (const session of own) sendCopy(session, stanza, from);
      const turn = yielder();
      for (const item of await roster.items(origin.jid.local)) {
        const pause = turn();
        if (pause) await pause;
        if (!isSubscribedFrom(item)) continue;
        for (const session of sessions.available(item.jid)) sendCopy(session, stanza, from);
      }
    };

    /** RFC 6121 §4.3: what an initial presence learns — contacts' and own resources' presence. */
    const probeFor = async (session: LocalSession) => {
      const turn = yielder();
      for (const item of await roster.items(session.jid.local)) {
        const pause = turn();
        if (pause) await pause;
        if (isSubscribedTo(item)) {
          for (const contact of sessions.available(item.jid))
            sendCopy(session, contact.presence!, contact.jid.toString());
        }
        // RFC 6121 §3.1.3: pending requests are re-delivered at every login until answered,
        // addressed to the bare JID as the contact sent them.
        if (item.pendingIn) {
          const request = xml('presence', { type: 'subscribe', from: item.jid, to: session.jid.bare().toString() });
          ctx.send(session, request);
        }
      }
      for (const other of sessions.available(session.jid.bare())) {
        if (other !== session) sendCopy(session, other.presence!, other.jid.toString());
      }
    };

    const unavailable = async (session: LocalSession, stanza?: Element) => {
      const presence = stanza ?? xml('presence', { type: 'unavailable', from: session.jid.toString() });
      // §4.5.2: the user's available resources hear it too, the sender included; routing stops
      // treating the sender as available now, not after the broadcast's storage reads.
      const own = sessions.available(session.jid.bare());
      sessions.setPresence(session, undefined, 0);
      const directed = [...session.directedPresence];
      session.directedPresence.clear();
      await broadcast(session, presence, own);
      for (const target of directed) deliverDirected(Jid.parse(target), presence, session.jid.toString());
    };

    const deliverDirected = (to: Jid, stanza: Element, from: string) => {
      if (to.isFull) {
        const session = sessions.get(to);
        if (session) sendCopy(session, stanza, from);
        return;
      }
      for (const session of sessions.available(to)) sendCopy(session, stanza, from);
    };

    const onBroadcast = async ({ stanza, type, origin }: RoutedStanza): Promise<boolean> => {
      if (!origin) return true;
      if (type === 'unavailable') {
        if (origin.presence) await unavailable(origin, stanza);
        return true;
      }
      if (type !== 'available') return true; // subscription stanzas need a 'to'; nothing to do
      const isInitial = origin.presence === undefined;
      // Kept for the session's life: not the chunk it came in.
      sessions.setPresence(origin, detachedElement(stanza), parsePriority(stanza));
      await broadcast(origin, stanza);
      if (isInitial) await probeFor(origin);
      ctx.events.emit('session-available', origin, isInitial);
      return true;
    };

    /**
     * `stanza`: the presence as the user sent it, to bounce with an error when a roster limit
     * refuses it (the user's roster is full, or the contact has too many requests waiting).
     */
    const onSubscription = async (type: SubscriptionType, from: Jid, to: Jid, stanza?: Element) => {
      const user = from.bare();
      const contact = to.bare();
      if (contact.equals(user)) return;
      let outcome: ReturnType<typeof applyInbound> | undefined;
      try {
        if (await isLocalAccount(user)) {
          await roster.update(user.local, contact.toString(), (item) => applyOutbound(type, contact.toString(), item));
        }
        if (!(await isLocalAccount(contact))) return;
        await roster.update(contact.local, user.toString(), (item) => {
          outcome = applyInbound(type, user.toString(), item);
          return outcome.item;
        });
      } catch (error) {
        if (!(error instanceof StanzaError) || !stanza) throw error;
        ctx.router.route(errorReply(stanza, error), undefined);
        return;
      }
      if (outcome?.autoReply) {
        ctx.router.route(
          xml('presence', { type: outcome.autoReply, from: contact.toString(), to: user.toString() }),
          undefined,
        );
        return;
      }
      if (!outcome?.deliver) return;
      // RFC 6121 §3.1.3: to every available resource, with the bare `to` as sent.
      const notice = xml('presence', { type });
      for (const session of sessions.available(contact)) sendCopy(session, notice, user.toString(), contact.toString());
      // §3.1.5 / §3.2 / §3.3: the subscriber learns the contact's presence now, or that it is gone.
      if (type === 'subscribed') {
        for (const session of sessions.available(user))
          deliverDirected(contact, session.presence!, session.jid.toString());
      } else if (type === 'unsubscribed') {
        for (const session of sessions.available(user))
          deliverDirected(contact, unavailablePresence(), session.jid.toString());
      } else if (type === 'unsubscribe') {
        for (const session of sessions.available(contact))
          deliverDirected(user, unavailablePresence(), session.jid.toString());
      }
    };

    const onAddressed = async (event: RoutedStanza): Promise<boolean> => {
      const to = event.to!;
      if (SUBSCRIPTION_TYPES.has(event.type)) {
        await onSubscription(event.type as SubscriptionType, event.from, to, event.stanza);
        return true;
      }
      if (event.type === 'probe') {
        // §4.3.2: answered only when the prober is subscribed to the contact.
        const prober = event.from;
        if ((await isLocalAccount(to)) && isSubscribedTo(await roster.get(prober.local, to.bare().toString()))) {
          for (const contact of sessions.available(to.bare())) {
            deliverDirected(prober, contact.presence!, contact.jid.toString());
          }
        }
        return true;
      }
      // Directed presence (§4.6) and presence errors go to the addressee as they are.
      deliverDirected(to, event.stanza, event.from.toString());
      if (event.origin && (event.type === 'available' || event.type === 'unavailable')) {
        const target = to.toString();
        if (event.type === 'available') event.origin.directedPresence.add(target);
        else event.origin.directedPresence.delete(target);
      }
      return true;
    };

    ctx.on('presence', 'none', onBroadcast);
    ctx.on('presence', 'bare', onAddressed);
    ctx.on('presence', 'full', onAddressed);
    ctx.on('presence', 'host', () => true); // presence to the server itself is accepted and ignored

    ctx.events.on('session-closed', async (session) => {
      if (session.presence) await unavailable(session);
    });

    roster.onRemoving(async (owner, item) => {
      // RFC 6121 §2.5.2: both directions are cancelled as if the user had sent them.
      const contact = Jid.parse(item.jid);
      if (isSubscribedTo(item) || item.ask) await onSubscription('unsubscribe', owner, contact);
      if (isSubscribedFrom(item) || item.pendingIn) await onSubscription('unsubscribed', owner, contact);
    });
  },
});

function unavailablePresence(): Element {
  return xml('presence', { type: 'unavailable' });
}

function parsePriority(stanza: Element): number {
  const text = stanza.getChildText('priority');
  if (text === null) return 0;
  const value = Number.parseInt(text, 10);
  // RFC 6121 §4.7.2.3: -128..127; anything else is treated as the default.
  return Number.isInteger(value) && value >= -128 && value <= 127 ? value : 0;
}
