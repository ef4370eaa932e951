// XEP-0166: Jingle (v1.1.2) — the <jingle action initiator responder sid/> element with its
// <content creator name senders disposition/> children and <reason/>, plus the Jingle error
// conditions (§8). Descriptions, transports and informational payloads stay elements here: each
// application (XEP-0234) and transport (XEP-0260, XEP-0261) decodes its own, by namespace.
import { StanzaError } from '../errors/stanza-error.js';
import { NS } from '../namespaces.js';
import { namespaceOf, xml, type Element } from '../xml/element.js';
import {
  attr,
  expectElement,
  hasControlCharacters,
  malformed,
  parseJidText,
  parseSid,
  requireAttr,
} from './untrusted.js';

/** XEP-0166 §7.2: every action; anything else is answered bad-request. */
export const JINGLE_ACTIONS = [
  'content-accept',
  'content-add',
  'content-modify',
  'content-reject',
  'content-remove',
  'description-info',
  'security-info',
  'session-accept',
  'session-info',
  'session-initiate',
  'session-terminate',
  'transport-accept',
  'transport-info',
  'transport-reject',
  'transport-replace',
] as const;
export type JingleAction = (typeof JINGLE_ACTIONS)[number];

export type JingleRole = 'initiator' | 'responder';
/** XEP-0166 §7.3: who generates content; absent on the wire means 'both'. */
export type JingleSenders = 'both' | 'initiator' | 'none' | 'responder';

/** XEP-0166 §7.4: the defined reason conditions. */
export const REASON_CONDITIONS = [
  'alternative-session',
  'busy',
  'cancel',
  'connectivity-error',
  'decline',
  'expired',
  'failed-application',
  'failed-transport',
  'general-error',
  'gone',
  'incompatible-parameters',
  'media-error',
  'security-error',
  'success',
  'timeout',
  'unsupported-applications',
  'unsupported-transports',
] as const;
export type ReasonCondition = (typeof REASON_CONDITIONS)[number];

export interface JingleReason {
  condition: ReasonCondition;
  /** <alternative-session><sid/></alternative-session>. */
  alternativeSid?: string;
  text?: string;
  /** A more detailed condition in another namespace, e.g. XEP-0234 <file-too-large/>. */
  application?: Element;
}

export interface JingleContent {
  creator: JingleRole;
  /** Any text the creator chose: unique per creator, matched exactly. */
  name: string;
  /** Absent: the wire had none (meaning 'both'); kept absent so a re-encode says the same. */
  senders?: JingleSenders;
  /** Absent means 'session' (RFC 2183 / XEP-0166 §7.3). */
  disposition?: string;
  /** The application's <description/>, decoded by its codec (jingle-ft.ts). */
  description?: Element;
  /** The transport's <transport/>, decoded by its codec (jingle-s5b.ts, jingle-ibb.ts). */
  transport?: Element;
  security?: Element;
}

export interface Jingle {
  action: JingleAction;
  sid: string;
  /** Only meaningful in session-initiate (§7.1); the 'from' address decides who the peer is. */
  initiator?: string;
  /** Only meaningful in session-accept (§7.1). */
  responder?: string;
  contents: JingleContent[];
  reason?: JingleReason;
  /** Children in other namespaces: session-info payloads (XEP-0234 <checksum/>, <received/>…). */
  payloads: Element[];
}

const MAX_NAME_LENGTH = 1024;

export function encodeJingle(jingle: Jingle): Element {
  return xml(
    'jingle',
    {
      xmlns: NS.JINGLE,
      action: jingle.action,
      initiator: jingle.initiator,
      responder: jingle.responder,
      sid: jingle.sid,
    },
    jingle.contents.map(encodeContent),
    jingle.reason !== undefined && encodeReason(jingle.reason),
    jingle.payloads,
  );
}

export function encodeContent(content: JingleContent): Element {
  return xml(
    'content',
    { creator: content.creator, disposition: content.disposition, name: content.name, senders: content.senders },
    content.description,
    content.transport,
    content.security,
  );
}

