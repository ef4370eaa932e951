// What the application sees of any incoming file, however it comes: an XEP-0096 SI offer
// (IncomingOffer) or a shared link (LinkOffer: XEP-0066 oob, XEP-0447 file-sharing). The CLI's
// `receive` and applications handle the manager's 'offer' event through this interface only.
import type { Jid } from '../protocol/jid.js';
import type { AcceptOptions } from './incoming-offer.js';
import type { TransferResult } from './outgoing-transfer.js';
import type { Progress } from './progress.js';

/**
 * 'si': a SOCKS5/IBB offer the sender waits on. 'upload': a link with XEP-0447 metadata (name,
 * size, SHA-256), as Ferry sends after an HTTP upload. 'link': a bare oob URL (body + oob, as
 * Conversations, Gajim and Dino send): the size is learnt from the download.
 */
export type OfferMethod = 'si' | 'upload' | 'link';

export interface FileOffer {
  readonly method: OfferMethod;
  readonly from: Jid;
  /** A plain file name (sanitised for links; SI names are refused when not plain). */
  readonly name: string;
  /** Bytes; undefined for a link that did not say (known once the download starts). */
  readonly size: number | undefined;
  /** XEP-0096 MD5 (hex), SI only. */
  readonly hash: string | undefined;
  /** SHA-256 (hex), links with XEP-0447 metadata only. */
  readonly sha256?: string | undefined;
  readonly mimeType: string | undefined;
  readonly description: string | undefined;
  readonly date: string | undefined;
  /** Settles when the accepted file is complete and verified; rejects on decline (FERRY_ERR_DECLINED). */
  readonly done: Promise<TransferResult>;
  accept(options: AcceptOptions): Promise<TransferResult>;
  /** SI: the sender is told (403). Links: nothing is sent. */
  decline(reason?: string): void;
  on(event: 'progress', listener: (progress: Progress) => void): this;
  once(event: 'progress', listener: (progress: Progress) => void): this;
  off(event: 'progress', listener: (progress: Progress) => void): this;
}
