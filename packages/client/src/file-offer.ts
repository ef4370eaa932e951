// What the application sees of any incoming file, however it comes: an XEP-0096 SI offer
// (IncomingOffer) or a shared link (LinkOffer: XEP-0066 oob, XEP-0447 file-sharing). The CLI's
// `receive` and applications handle the manager's 'offer' event through this interface only.
import type { Jid } from '@ferry/protocol/jid';
import type { Writable } from 'node:stream';
import type { TransferResult } from './outgoing-transfer.js';
import type { Progress } from './progress.js';

/** How an accepted file is written; the same for every kind of offer. */
export interface AcceptOptions {
  /** A file path (written as PATH.part, renamed when verified) or a Writable. */
  to: string | Writable;
  /** Continue PATH.part from its current size (XEP-0096 §3 <range offset/>). */
  resume?: boolean;
  /**
   * Ask for the file from this byte on (XEP-0096 §3 <range offset/>), for a Writable that already
   * holds the start. The MD5 then cannot be checked here (it covers the whole file); size still is.
   */
  offset?: number;
  /**
   * Replace an existing file at `to`; otherwise FERRY_ERR_FILE_EXISTS. Like a folder that cannot
   * be written (FERRY_ERR_TARGET_NOT_WRITABLE), it is found before the answer: the sender is
   * declined with the reason, and accept() rejects.
   */
  overwrite?: boolean;
  signal?: AbortSignal;
  /**
   * No byte received for this long cancels the transfer with FERRY_ERR_STALLED, and the sender is
   * told (default: the manager's stallTimeoutMs, 30 s).
   */
  stallTimeoutMs?: number;
}

/**
 * 'si': a SOCKS5/IBB offer the sender waits on. 'jingle': an XEP-0234 offer (JingleOffer). 'upload': a link with XEP-0447 metadata (name,
 * size, SHA-256), as Ferry sends after an HTTP upload. 'link': a bare oob URL (body + oob, as
 * Conversations, Gajim and Dino send): the size is learnt from the download.
 */
export type OfferMethod = 'si' | 'jingle' | 'upload' | 'link';

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
