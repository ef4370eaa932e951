// XEP-0260 as the responder: who the initiator is, for the SOCKS5 quirks keyed on its disco#info
// (peer-support.ts). A sender asks before its offer (peer-directory.ts); the responder asks while
// it prepares its own candidates (listener, proxies), so the answer costs no round trip of its own.
import { NS } from '@ferry/protocol/namespaces';
import { decodeDiscoInfo } from '@ferry/protocol/payloads/disco';
import { xml } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../connection.js';
import type { PeerSupport } from '../peer-support.js';

/** The peer's disco#info; an error, silence within `timeoutMs` or a malformed answer is 'unknown'. */
export async function askPeerSupport(
  connection: XmppConnection,
  peer: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PeerSupport> {
  const iq = xml('iq', { type: 'get', to: peer }, xml('query', { xmlns: NS.DISCO_INFO }));
  try {
    const query = (await connection.request(iq, timeoutMs, signal)).getChild('query', NS.DISCO_INFO);
    return { kind: 'known', info: query ? decodeDiscoInfo(query) : { identities: [], features: [] } };
  } catch {
    // Nothing is known: every candidate is tried, as XEP-0260 says.
    return { kind: 'unknown', isMaybeOffline: false };
  }
}
