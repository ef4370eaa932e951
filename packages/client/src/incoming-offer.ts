// XEP-0096 §2 from the receiver's side: an offer the application accepts (into a file or a
// Writable, optionally resuming) or declines. Accepted files land as NAME.part and are renamed
// only once complete: the byte count equals the offered size and, when the sender gave one, the
// MD5 matches. A short or corrupt transfer is an error, never a success.
import {
  EventEmitter,
  setImmediate,
  constants,
  createReadStream,
  createWriteStream,
  access,
  rename,
  stat,
  dirname,
  pipeline,
} from './platform/index.js';
import type { Writable } from 'node:stream';
import type { Jid } from '@ferry/protocol/jid';
import type { SiOffer } from '@ferry/protocol/payloads/si';
import type { IncomingBytestream } from './transports/bytestream.js';
import { TransferError } from './transfer-error.js';
import { ProgressMeter, md5, type Progress } from './progress.js';
import { StallWatch, stalledError } from './stall-watch.js';
import type { TransferResult } from './outgoing-transfer.js';
import type { AcceptOptions, FileOffer } from './file-offer.js';

export type { AcceptOptions };

/** IncomingOffer's events and their arguments. */
export interface IncomingEvents {
  progress: [Progress];
}

/** One bytestream the sender opens for this file: the first, or its IBB fallback re-offer. */
export interface StreamAttempt {
  sid: string;
  method: string;
  offset: number;
  stream: Promise<IncomingBytestream>;
}

const RETRYABLE = new Set(['FERRY_ERR_NO_STREAMHOST', 'FERRY_ERR_TIMEOUT']);

/**
 * An XEP-0096 SI file offer (`method` 'si'): the sender waits for accept() or decline(). The
 * file's MD5, when offered, is checked when it is complete.
 */
export class IncomingOffer extends EventEmitter<IncomingEvents> implements FileOffer {
  readonly method = 'si';
  readonly from: Jid;
  readonly sid: string;
  readonly name: string;
  readonly size: number;
  readonly hash: string | undefined;
  readonly mimeType: string | undefined;
  readonly description: string | undefined;
  readonly date: string | undefined;
  readonly #offer: SiOffer;
  readonly #decide: (decision: Promise<{ options: AcceptOptions; offset: number }>) => void;
  readonly #stallTimeoutMs: number;
  #isDecided = false;
  #settle!: { resolve(result: TransferResult): void; reject(error: Error): void };
  /** Settles when the accepted transfer ends; rejects on decline too (FERRY_ERR_DECLINED). */
  readonly done: Promise<TransferResult>;

  /** @internal FileTransferManager makes these; applications get them from it. */
  constructor(
    from: Jid,
    offer: SiOffer,
    decide: (decision: Promise<{ options: AcceptOptions; offset: number }>) => void,
    stallTimeoutMs: number,
  ) {
    super();
    this.#stallTimeoutMs = stallTimeoutMs;
    this.from = from;
    this.#offer = offer;
    this.sid = offer.id;
    this.name = offer.file.name;
    this.size = offer.file.size;
    this.hash = offer.file.hash;
    this.mimeType = offer.mimeType;
    this.description = offer.file.description;
    this.date = offer.file.date;
    this.#decide = decide;
    this.done = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.done.catch(() => {});
  }

  /** Whether the sender can resume (it offered <range/>). */
  get canResume(): boolean {
    return this.#offer.file.range !== undefined && this.#offer.file.range !== false;
  }

