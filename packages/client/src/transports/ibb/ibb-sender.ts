// XEP-0047 §2.2–§2.3, initiator side: the Writable the file is written into. Input is cut into
// blocks of exactly block-size bytes, each sent as <data seq/> (seq from 0, wrapping 65535 → 0)
// in an iq the target acknowledges (by default the next block only after the previous ack), or
// up to `window` unacknowledged at once. The write callback runs only when the window has room,
// so a fast file read is paced by the receiver's acks and never buffers the whole file.
// end() waits for every ack, then sends <close/> and waits for its result (in iq mode, only
// closeTimeoutMs: see the COMPAT note in #finish).
import { Writable, setImmediate } from '../../platform/index.js';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Jid } from '@ferry/protocol/jid';
import { encodeIbbData, nextSeq } from '@ferry/protocol/payloads/ibb';
import { xml } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../../connection.js';
import { TransferError } from '../../transfer-error.js';
import { AckWindow } from './ack-window.js';
import { BlockChunker } from './block-chunker.js';
import { closeIq, sendCloseBestEffort } from './session.js';

export interface IbbSenderOptions {
  connection: XmppConnection;
  sid: string;
  target: Jid;
  /** The block-size the target accepted. */
  blockSize: number;
  /** Unacknowledged blocks in flight (message mode: blocks not yet written to the socket). */
  window: number;
  stanza: 'iq' | 'message';
  /** Bound on each ack, and on the result of the final <close/>. */
  ackTimeoutMs: number;
  /**
   * iq mode: how long the result of the final <close/> is awaited once every block was
   * acknowledged; no answer by then is success (libpurple never answers). Default 3 000.
   */
  closeTimeoutMs?: number;
  /** Removes the handlers the transport registered for this session; called once, at the end. */
  release(): void;
}

/** Emitted as 'close-unanswered' when the transfer completed without the <close/>'s result. */
export interface IbbCloseUnanswered {
  sid: string;
  target: string;
  waitedMs: number;
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 3_000;

export class IbbSender extends Writable {
  readonly sid: string;
  readonly blockSize: number;
  readonly stanza: 'iq' | 'message';
  #connection: XmppConnection;
  #target: Jid;
  #ackTimeoutMs: number;
  #closeTimeoutMs: number;
  #chunker: BlockChunker;
  #window: AckWindow;
  #seq = 0;
  #messageCount = 0;
  /** Every block was acknowledged and end() is closing: a <close/> from the target is then no error. */
  #isClosing = false;
  /** Whether the session is over for the peer: it closed, or we sent our <close/>. */
  #isPeerClosed = false;
  #isCloseSent = false;
  #release: (() => void) | undefined;

  constructor(options: IbbSenderOptions) {
    super({ decodeStrings: true });
    this.sid = options.sid;
    this.blockSize = options.blockSize;
    this.stanza = options.stanza;
    this.#connection = options.connection;
    this.#target = options.target;
    this.#ackTimeoutMs = options.ackTimeoutMs;
    this.#closeTimeoutMs = Math.min(options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, options.ackTimeoutMs);
    this.#chunker = new BlockChunker(options.blockSize);
    this.#window = new AckWindow(options.window);
    this.#release = options.release;
  }

  /** Blocks sent and not yet acknowledged (for tests and progress displays). */
  get blocksInFlight(): number {
    return this.#window.inFlight;
  }

