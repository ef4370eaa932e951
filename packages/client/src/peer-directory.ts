// What the peers we send to support: XEP-0030 disco#info of their full JID, asked before an
// offer and cached by the XEP-0115 caps ver of their presence (verified by recomputing the hash,
// §5.4), plus which resources we have seen come and go, to tell "offline" from "no disco".
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { decodeDiscoInfo, type DiscoInfo } from '@ferry/protocol/payloads/disco';
import { findCaps, isVerified, type EntityCaps } from '@ferry/protocol/payloads/caps';
import type { XmppConnection } from './connection.js';
import type { PeerSupport } from './peer-support.js';
import { TransferError } from './transfer-error.js';

/** Conditions a server answers for a full JID whose resource is not bound (RFC 6120 §10.5.4, RFC 6121 §8.5.3.2). */
const ABSENT = new Set(['recipient-unavailable', 'item-not-found']);

export class PeerDirectory {
  readonly #connection: XmppConnection;
  readonly #timeoutMs: number;
  /** Verified disco#info answers by caps ver: one question per client version, not per contact. */
  readonly #byVer = new Map<string, DiscoInfo>();
  /** Full JID → caps of its last available presence (undefined: available without caps). */
  readonly #available = new Map<string, EntityCaps | undefined>();
  /** Full JID → the priority of its last available presence (RFC 6121 §4.7.2.3). */
  readonly #priority = new Map<string, number>();
  readonly #gone = new Set<string>();
  readonly #stop: () => void;

  constructor(connection: XmppConnection, timeoutMs: number) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
    this.#stop = connection.onPresence((presence) => {
      const from = presence.attrs.from as string | undefined;
      const type = presence.attrs.type as string | undefined;
      if (!from) return;
      if (type === undefined) {
        this.#available.set(from, findCaps(presence));
        this.#priority.set(from, priorityOf(presence));
        this.#gone.delete(from);
      } else if (type === 'unavailable') {
        this.#available.delete(from);
        this.#priority.delete(from);
        this.#gone.add(from);
      }
    });
  }

  /** Throws FERRY_ERR_PEER_OFFLINE when the resource is known to be absent. */
  async support(peer: Jid, signal: AbortSignal): Promise<PeerSupport> {
    const key = peer.toString();
    if (this.#gone.has(key)) {
      throw new TransferError('FERRY_ERR_PEER_OFFLINE', `${key} is not online (it sent unavailable presence)`);
    }
    const caps = this.#available.get(key);
    const cached = caps && this.#byVer.get(caps.ver);
    if (cached) return { kind: 'known', info: cached };
    // The full JID's current answer is what the offer needs; caps only key the cache, so no node
    // is asked for (a stale caps node would be answered item-not-found).
    const iq = xml('iq', { type: 'get', to: key }, xml('query', { xmlns: NS.DISCO_INFO }));
    let info: DiscoInfo;
    try {
      const result = await this.#connection.request(iq, this.#timeoutMs, signal);
      const query = result.getChild('query', NS.DISCO_INFO);
      info = query ? decodeDiscoInfo(query) : { identities: [], features: [] };
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof StanzaError) {
        if (ABSENT.has(error.condition)) {
          throw new TransferError('FERRY_ERR_PEER_OFFLINE', `${key} is not online (${error.condition})`, {
            cause: error,
          });
        }
        // COMPAT: a client without disco answers feature-not-implemented or service-unavailable;
        // offer everything, as before disco. Its server says service-unavailable for an absent
        // resource too: unless we saw it online, the offer's answer tells which it was.
        return {
          kind: 'unknown',
          isMaybeOffline: error.condition === 'service-unavailable' && !this.#available.has(key),
        };
      }
      // COMPAT: no answer within the timeout (or a malformed one): offer as before disco.
      if (error instanceof TransferError && error.code === 'FERRY_ERR_TIMEOUT') {
        return { kind: 'unknown', isMaybeOffline: false };
      }
      throw error;
    }
    // Unverifiable answers (no caps, another hash, a mismatch) are used but never cached.
    if (caps && isVerified(caps, info)) this.#byVer.set(caps.ver, info);
    return { kind: 'known', info };
  }

  /** The resources of `bare` we have seen available (presence needs a subscription), with their priority. */
  onlineResources(bare: Jid): { jid: Jid; priority: number }[] {
    const resources: { jid: Jid; priority: number }[] = [];
    for (const [full, priority] of this.#priority) {
      const jid = Jid.tryParse(full);
      if (jid?.isFull && jid.bare().equals(bare.bare())) resources.push({ jid, priority });
    }
    return resources;
  }

  close(): void {
    this.#stop();
  }
}

function priorityOf(presence: Element): number {
  const text = presence.getChildText('priority')?.trim();
  const value = text !== undefined && /^[+-]?\d{1,3}$/.test(text) ? Number(text) : 0;
  return Math.max(-128, Math.min(127, value));
}