/** `withNamespace`: for a <reason/> outside <jingle/> (XEP-0353 messages carry one). */
export function encodeReason(reason: JingleReason, withNamespace = false): Element {
  return xml(
    'reason',
    withNamespace ? { xmlns: NS.JINGLE } : null,
    xml(
      reason.condition,
      null,
      reason.alternativeSid !== undefined && reason.condition === 'alternative-session'
        ? xml('sid', null, reason.alternativeSid)
        : null,
    ),
    reason.text !== undefined && xml('text', null, reason.text),
    reason.application,
  );
}

/** Decodes a peer's <jingle/>; throws bad-request (§7.2: an unknown action included). */
export function decodeJingle(element: Element): Jingle {
  expectElement(element, 'jingle', NS.JINGLE);
  const action = requireAttr(element, 'action');
  if (!isAction(action)) throw malformed(`XEP-0166 §7.2: unknown Jingle action '${action.slice(0, 32)}'`);
  const jingle: Jingle = {
    action,
    sid: parseSid(requireAttr(element, 'sid'), "<jingle/> 'sid'"),
    contents: [],
    payloads: [],
  };
  const initiator = attr(element, 'initiator');
  if (initiator !== undefined) jingle.initiator = parseJidText(initiator, "<jingle/> 'initiator'");
  const responder = attr(element, 'responder');
  if (responder !== undefined) jingle.responder = parseJidText(responder, "<jingle/> 'responder'");
  for (const child of element.getChildElements()) {
    const ns = namespaceOf(child);
    if (ns === NS.JINGLE && child.getName() === 'content') jingle.contents.push(decodeContent(child));
    else if (ns === NS.JINGLE && child.getName() === 'reason') {
      if (jingle.reason !== undefined) throw malformed('<jingle/> has more than one <reason/>');
      jingle.reason = decodeReason(child);
    } else if (ns !== NS.JINGLE) jingle.payloads.push(child);
    // Unknown children in the Jingle namespace: ignored, as XMPP does with unknown elements.
  }
  const seen = new Set<string>();
  for (const content of jingle.contents) {
    const key = contentKey(content);
    if (seen.has(key)) throw malformed(`two <content/>s are both '${content.name}' by the ${content.creator}`);
    seen.add(key);
  }
  return jingle;
}

export function decodeContent(element: Element): JingleContent {
  // COMPAT: §7.3 marks 'creator' REQUIRED yet names "initiator" its default; read a missing one
  // as that default rather than refuse a peer over it. Never sent without it.
  const creator = attr(element, 'creator') ?? 'initiator';
  if (creator !== 'initiator' && creator !== 'responder') {
    throw malformed(`<content/> 'creator' must be initiator or responder, got '${creator.slice(0, 16)}'`);
  }
  const content: JingleContent = { creator, name: parseContentName(requireAttr(element, 'name')) };
  const senders = attr(element, 'senders');
  if (senders !== undefined) {
    if (senders !== 'both' && senders !== 'initiator' && senders !== 'none' && senders !== 'responder') {
      throw malformed(`<content/> 'senders' is not both, initiator, none or responder: '${senders.slice(0, 16)}'`);
    }
    content.senders = senders;
  }
  const disposition = attr(element, 'disposition');
  if (disposition !== undefined) {
    if (disposition === '' || disposition.length > 64 || hasControlCharacters(disposition)) {
      throw malformed("<content/> 'disposition' is not a disposition type");
    }
    content.disposition = disposition;
  }
  for (const child of element.getChildElements()) {
    const slot = child.getName();
    if (slot !== 'description' && slot !== 'transport' && slot !== 'security') continue;
    // §6.2: one description and one transport per content.
    if (content[slot] !== undefined) throw malformed(`<content name='${content.name}'/> has two <${slot}/>s`);
    content[slot] = child;
  }
  return content;
}

