// XEP-0234 from the receiver's side, as the application sees it: the same FileOffer as an SI offer
// or a link, with method 'jingle'. The Jingle signalling and the bytes live in JingleManager
// (jingle-manager.ts); this class only holds what was offered and the application's answer.
import { EventEmitter } from '../platform/index.js';
import type { Jid } from '@ferry/protocol/jid';
import type { JingleFile } from '@ferry/protocol/payloads/jingle-ft';
import { sha256Hex } from '@ferry/protocol/payloads/file-metadata';
import { sanitizeFileName } from '../file-name.js';
import type { AcceptOptions, FileOffer } from '../file-offer.js';
import type { TransferResult } from '../outgoing-transfer.js';
import type { Progress } from '../progress.js';
import { TransferError } from '../transfer-error.js';

/** JingleOffer's events and their arguments. */
export interface JingleOfferEvents {
  progress: [Progress];
}

/** What the manager does with the application's answer. */
export interface JingleOfferAnswers {
  /** session-accept, then the bytes; resolves with the verified result. */
  accept(offer: JingleOffer, options: AcceptOptions): Promise<TransferResult>;
  /** session-terminate <decline/>. */
  decline(offer: JingleOffer, reason: string | undefined): void;
}

/**
 * A Jingle file offer (XEP-0234, `method` 'jingle'): accept() answers session-accept and receives
 * over XEP-0260 SOCKS5, or XEP-0261 IBB when SOCKS5 cannot connect.
 */
export class JingleOffer extends EventEmitter<JingleOfferEvents> implements FileOffer {
  readonly method = 'jingle';
  readonly from: Jid;
  /** The Jingle session id. */
  readonly sid: string;
  /** A plain name: the sender's, sanitised (it chooses where bytes land). */
  readonly name: string;
  /** Undefined when the offer did not say (XEP-0234 makes <size/> optional): then not checked. */
  readonly size: number | undefined;
  /** XEP-0096's MD5: never in a Jingle offer. */
  readonly hash = undefined;
  /** SHA-256 (hex) when the offer carried one; otherwise it may come in a checksum after the bytes. */
  readonly sha256: string | undefined;
  readonly mimeType: string | undefined;
  readonly description: string | undefined;
  readonly date: string | undefined;
  /** The offer carries a <range/>: the sender can send from an offset (resume). */
  readonly canResume: boolean;
  readonly done: Promise<TransferResult>;
  readonly #answers: JingleOfferAnswers;
  #isDecided = false;
  #settle!: { resolve(result: TransferResult): void; reject(error: Error): void };

  /** @internal FileTransferManager makes these; applications get them from it. */
  constructor(from: Jid, sid: string, file: JingleFile, answers: JingleOfferAnswers) {
    super();
    this.from = from;
    this.sid = sid;
    this.name = sanitizeFileName(file.name ?? 'file');
    this.size = file.size;
    this.sha256 = sha256Hex(file);
    this.mimeType = file.mediaType;
    this.description = file.desc;
    this.date = file.date;
    this.canResume = file.range !== undefined && file.size !== undefined;
    this.#answers = answers;
    this.done = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.done.catch(() => {});
  }

  /** XEP-0234 §4 resume: `resume` (NAME.part) or `offset` (a Writable) when the offer has a <range/>. */
  accept(options: AcceptOptions): Promise<TransferResult> {
    if (this.#isDecided) throw new Error('this offer was already answered');
    this.#isDecided = true;
    this.#answers.accept(this, options).then(this.#settle.resolve, this.#settle.reject);
    return this.done;
  }

  decline(reason?: string): void {
    if (this.#isDecided) throw new Error('this offer was already answered');
    this.#isDecided = true;
    this.#answers.decline(this, reason);
    this.#settle.reject(new TransferError('FERRY_ERR_DECLINED', reason ?? 'declined'));
  }

  /** The manager ends an offer nobody answered (timeout, the sender cancelled, the manager closed). */
  fail(error: Error): void {
    if (this.#isDecided) return;
    this.#isDecided = true;
    this.#settle.reject(error);
  }

  get isDecided(): boolean {
    return this.#isDecided;
  }
}
