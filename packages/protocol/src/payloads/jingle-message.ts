// XEP-0353: Jingle Message Initiation (v0.8.0, urn:xmpp:jingle-message:0) — the <message/> payloads
// that announce a Jingle session to a bare JID before any resource is chosen: <propose id> with
// one <description/> per content, then <ringing/>, <proceed/> or <reject/> from the responder,
// <retract/> from the initiator, <finish/> from both. <accept/> only syncs the responder's own
// devices (carbons). Since v0.8.0 ringing, proceed and reject go to the initiator's full JID; the
// propose and its retract to the responder's bare JID. The id becomes the Jingle sid (§3.5). The wrapping message is type 'chat' with
// a XEP-0334 <store/> hint (§3): encodeJingleMessageStanza builds it.
import { NS } from '../namespaces.js';
import { namespaceOf, xml, type Element } from '../xml/element.js';
import { decodeReason, encodeReason, type JingleReason } from './jingle.js';
import { malformed, parseSid, requireAttr } from './untrusted.js';

export type JingleMessage =
  | { kind: 'propose'; id: string; descriptions: Element[] }
  | { kind: 'ringing'; id: string }
  | { kind: 'proceed'; id: string }
  | { kind: 'accept'; id: string }
  | { kind: 'reject'; id: string; reason?: JingleReason; isTieBreak?: boolean }
  | { kind: 'retract'; id: string; reason?: JingleReason; isTieBreak?: boolean }
  | { kind: 'finish'; id: string; reason?: JingleReason; migratedTo?: string };

export type JingleMessageKind = JingleMessage['kind'];

const KINDS: readonly string[] = ['propose', 'ringing', 'proceed', 'accept', 'reject', 'retract', 'finish'];

export function encodeJingleMessage(message: JingleMessage): Element {
  const element = xml(message.kind, { xmlns: NS.JINGLE_MESSAGE, id: message.id });
  switch (message.kind) {
    case 'propose':
      // §3.1: "MUST contain one <description/> element for each media type".
      if (message.descriptions.length === 0) throw new RangeError('a propose needs at least one description');
      for (const description of message.descriptions) element.cnode(description);
      break;
    case 'reject':
    case 'retract':
    case 'finish':
      if (message.reason !== undefined) element.cnode(encodeReason(message.reason, true));
      // §5.1: both the <reject/> and the <retract/> of a tie carry <tie-break/>.
      if ((message.kind === 'reject' || message.kind === 'retract') && message.isTieBreak === true) {
        element.cnode(xml('tie-break'));
      }
      if (message.kind === 'finish' && message.migratedTo !== undefined) {
        element.cnode(xml('migrated', { to: message.migratedTo }));
      }
      break;
    default:
      break;
  }
  return element;
}

/** §3: the message that carries a payload: type chat, with a <store/> hint so MAM keeps it. */
export function encodeJingleMessageStanza(to: string, message: JingleMessage, id?: string): Element {
  return xml('message', { type: 'chat', to, id }, encodeJingleMessage(message), xml('store', { xmlns: NS.HINTS }));
}

/** The JMI payload of a <message/>, or undefined when it carries none. Throws bad-request if malformed. */
export function jingleMessageOf(message: Element): JingleMessage | undefined {
  const child = message.getChildElements().find((element) => namespaceOf(element) === NS.JINGLE_MESSAGE);
  return child && KINDS.includes(child.getName()) ? decodeJingleMessage(child) : undefined;
}

export function decodeJingleMessage(element: Element): JingleMessage {
  const kind = element.getName();
  if (namespaceOf(element) !== NS.JINGLE_MESSAGE || !KINDS.includes(kind)) {
    throw malformed(`expected a <propose/>, <proceed/>… in ${NS.JINGLE_MESSAGE}, got <${kind}/>`);
  }
  // The id is the future Jingle sid: the same checks.
  const id = parseSid(requireAttr(element, 'id'), `<${kind}/> 'id'`);
  const reasonElement = element.getChild('reason', NS.JINGLE);
  const reason = reasonElement ? decodeReason(reasonElement) : undefined;
  switch (kind) {
    case 'propose': {
      const descriptions = element
        .getChildren('description')
        .filter((child) => namespaceOf(child) !== NS.JINGLE_MESSAGE);
      if (descriptions.length === 0) throw malformed('XEP-0353 §3.1: the <propose/> has no <description/>');
      return { kind, id, descriptions };
    }
    case 'reject':
    case 'retract': {
      const answer: Extract<JingleMessage, { kind: 'reject' | 'retract' }> = {
        kind,
        id,
        ...(reason ? { reason } : {}),
      };
      if (element.getChild('tie-break', NS.JINGLE_MESSAGE)) answer.isTieBreak = true;
      return answer;
    }
    case 'finish': {
      const finish: JingleMessage = { kind, id, ...(reason ? { reason } : {}) };
      const migrated = element.getChild('migrated', NS.JINGLE_MESSAGE);
      if (migrated) finish.migratedTo = parseSid(requireAttr(migrated, 'to'), "<migrated/> 'to'");
      return finish;
    }
    default:
      // ringing, proceed, accept: the id is all (a <proceed/> may carry other clients' extensions).
      return { kind: kind as 'ringing' | 'proceed' | 'accept', id };
  }
}

/** Whether a JMI payload came from the party allowed to send it (§3): the caller's sanity check. */
export function isSentByInitiator(kind: JingleMessageKind): boolean {
  return kind === 'propose' || kind === 'retract';
}