export function decodeReason(element: Element): JingleReason {
  let reason: JingleReason | undefined;
  let text: string | undefined;
  let application: Element | undefined;
  for (const child of element.getChildElements()) {
    const ns = namespaceOf(child);
    const name = child.getName();
    if (ns !== NS.JINGLE) application ??= child;
    else if (name === 'text') text = child.getText();
    else if (isCondition(name) && reason === undefined) {
      reason = { condition: name };
      const sid = child.getChild('sid');
      if (name === 'alternative-session' && sid) reason.alternativeSid = parseSid(sid.getText().trim(), '<sid/>');
    }
  }
  // COMPAT: §7.4 says a <reason/> MUST carry a condition. One with none, or one this version of
  // the XEP does not define, still ends the session: read it as <general-error/>, never refuse it
  // (refusing a session-terminate would leave both sides believing different things).
  reason ??= { condition: 'general-error' };
  if (text !== undefined) reason.text = text;
  if (application !== undefined) reason.application = application;
  return reason;
}

/** The identity of a content within a session (§7.3: creator + name are unique together). */
export function contentKey(content: Pick<JingleContent, 'creator' | 'name'>): string {
  return `${content.creator}\u0000${content.name}`;
}

function parseContentName(raw: string): string {
  if (raw.length > MAX_NAME_LENGTH || hasControlCharacters(raw)) {
    throw malformed("<content/> 'name' is not a usable name");
  }
  return raw;
}

function isAction(value: string): value is JingleAction {
  return (JINGLE_ACTIONS as readonly string[]).includes(value);
}

function isCondition(value: string): value is ReasonCondition {
  return (REASON_CONDITIONS as readonly string[]).includes(value);
}

/** XEP-0166 §8: the Jingle error replies, each with its XMPP condition. */
export const jingleErrors = {
  /** The request cannot occur at this point in the state machine. */
  outOfOrder(text?: string): StanzaError {
    return jingleError('unexpected-request', 'out-of-order', text);
  },
  /** Sent while the initiator was awaiting a reply on a similar request (§7.2.16). */
  tieBreak(text?: string): StanzaError {
    return jingleError('conflict', 'tie-break', text);
  },
  /** No such session (or no longer: §6.7, after session-terminate). */
  unknownSession(text?: string): StanzaError {
    return jingleError('item-not-found', 'unknown-session', text);
  },
  /** An informational payload we do not understand (§6.8). */
  unsupportedInfo(text?: string): StanzaError {
    return jingleError('feature-not-implemented', 'unsupported-info', text);
  },
};

export type JingleErrorCondition = 'out-of-order' | 'tie-break' | 'unknown-session' | 'unsupported-info';

/** The Jingle condition of an error a peer sent us, if it carries one. */
export function jingleErrorCondition(error: StanzaError): JingleErrorCondition | undefined {
  const application = error.application;
  if (!application || namespaceOf(application) !== NS.JINGLE_ERRORS) return undefined;
  const name = application.getName();
  return name === 'out-of-order' || name === 'tie-break' || name === 'unknown-session' || name === 'unsupported-info'
    ? name
    : undefined;
}

function jingleError(
  condition: 'unexpected-request' | 'conflict' | 'item-not-found' | 'feature-not-implemented',
  jingleCondition: JingleErrorCondition,
  text: string | undefined,
): StanzaError {
  // §8 examples: tie-break and unknown-session are type cancel, unsupported-info modify; RFC 6120
  // gives unexpected-request 'wait', which would make a peer retry an out-of-order action: cancel.
  const type = condition === 'feature-not-implemented' ? 'modify' : 'cancel';
  return new StanzaError(condition, {
    type,
    ...(text !== undefined ? { text } : {}),
    application: xml(jingleCondition, { xmlns: NS.JINGLE_ERRORS }),
  });
}

/** Expected in an iq of type set; the payload a handler decodes. */
export function jingleOf(iq: Element): Element {
  const jingle = iq.getChild('jingle', NS.JINGLE);
  if (!jingle) throw malformed('the iq carries no <jingle xmlns=urn:xmpp:jingle:1/>');
  return jingle;
}
