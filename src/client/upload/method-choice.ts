// How a file goes to a JID (pure: the manager gathers the facts). A full JID gets SI (XEP-0096) as
// before. A bare JID gets SI on its best online resource that can take files — SI file transfer
// and one of our stream methods in its disco#info — else an HTTP upload (XEP-0363) and a link
// message, which the server stores offline when no resource is online. "Online" is the available
// presence we have seen from the contact (a roster subscription); without one, a bare JID gets
// the upload. `method: 'upload'` forces the upload; `method: 'si'` refuses to upload.
import type { Jid } from '../../protocol/jid.js';
import { NS } from '../../protocol/namespaces.js';
import { TransferError } from '../transfer-error.js';

/** 'jingle' is decided before any route (outgoing-transfer.ts): a full JID, explicitly asked for. */
export type SendMethod = 'auto' | 'si' | 'upload' | 'jingle';

export interface OnlineResource {
  jid: Jid;
  /** RFC 6121 §4.7.2.3 presence priority (0 when absent). */
  priority: number;
  /** Its disco#info features; undefined when it did not answer (then it is not counted on). */
  features: readonly string[] | undefined;
}

export type SendRoute = { kind: 'si'; to: Jid; reason: string } | { kind: 'upload'; reason: string };

export function chooseSendRoute(
  to: Jid,
  method: SendMethod,
  resources: readonly OnlineResource[],
  /** The namespaces of our stream methods. */
  transports: readonly string[],
): SendRoute {
  if (method === 'upload') return { kind: 'upload', reason: 'an upload was asked for' };
  if (to.isFull) return { kind: 'si', to, reason: 'a full JID' };
  const capable = resources
    .filter(({ features }) => features !== undefined && canTakeFiles(features, transports))
    .sort((a, b) => b.priority - a.priority);
  const best = capable[0];
  if (best) return { kind: 'si', to: best.jid, reason: `${best.jid.toString()} is online and takes files` };
  const reason =
    resources.length === 0
      ? `${to.toString()} has no resource online that we can see`
      : `none of ${to.toString()}'s online resources takes files over SI`;
  if (method === 'si')
    throw new TransferError(resources.length === 0 ? 'FERRY_ERR_PEER_OFFLINE' : 'FERRY_ERR_PEER_UNSUPPORTED', reason);
  return { kind: 'upload', reason };
}

function canTakeFiles(features: readonly string[], transports: readonly string[]): boolean {
  return (
    features.includes(NS.SI) &&
    features.includes(NS.SI_FILE) &&
    transports.some((namespace) => features.includes(namespace))
  );
}