  /**
   * The target sent <close/>: the receiver aborts. The transport's handler answers it
   * with an empty result; mid-transfer it breaks the stream with FERRY_ERR_CANCELLED.
   */
  closedByPeer(): void {
    this.#isPeerClosed = true;
    // A receiver that refuses a block answers it with an error, then closes (ibb-receiver.ts).
    // When both arrive in one read, the close is dispatched before the error reply's promise
    // settles: wait a macrotask, so the error that says why wins.
    setImmediate(() => {
      if (this.#isClosing || this.destroyed) return; // every byte was acknowledged already
      this.destroy(new TransferError('FERRY_ERR_CANCELLED', 'the receiver closed the stream'));
    });
  }

  /** The target bounced a message-mode <data/> with an error. */
  refusedByPeer(error: StanzaError): void {
    if (this.destroyed) return;
    this.destroy(
      new TransferError('FERRY_ERR_IBB', `${this.#target.toString()} refused IBB data: ${error.message}`, {
        cause: error,
      }),
    );
  }

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#sendBlocks(this.#chunker.push(chunk)).then(
      () => callback(),
      (error: Error) => callback(this.destroyed ? null : error),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finish().then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#window.fail(error ?? new TransferError('FERRY_ERR_CANCELLED', 'the IBB stream was destroyed'));
    if (!this.#isPeerClosed && !this.#isCloseSent) {
      // abort(): tell the target with <close/>, as an initiator that stops sending does.
      this.#isCloseSent = true;
      sendCloseBestEffort(this.#connection, this.#target, this.sid, this.#ackTimeoutMs);
    }
    this.#releaseHandlers();
    callback(error);
  }

  async #sendBlocks(blocks: Uint8Array[]): Promise<void> {
    for (const block of blocks) {
      await this.#window.room();
      this.#sendBlock(block);
    }
    // Back-pressure: the next write may start only when another block could go out.
    await this.#window.room();
  }

  async #finish(): Promise<void> {
    const last = this.#chunker.flush();
    if (last) {
      await this.#window.room();
      this.#sendBlock(last);
    }
    await this.#window.drained();
    this.#isClosing = true;
    if (this.#isPeerClosed) return this.#releaseHandlers();
    this.#isCloseSent = true;
    // Message mode has no acks: there the close's result is the only proof of delivery.
    const isAcked = this.stanza === 'iq';
    const closeTimeoutMs = isAcked ? this.#closeTimeoutMs : this.#ackTimeoutMs;
    try {
      await this.#connection.request(closeIq(this.#target, this.sid), closeTimeoutMs);
    } catch (error) {
      // Both ends closing at once (XEP-0047 §2.3) is fine: the target has every byte.
      if (this.#isPeerClosed) return;
      // COMPAT: libpurple (Pidgin) never answers the IBB <close/>. Every <data/> iq was
      // acknowledged (drained() above) and a target acks a block only once it has taken it,
      // in order: it holds every byte, so silence here is a complete transfer, not a failure.
      // A close answered with an error is still a failure (below).
      if (isAcked && isTimeout(error)) {
        const unanswered: IbbCloseUnanswered = {
          sid: this.sid,
          target: this.#target.toString(),
          waitedMs: closeTimeoutMs,
        };
        this.emit('close-unanswered', unanswered);
        return;
      }
      throw this.#describe(error, 'the IBB close');
    } finally {
      this.#releaseHandlers();
    }
  }

  #sendBlock(block: Uint8Array): void {
    const seq = this.#seq;
    this.#seq = nextSeq(seq);
    this.#window.acquire();
    const data = encodeIbbData({ sid: this.sid, seq, data: block });
    const to = this.#target.toString();
    const sent =
      this.stanza === 'iq'
        ? this.#connection.request(xml('iq', { type: 'set', to }, data), this.#ackTimeoutMs)
        : this.#connection.send(xml('message', { to, id: `${this.sid}-${this.#messageCount++}` }, data));
    sent.then(
      () => {
        if (!this.destroyed) this.#window.release();
      },
      (error: unknown) => {
        if (!this.destroyed) this.destroy(this.#describe(error, `IBB data seq ${seq}`));
      },
    );
  }

  #describe(error: unknown, what: string): Error {
    const target = this.#target.toString();
    if (error instanceof StanzaError) {
      return new TransferError('FERRY_ERR_IBB', `${target} refused ${what}: ${error.message}`, { cause: error });
    }
    if (error instanceof TransferError && error.code === 'FERRY_ERR_TIMEOUT') {
      return new TransferError(
        'FERRY_ERR_TIMEOUT',
        `${target} did not acknowledge ${what} within ${this.#ackTimeoutMs} ms`,
        { cause: error },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new TransferError('FERRY_ERR_IBB', `sending ${what} to ${target} failed: ${message}`, { cause: error });
  }

  #releaseHandlers(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof TransferError && error.code === 'FERRY_ERR_TIMEOUT';
}
