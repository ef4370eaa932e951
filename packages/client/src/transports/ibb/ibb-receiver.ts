// XEP-0047 §2.2–§2.3, target side: the Readable the file is read from. Each <data/> is checked
// (seq in order, strict base64, no larger than the block-size) and pushed; in iq mode its ack
// goes out only once the chunk is pushed, and is held while the consumer is not reading (push()
// returned false) — the sender waits for acks, so a slow disk slows the sender down. Message-mode
// data has no acks (XEP-0047 §3) and is pushed as it comes.
//
// How the stream ends:
// - <close/> from the initiator: answered, and the readable ends. That is also what an initiator
//   that aborts sends, so at this level an early close is a normal end; the
//   file layer compares the bytes received with the offered size.
// - a broken rule (bad seq, bad base64, oversized block, wrong carrier): the data iq gets an
//   error reply, we send <close/>, the readable errors with FERRY_ERR_IBB.
// - no data for idleTimeoutMs while we hold no ack: <close/>, error FERRY_ERR_TIMEOUT.
// - abort()/destroy() by our side: <close/> (best effort), the readable errors with the reason.
import { Readable, setImmediate } from '../../platform/index.js';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Jid } from '@ferry/protocol/jid';
import { decodeIbbData, nextSeq } from '@ferry/protocol/payloads/ibb';
import type { Element } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../../connection.js';
import { TransferError } from '../../transfer-error.js';
import { sendCloseBestEffort } from './session.js';

export interface IbbReceiverOptions {
  connection: XmppConnection;
  sid: string;
  initiator: Jid;
  /** The block-size of the accepted <open/>. */
  blockSize: number;
  stanza: 'iq' | 'message';
  idleTimeoutMs: number;
  /** Bound on our own <close/>. */
  closeTimeoutMs: number;
  /** Removes the handlers the transport registered for this session; called once, at the end. */
  release(): void;
}

export class IbbReceiver extends Readable {
  readonly sid: string;
  readonly blockSize: number;
  readonly stanza: 'iq' | 'message';
  #connection: XmppConnection;
  #initiator: Jid;
  #idleTimeoutMs: number;
  #closeTimeoutMs: number;
  #expectedSeq = 0;
  /** Acks of pushed chunks, held until the consumer asks for more (_read). */
  #heldAcks: Array<() => void> = [];
  #idleTimer: NodeJS.Timeout | undefined;
  #isPeerClosed = false;
  /** A protocol violation: our <close/> must follow the error reply, not overtake it. */
  #isCloseAfterReply = false;
  #release: (() => void) | undefined;

  constructor(options: IbbReceiverOptions) {
    // Room for a few blocks, so a consumer that keeps up never holds an ack.
    super({ highWaterMark: Math.max(16 * 1024, 2 * options.blockSize) });
    this.sid = options.sid;
    this.blockSize = options.blockSize;
    this.stanza = options.stanza;
    this.#connection = options.connection;
    this.#initiator = options.initiator;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#closeTimeoutMs = options.closeTimeoutMs;
    this.#release = options.release;
    this.#armIdleTimer();
  }

  /**
   * A <data/> of this session. Returns the iq reply (null = empty result, a promise while the
   * ack is held); throws the StanzaError the data iq is answered with after breaking the stream.
   */
  receive(payload: Element, carrier: 'iq' | 'message'): null | Promise<null> {
    if (carrier !== this.stanza) {
      throw this.#violation(
        new StanzaError('bad-request', {
          type: 'cancel',
          text: `this session carries data in <${this.stanza}/> stanzas, not <${carrier}/>`,
        }),
      );
    }
    let data;
    try {
      data = decodeIbbData(payload, { blockSize: this.blockSize });
    } catch (error) {
      if (error instanceof StanzaError) throw this.#violation(error);
      throw error;
    }
    if (data.seq !== this.#expectedSeq) {
      // XEP-0047 §2.2: a seq out of order is answered <unexpected-request/> and the stream closed.
      throw this.#violation(
        new StanzaError('unexpected-request', {
          type: 'cancel',
          text: `expected seq ${this.#expectedSeq}, got ${data.seq}`,
        }),
      );
    }
    this.#expectedSeq = nextSeq(data.seq);
    const hasRoom = data.data.length === 0 || this.push(data.data);
    if (hasRoom || carrier === 'message') {
      this.#armIdleTimer();
      return null;
    }
    // The sender waits for this ack: while we hold it, its silence is our doing, not a timeout.
    this.#clearIdleTimer();
    return new Promise((resolve) => this.#heldAcks.push(() => resolve(null)));
  }

  /** <close/> from the initiator (XEP-0047 §2.3): the transport answers it; the readable ends. */
  closedByPeer(): void {
    this.#isPeerClosed = true;
    this.#clearIdleTimer();
    this.#releaseHeldAcks();
    this.#releaseHandlers();
    this.push(null);
  }

  override _read(): void {
    if (this.#heldAcks.length === 0) return;
    this.#releaseHeldAcks();
    this.#armIdleTimer();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#clearIdleTimer();
    this.#releaseHandlers();
    if (!this.#isPeerClosed) {
      this.#isPeerClosed = true;
      const close = () => sendCloseBestEffort(this.#connection, this.#initiator, this.sid, this.#closeTimeoutMs);
      // The error reply is built and sent on microtasks; the next macrotask comes after it.
      if (this.#isCloseAfterReply) setImmediate(close);
      else close();
    }
    // Answered after our <close/>, so the sender learns of the close first.
    this.#releaseHeldAcks();
    callback(error);
  }

  #violation(error: StanzaError): StanzaError {
    this.#isCloseAfterReply = true;
    this.destroy(
      new TransferError(
        'FERRY_ERR_IBB',
        `IBB stream ${this.sid} from ${this.#initiator.toString()} broken: ${error.text ?? error.condition}`,
        { cause: error },
      ),
    );
    return error;
  }

  #armIdleTimer(): void {
    this.#clearIdleTimer();
    if (this.#isPeerClosed || this.destroyed) return;
    this.#idleTimer = setTimeout(() => {
      this.destroy(
        new TransferError(
          'FERRY_ERR_TIMEOUT',
          `no IBB data from ${this.#initiator.toString()} for ${this.#idleTimeoutMs} ms`,
        ),
      );
    }, this.#idleTimeoutMs);
  }

  #clearIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #releaseHeldAcks(): void {
    const acks = this.#heldAcks;
    this.#heldAcks = [];
    for (const ack of acks) ack();
  }

  #releaseHandlers(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}
