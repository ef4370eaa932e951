// RFC 6121 §3–§4: presence subscriptions, probes, broadcast to subscribers, directed presence, and
// unavailable presence when a session ends. Every account is local (no server-to-server yet), so
// the outbound and inbound halves of each subscription exchange run here together.
import { cloneElement, xml, type Element } from '../../../protocol/xml/element.js';
import { detachedElement } from '../../../protocol/xml/detached.js';
import { Jid } from '../../../protocol/jid.js';
import { defineModule } from '../../core/module.js';
import type { ClientSession } from '../../core/session.js';
import type { RoutedStanza } from '../../core/routing-types.js';
import {
  applyInbound,
  applyOutbound,
  isSubscribedFrom,
  isSubscribedTo,
  type SubscriptionType,
} from './subscription.js';

const SUBSCRIPTION_TYPES = new Set(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);

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
    const isLocalAccount = (jid: Jid) =>
      jid.domain === domain && jid.local !== '' && storage.accounts.exists(jid.local);

    const sendCopy = (session: ClientSession, stanza: Element, from: string) => {
      const copy = cloneElement(stanza);
      copy.attrs.from = from;
      copy.attrs.to = session.jid.toString();
      session.send(copy);
    };

    /** RFC 6121 §4.2.2 / §4.4.2: to subscribers' available resources and the user's own. */
    const broadcast = (origin: ClientSession, stanza: Element) => {
      const from = origin.jid.toString();
      for (const item of storage.roster.items(origin.jid.local)) {
        if (!isSubscribedFrom(item)) continue;
        for (const session of sessions.available(item.jid)) sendCopy(session, stanza, from);
      }
      for (const session of sessions.available(origin.jid.bare())) sendCopy(session, stanza, from);
    };

    /** RFC 6121 §4.3: what an initial presence learns — contacts' and own resources' presence. */
    const probeFor = (session: ClientSession) => {
      for (const item of storage.roster.items(session.jid.local)) {
        if (isSubscribedTo(item)) {
          for (const contact of sessions.available(item.jid))
            sendCopy(session, contact.presence!, contact.jid.toString());
        }
        // RFC 6121 §3.1.3: pending requests are re-delivered at every login until answered.
        if (item.pendingIn)
          session.send(xml('presence', { type: 'subscribe', from: item.jid, to: session.jid.toString() }));
      }
      for (const other of sessions.available(session.jid.bare())) {
        if (other !== session) sendCopy(session, other.presence!, other.jid.toString());
      }
    };

    const unavailable = (session: ClientSession, stanza?: Element) => {
      const presence = stanza ?? xml('presence', { type: 'unavailable', from: session.jid.toString() });
      broadcast(session, presence);
      for (const target of session.directedPresence)
        deliverDirected(Jid.parse(target), presence, session.jid.toString());
      session.presence = undefined;
      session.directedPresence.clear();
    };

    const deliverDirected = (to: Jid, stanza: Element, from: string) => {
      if (to.isFull) {
        const session = sessions.get(to);
        if (session) sendCopy(session, stanza, from);
        return;
      }
      for (const session of sessions.available(to)) sendCopy(session, stanza, from);
    };

    const onBroadcast = ({ stanza, type, origin }: RoutedStanza): boolean => {
      if (!origin) return true;
      if (type === 'unavailable') {
        if (origin.presence) unavailable(origin, stanza);
        return true;
      }
      if (type !== 'available') return true; // subscription stanzas need a 'to'; nothing to do
      const isInitial = origin.presence === undefined;
      origin.presence = detachedElement(stanza); // kept for the session's life: not the chunk it came in
      origin.priority = parsePriority(stanza);
      broadcast(origin, stanza);
      if (isInitial) probeFor(origin);
      ctx.events.emit('session-available', origin, isInitial);
      return true;
    };

    const onSubscription = (event: RoutedStanza, to: Jid) => {
      const type = event.type as SubscriptionType;
      const user = event.from.bare();
      const contact = to.bare();
      if (contact.equals(user)) return;
      if (event.from.domain === domain && storage.accounts.exists(user.local)) {
        const next = applyOutbound(type, contact.toString(), roster.get(user.local, contact.toString()));
        if (next) roster.put(user.local, next);
      }
      if (!isLocalAccount(contact)) return;
      const inbound = applyInbound(type, user.toString(), roster.get(contact.local, user.toString()));
      if (inbound.item) roster.put(contact.local, inbound.item);
      if (inbound.autoReply) {
        ctx.router.route(
          xml('presence', { type: inbound.autoReply, from: contact.toString(), to: user.toString() }),
          undefined,
        );
        return;
      }
      if (!inbound.deliver) return;
      const notice = xml('presence', { type, from: user.toString(), to: contact.toString() });
      for (const session of sessions.available(contact)) sendCopy(session, notice, user.toString());
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

    const onAddressed = (event: RoutedStanza): boolean => {
      const to = event.to!;
      if (SUBSCRIPTION_TYPES.has(event.type)) {
        onSubscription(event, to);
        return true;
      }
      if (event.type === 'probe') {
        // §4.3.2: answered only when the prober is subscribed to the contact.
        const prober = event.from;
        if (isLocalAccount(to) && isSubscribedTo(storage.roster.get(prober.local, to.bare().toString()))) {
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

    ctx.events.on('session-closed', (session) => {
      if (session.presence) unavailable(session);
    });

    ctx.events.on('roster-removing', (owner, item) => {
      // RFC 6121 §2.5.2: both directions are cancelled as if the user had sent them.
      const contact = Jid.parse(item.jid);
      if (isSubscribedTo(item) || item.ask) onSubscription(syntheticEvent('unsubscribe', owner), contact);
      if (isSubscribedFrom(item) || item.pendingIn) onSubscription(syntheticEvent('unsubscribed', owner), contact);
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

function syntheticEvent(type: SubscriptionType, from: Jid): RoutedStanza {
  return {
    stanza: xml('presence', { type, from: from.toString() }),
    kind: 'presence',
    type,
    from,
    to: undefined,
    address: 'bare',
    origin: undefined,
    isSelf: false,
  };
}
