// How a file goes to a JID (pure: the manager gathers the facts). A resource that advertises
// Jingle file transfer (XEP-0234 :5) and a Jingle transport we share (XEP-0260 SOCKS5, XEP-0261
// IBB) gets Jingle — what Gajim, Dino, Conversations and Libervia speak; one with SI file transfer
// (XEP-0096) and one of our stream methods gets SI; otherwise an HTTP upload (XEP-0363) and a link
// message, which the server stores offline when no resource is online. A full JID whose disco#info
// is unknown gets SI, as before. A bare JID is sent to its best online resource that can take files
// ("online" is the available presence we have seen from the contact; without one, a bare JID gets
// the upload). `method` forces one: 'si', 'jingle' (never an upload) or 'upload'. When that
// resource goes by Jingle and a Jingle resource of the contact advertises XEP-0353, the offer is
// proposed to the bare JID instead, and the device that answers first takes it.
import type { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { TransferError } from '../transfer-error.js';

/** How FileTransferManager.send() sends: 'auto' chooses; the others force one. */
export type SendMethod = 'auto' | 'si' | 'upload' | 'jingle';

/** A peer's online resource, as presence and disco#info told. */
export interface OnlineResource {
  jid: Jid;
  /** RFC 6121 §4.7.2.3 presence priority (0 when absent). */
  priority: number;
  /** Its disco#info features; undefined when it did not answer (then it is not counted on). */
  features: readonly string[] | undefined;
  /** XEP-0353: a file may be proposed to its account (it advertises JMI and answers file proposals). */
  takesFileProposals?: boolean;
}

/** Where and how a file to a bare or full JID goes, as chooseSendRoute() decides. */
export type SendRoute =
  | { kind: 'si'; to: Jid; reason: string }
  /** `propose`: XEP-0353 to `to`, the bare JID; the device that proceeds gets the session. */
  | { kind: 'jingle'; to: Jid; reason: string; propose?: boolean }
  | { kind: 'upload'; reason: string };

/** Our own ways to send a file peer to peer: SI stream methods and Jingle transports (namespaces). */
export interface OurMethods {
  si: readonly string[];
  /** Empty: no Jingle here. */
  jingle: readonly string[];
}

/** Which peer-to-peer protocol a resource with these features takes from us, Jingle first. */
export function fileProtocol(
  features: readonly string[],
  ours: OurMethods,
  method: SendMethod = 'auto',
): 'jingle' | 'si' | undefined {
  if (method !== 'si' && canTakeJingle(features, ours.jingle)) return 'jingle';
  if (method !== 'jingle' && canTakeSi(features, ours.si)) return 'si';
  return undefined;
}

/** Picks the resource and method for a send: Jingle or SI to a resource that takes files, else upload. */
export function chooseSendRoute(
  to: Jid,
  method: SendMethod,
  resources: readonly OnlineResource[],
  /** The namespaces of our SI stream methods and Jingle transports (an array: SI only). */
  ours: OurMethods | readonly string[],
): SendRoute {
  const methods: OurMethods = isMethods(ours) ? ours : { si: ours, jingle: [] };
  if (method === 'upload') return { kind: 'upload', reason: 'an upload was asked for' };
  if (to.isFull) {
    return method === 'jingle'
      ? { kind: 'jingle', to, reason: 'a full JID' }
      : { kind: 'si', to, reason: 'a full JID' };
  }
  const capable = resources
    .map((resource) => ({
      resource,
      protocol: resource.features === undefined ? undefined : fileProtocol(resource.features, methods, method),
    }))
    .filter((entry) => entry.protocol !== undefined)
    .sort((a, b) => b.resource.priority - a.resource.priority);
  const best = capable[0];
  if (best) {
    const jid = best.resource.jid;
    const proposes =
      best.protocol === 'jingle' &&
      capable.some((entry) => entry.protocol === 'jingle' && entry.resource.takesFileProposals === true);
    if (proposes) {
      const reason = `${jid.toString()} takes files over Jingle and ${to.toString()} advertises Jingle Message Initiation`;
      return { kind: 'jingle', to: to.bare(), reason, propose: true };
    }
    return best.protocol === 'jingle'
      ? { kind: 'jingle', to: jid, reason: `${jid.toString()} is online and takes files over Jingle` }
      : { kind: 'si', to: jid, reason: `${jid.toString()} is online and takes files` };
  }
  const over = method === 'jingle' ? 'Jingle' : method === 'si' || methods.jingle.length === 0 ? 'SI' : 'SI or Jingle';
  const reason =
    resources.length === 0
      ? `${to.toString()} has no resource online that we can see`
      : `none of ${to.toString()}'s online resources takes files over ${over}`;
  if (method === 'si' || method === 'jingle')
    throw new TransferError(resources.length === 0 ? 'FERRY_ERR_PEER_OFFLINE' : 'FERRY_ERR_PEER_UNSUPPORTED', reason);
  return { kind: 'upload', reason };
}

function isMethods(ours: OurMethods | readonly string[]): ours is OurMethods {
  return !Array.isArray(ours);
}

function canTakeSi(features: readonly string[], transports: readonly string[]): boolean {
  return (
    features.includes(NS.SI) &&
    features.includes(NS.SI_FILE) &&
    transports.some((namespace) => features.includes(namespace))
  );
}

function canTakeJingle(features: readonly string[], transports: readonly string[]): boolean {
  // COMPAT: :3/:4-only peers (old Gajim, Pidgin forks) are not chosen automatically; we only write :5.
  return (
    features.includes(NS.JINGLE) &&
    features.includes(NS.JINGLE_FT) &&
    transports.some((namespace) => features.includes(namespace))
  );
}