  accept(options: AcceptOptions): Promise<TransferResult> {
    if (this.#isDecided) throw new Error('this offer was already answered');
    this.#isDecided = true;
    const prepared = this.#prepare(options);
    this.#decide(
      prepared.then(
        (offset) => ({ options, offset }),
        (error: unknown) => {
          throw this.#declineFor(error);
        },
      ),
    );
    // After the decline is on its way (the reply is built and written in this turn's promise
    // jobs): a caller that logs out as soon as accept() rejects must not swallow it.
    prepared.catch((error: unknown) => setImmediate(() => this.#settle.reject(error as Error)));
    return this.done;
  }

  /** What the sender is told when the target is refused here: why, without our paths. */
  #declineFor(error: unknown): TransferError {
    const code = (error as { code?: string }).code;
    const reason =
      code === 'FERRY_ERR_FILE_EXISTS'
        ? `the receiver already has ${this.name}`
        : code === 'FERRY_ERR_TARGET_NOT_WRITABLE'
          ? `the receiver cannot save ${this.name} (its folder is not writable)`
          : `the receiver could not accept ${this.name}`;
    return new TransferError('FERRY_ERR_DECLINED', reason, { cause: error });
  }

  decline(reason?: string): void {
    if (this.#isDecided) throw new Error('this offer was already answered');
    this.#isDecided = true;
    const error = new TransferError('FERRY_ERR_DECLINED', reason ?? 'declined');
    this.#decide(Promise.reject(error));
    this.#settle.reject(error);
  }

  /** @internal Called by the manager when the offer can no longer be answered (timeout, sender gone). */
  fail(error: Error): void {
    this.#isDecided = true;
    this.#settle.reject(error);
  }

  /**
   * Runs the accepted transfer once the bytestream is open. When it cannot open (no streamhost
   * reachable), `nextAttempt` waits for the sender's fallback re-offer of the same file.
   * @internal
   */
  async receive(
    first: StreamAttempt,
    options: AcceptOptions,
    nextAttempt: () => Promise<StreamAttempt | undefined>,
  ): Promise<void> {
    let attempt = first;
    try {
      for (;;) {
        let bytestream: IncomingBytestream;
        try {
          bytestream = await attempt.stream;
        } catch (error) {
          const code = (error as { code?: string }).code;
          const retry = code && RETRYABLE.has(code) ? await nextAttempt() : undefined;
          if (!retry) throw error;
          attempt = retry;
          continue;
        }
        this.#settle.resolve(await this.#write(bytestream, options, attempt.offset, attempt.method, attempt.sid));
        return;
      }
    } catch (error) {
      this.#settle.reject(error as Error);
    }
  }

  /** The offset a (re-)offer of this file starts at, given the accept options. */
  offsetFor(options: AcceptOptions): Promise<number> {
    return this.#prepare(options);
  }

  async #prepare(options: AcceptOptions): Promise<number> {
    if (typeof options.to !== 'string') {
      if (options.offset === undefined || options.offset === 0) return 0;
      if (!this.canResume) throw new TypeError(`${this.from.toString()} cannot resume: its offer has no <range/>`);
      if (!Number.isSafeInteger(options.offset) || options.offset < 0 || options.offset > this.size) {
        throw new RangeError(`offset must be 0..${this.size}`);
      }
      return options.offset;
    }
    await checkTarget(options.to, options.overwrite === true);
    if (!options.resume || !this.canResume) return 0;
    const partial = await stat(`${options.to}.part`).catch(() => undefined);
    return partial && partial.size < this.size ? partial.size : 0;
  }

  async #write(
    stream: IncomingBytestream,
    options: AcceptOptions,
    offset: number,
    method: string,
    sid: string,
  ): Promise<TransferResult> {
    const part = typeof options.to === 'string' ? `${options.to}.part` : undefined;
    // The MD5 covers the whole file: checkable from the start, or with the .part prefix at hand.
    const hash = this.hash && (offset === 0 || part) ? md5() : undefined;
    if (hash && part && offset > 0) {
      // The MD5 covers the whole file: feed it the part we already hold.
      for await (const chunk of createReadStream(part, { end: offset - 1 })) hash.update(chunk as Buffer);
    }
    // A sender that stopped sending, or our own output that stopped taking bytes.
    const timeoutMs = options.stallTimeoutMs ?? this.#stallTimeoutMs;
    const stall = new StallWatch(timeoutMs, () => stalledError(timeoutMs, 'from', this.from.toString()));
    const meter = new ProgressMeter({
      offset,
      total: this.size,
      method,
      hash,
      report: (progress) => this.emit('progress', progress),
      onChunk: () => stall.touch(),
    });
    const output = part
      ? createWriteStream(part, { flags: offset > 0 ? 'r+' : 'w', start: offset })
      : (options.to as Writable);
    const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
    try {
      await pipeline(stream.readable, meter, output, { signal });
    } catch (error) {
      const reason = stall.signal.aborted && !options.signal?.aborted ? (stall.signal.reason as Error) : error;
      // Tells the sender: IBB <close/>, SOCKS5 reset (a no-op when the pipeline already did).
      stream.abort(reason as Error);
      throw reason;
    } finally {
      stall.stop();
    }
    if (meter.bytes !== this.size) {
      throw new TransferError(
        'FERRY_ERR_SIZE_MISMATCH',
        `received ${meter.bytes} of ${this.size} bytes of ${this.name}${part ? `; kept ${part} to resume` : ''}`,
      );
    }
    const digest = meter.digest();
    if (this.hash && hash && digest !== this.hash.toLowerCase()) {
      throw new TransferError(
        'FERRY_ERR_HASH_MISMATCH',
        `${this.name}: MD5 ${digest ?? '?'} does not match the offered ${this.hash}`,
      );
    }
    if (part) await rename(part, options.to as string);
    return {
      sid,
      method,
      bytes: meter.bytes - offset,
      offset,
      hash: digest,
      ...(stream.streamhost ? { streamhost: stream.streamhost.jid } : {}),
    };
  }
}

/**
 * A file may be received at `path`: its folder is writable (FERRY_ERR_TARGET_NOT_WRITABLE) and
 * nothing is there unless `overwrite` (FERRY_ERR_FILE_EXISTS). Shared with link offers.
 */
export async function checkTarget(path: string, overwrite: boolean): Promise<void> {
  await checkWritable(path);
  if (!overwrite && (await exists(path))) {
    throw new TransferError('FERRY_ERR_FILE_EXISTS', `${path} exists (pass overwrite to replace it)`);
  }
}

/** The file can be created (as PATH.part, then renamed): its folder exists and is writable. */
async function checkWritable(path: string): Promise<void> {
  const folder = dirname(path);
  const fail = (why: string) => new TransferError('FERRY_ERR_TARGET_NOT_WRITABLE', why);
  const target = await stat(path).catch(() => undefined);
  if (target?.isDirectory()) throw fail(`${path} is a folder`);
  const stats = await stat(folder).catch(() => undefined);
  if (!stats) throw fail(`the folder ${folder} does not exist`);
  if (!stats.isDirectory()) throw fail(`${folder} is not a folder`);
  await access(folder, constants.W_OK).catch(() => {
    throw fail(`the folder ${folder} is not writable`);
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
