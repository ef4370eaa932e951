// XEP-0363 §3: finding the upload service — disco#items of our server's domain, disco#info of
// each item (in parallel, one deadline), the first in items order with the feature
// urn:xmpp:http:upload:0, and its max-file-size (XEP-0128 form). Asked once per connection.
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import { decodeDiscoInfo, decodeDiscoItems, type DiscoInfo } from '@ferry/protocol/payloads/disco';
import { readMaxFileSize } from '@ferry/protocol/payloads/http-upload';
import { xml } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../connection.js';
import { TransferError } from '../transfer-error.js';

/** An XEP-0363 upload service found in the server's disco#items. */
export interface UploadService {
  jid: string;
  /** Bytes; undefined when the service does not say. */
  maxFileSize: number | undefined;
}

export async function discoverUploadService(
  connection: XmppConnection,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<UploadService> {
  const domain = connection.jid.domain;
  const deadline = Date.now() + timeoutMs;
  const problems: string[] = [];
  const info = async (jid: string): Promise<DiscoInfo | undefined> => {
    try {
      const iq = xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: NS.DISCO_INFO }));
      const result = await connection.request(iq, Math.max(1, deadline - Date.now()), signal);
      const query = result.getChild('query', NS.DISCO_INFO);
      return query ? decodeDiscoInfo(query) : undefined;
    } catch (error) {
      if (signal?.aborted) throw error;
      problems.push(`${jid}: ${error instanceof StanzaError ? error.condition : (error as Error).message}`);
      return undefined;
    }
  };
  let items: string[] = [];
  try {
    const iq = xml('iq', { type: 'get', to: domain }, xml('query', { xmlns: NS.DISCO_ITEMS }));
    const result = await connection.request(iq, timeoutMs, signal);
    const query = result.getChild('query', NS.DISCO_ITEMS);
    items = query
      ? decodeDiscoItems(query)
          .items.filter((item) => item.node === undefined)
          .map((item) => item.jid)
      : [];
  } catch (error) {
    if (signal?.aborted) throw error;
    problems.push(
      `${domain} disco#items: ${error instanceof StanzaError ? error.condition : (error as Error).message}`,
    );
  }
  // The domain itself last: a server may serve uploads on its own address.
  const candidates = [...new Set([...items, domain])];
  const infos = await Promise.all(candidates.map(info));
  for (const [index, candidate] of candidates.entries()) {
    const found = infos[index];
    if (!found?.features.includes(NS.HTTP_UPLOAD)) continue;
    let maxFileSize: number | undefined;
    try {
      maxFileSize = readMaxFileSize(found);
    } catch {
      // COMPAT: an unreadable max-file-size is as good as none; the slot request still says no.
      maxFileSize = undefined;
    }
    return { jid: candidate, maxFileSize };
  }
  throw new TransferError(
    'FERRY_ERR_NO_UPLOAD_SERVICE',
    `${domain} offers no HTTP upload service (XEP-0363): none of ${candidates.join(', ')} has ${NS.HTTP_UPLOAD}` +
      (problems.length > 0 ? ` (${problems.slice(0, 3).join('; ')})` : ''),
  );
}
