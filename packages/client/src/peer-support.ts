// Which stream methods to offer a peer, decided from its disco#info features before the offer
// (XEP-0096 §4: "the initiator SHOULD first determine whether the receiver supports the
// protocol"), so an unsupported peer fails at once instead of after the offer timeout.
import { NS } from '@ferry/protocol/namespaces';
import type { DiscoInfo } from '@ferry/protocol/payloads/disco';
import { TransferError } from './transfer-error.js';

/** What we know of a peer before offering it a file. */
export type PeerSupport =
  | { kind: 'known'; info: DiscoInfo }
  /**
   * COMPAT: the peer answered disco#info with an error or not at all: offer everything, as
   * before disco. `isMaybeOffline` when the error was service-unavailable from a resource we never
   * saw online: the server says the same for an absent resource, so the offer's answer decides.
   */
  | { kind: 'unknown'; isMaybeOffline: boolean };

const METHOD_NAMES: Record<string, string> = {
  [NS.BYTESTREAMS]: 'SOCKS5 bytestreams',
  [NS.IBB]: 'in-band bytestreams',
};

/**
 * Our transports the peer lists, in our order of preference; throws FERRY_ERR_PEER_UNSUPPORTED
 * when it lacks SI file transfer or every one of them.
 */
export function selectOfferTransports<T extends { namespace: string; method: string }>(
  peer: string,
  features: readonly string[],
  transports: readonly T[],
): T[] {
  if (!features.includes(NS.SI) || !features.includes(NS.SI_FILE)) {
    throw new TransferError(
      'FERRY_ERR_PEER_UNSUPPORTED',
      `${peer} does not support SI file transfer (XEP-0096) (it offers: ${summarize(features)})`,
    );
  }
  const usable = transports.filter((transport) => features.includes(transport.namespace));
  if (usable.length === 0) {
    const peerMethods = Object.keys(METHOD_NAMES).filter((namespace) => features.includes(namespace));
    throw new TransferError(
      'FERRY_ERR_PEER_UNSUPPORTED',
      `${peer} supports none of the stream methods offered here (${transports.map((t) => t.method).join(', ')}); ` +
        `it offers: ${peerMethods.length > 0 ? peerMethods.map((namespace) => METHOD_NAMES[namespace]).join(', ') : 'no stream method Ferry knows'}`,
    );
  }
  return usable;
}

/** A peer's feature list for a message: short enough to read, sorted, at most 12 entries. */
function summarize(features: readonly string[]): string {
  if (features.length === 0) return 'no features';
  const sorted = [...features].sort();
  return sorted.length > 12 ? `${sorted.slice(0, 12).join(', ')}, … (${sorted.length} in all)` : sorted.join(', ');
}

/**
 * COMPAT: clients that advertise XEP-0353 but answer proposals for calls only, by disco identity
 * name: Dino (its JMI module hands proposals to its call code, which wants RTP descriptions) and
 * Conversations ("unable to react to proposed session" for anything but RTP). A file proposed to
 * them would only wait out the proposal timeout: they get a direct offer instead.
 */
const CALLS_ONLY_JMI = new Set(['Dino', 'Conversations']);

/** XEP-0353: whether a file may be proposed to this peer's account (see CALLS_ONLY_JMI). */
export function takesFileProposals(support: PeerSupport): boolean {
  if (support.kind !== 'known' || !support.info.features.includes(NS.JINGLE_MESSAGE)) return false;
  return !support.info.identities.some((identity) => CALLS_ONLY_JMI.has(identity.name ?? ''));
}

/**
 * Whether a Jingle offer to this peer may carry the file's hash, or must say <hash-used/> and send
 * it in a checksum after the bytes (XEP-0234 §8.2).
 * COMPAT: Libervia 0.9 (disco identity name "Libervia") fails to parse a standard XEP-0300 hash in
 * a session-initiate and ends the session with failed-application; it reads a checksum.
 */
export function takesHashInJingleOffer(support: PeerSupport): boolean {
  return !(support.kind === 'known' && support.info.identities.some((identity) => identity.name === 'Libervia'));
}

/**
 * Whether we may connect to the peer's own (non-proxy) XEP-0260 candidates, or only to its proxies.
 * COMPAT: Gajim 1.7 (disco identity name "Gajim") closes our connection to its own listener as
 * soon as that candidate is nominated: sending, jingle_ftstates.py calls remove_other_servers()
 * with its candidate's host, which it compares with the accepted connection's peer address (ours,
 * or "::ffff:127.0.0.1" on its dual-stack listener, never "127.0.0.1"), so the nominated stream
 * ends with 0 bytes. It also starts that listener only once its session-initiate is acknowledged,
 * so whether our connect won that race decided the transfer. Its proxy candidates work.
 */
export function triesPeerDirectCandidates(support: PeerSupport): boolean {
  return !(support.kind === 'known' && support.info.identities.some((identity) => identity.name === 'Gajim'));
}
