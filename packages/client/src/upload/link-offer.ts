// A shared link as an offer, with the surface of an SI offer (FileOffer): accept() downloads it
// (link-download.ts) after the same target checks as XEP-0096 — an existing file is
// FERRY_ERR_FILE_EXISTS unless overwrite, an unwritable folder FERRY_ERR_TARGET_NOT_WRITABLE —
// and decline() sends nothing (a link asks nobody to wait).
import { EventEmitter } from '../platform/index.js';
import type { Jid } from '@ferry/protocol/jid';
import type { FileOffer } from '../file-offer.js';
import { checkTarget, type AcceptOptions } from '../incoming-offer.js';
import type { TransferResult } from '../outgoing-transfer.js';
import type { Progress } from '../progress.js';
import { TransferError } from '../transfer-error.js';
import { downloadLink, partSize } from './link-download.js';
import type { HttpSettings } from './http-settings.js';

/** What a link message told us (decoded and checked by link-offers.ts). */
export interface Link {
  method: 'upload' | 'link';
  url: string;
  name: string;
  size: number | undefined;
  sha256: string | undefined;
  mimeType: string | undefined;
  description: string | undefined;
  /** The XEP-0203 delay stamp (stored offline) or the file's date. */
  date: string | undefined;
  /** The message id, as the transfer's sid. */
  id: string;
}

export interface LinkAcceptOptions extends AcceptOptions {
  /** Fetch a plain-http link (default: the manager's setting, itself false). Tests only. */
  allowHttp?: boolean;
  connectTimeoutMs?: number;
}

/**
 * A file shared as a link (`method` 'upload' with XEP-0447 metadata, 'link' for a bare XEP-0066
 * URL): accept() downloads it over HTTPS, checking the SHA-256 and size when the sender gave them.
 */
export class LinkOffer extends EventEmitter<{ progress: [Progress] }> implements FileOffer {
  readonly method: 'upload' | 'link';
  readonly from: Jid;
  /** The URL the file is downloaded from. */
  readonly url: string;
  readonly name: string;
  readonly hash = undefined;
  readonly sha256: string | undefined;
  readonly mimeType: string | undefined;
  readonly description: string | undefined;
  readonly date: string | undefined;
  readonly done: Promise<TransferResult>;
  #size: number | undefined;
  readonly #link: Link;
  readonly #http: HttpSettings;
  #isDecided = false;
  #settle!: { resolve(result: TransferResult): void; reject(error: Error): void };

  /** @internal FileTransferManager makes these; applications get them from it. */
  constructor(from: Jid, link: Link, http: HttpSettings) {
    super();
    this.from = from;
    this.#link = link;
    this.#http = http;
    this.method = link.method;
    this.url = link.url;
    this.name = link.name;
    this.#size = link.size;
    this.sha256 = link.sha256;
    this.mimeType = link.mimeType;
    this.description = link.description;
    this.date = link.date;
    this.done = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.done.catch(() => {});
  }

  /** As offered; for a bare link, the server's size once the download has started. */
  get size(): number | undefined {
    return this.#size;
  }

  accept(options: LinkAcceptOptions): Promise<TransferResult> {
    if (this.#isDecided) throw new Error('this offer was already answered');
    this.#isDecided = true;
    this.#download(options).then(this.#settle.resolve, this.#settle.reject);
    return this.done;
  }

  decline(reason?: string): void {
    if (this.#isDecided) throw new Error('this offer was already answered');
    this.#isDecided = true;
    this.#settle.reject(new TransferError('FERRY_ERR_DECLINED', reason ?? 'declined'));
  }

  /** Ends an offer nobody answered (the manager closed). */
  fail(error: Error): void {
    if (this.#isDecided) return;
    this.#isDecided = true;
    this.#settle.reject(error);
  }

  async #download(options: LinkAcceptOptions): Promise<TransferResult> {
    let offset = 0;
    if (typeof options.to === 'string') {
      await checkTarget(options.to, options.overwrite === true);
      if (options.resume) {
        const held = await partSize(options.to);
        offset = this.#size !== undefined && held >= this.#size ? 0 : held;
      }
    } else {
      offset = options.offset ?? 0;
    }
    const http: HttpSettings = {
      ...this.#http,
      ...(options.allowHttp !== undefined ? { allowHttp: options.allowHttp } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
    };
    const result = await downloadLink(
      {
        url: this.url,
        to: options.to,
        offset,
        expected: { size: this.#size, sha256: this.sha256 },
        method: this.method,
        name: this.name,
        signal: options.signal,
        report: (progress) => {
          if (this.#size === undefined && progress.total !== undefined) this.#size = progress.total;
          this.emit('progress', progress);
        },
      },
      http,
    );
    this.#size = result.size;
    return {
      sid: this.#link.id,
      method: this.method,
      bytes: result.bytes,
      offset: result.offset,
      hash: undefined,
      ...(result.sha256 !== undefined ? { sha256: result.sha256 } : {}),
      url: this.url,
    };
  }
}
