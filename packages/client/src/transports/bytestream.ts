// Smack's best idea: one bytestream contract that SOCKS5 and IBB both implement, so the file
// transfer never cares which transport carries the bytes.
import type { Readable, Writable } from 'node:stream';
import type { Jid } from '@ferry/protocol/jid';
import type { XmppConnection } from '../connection.js';

/** The XEP-0096 stream methods Ferry implements. */
export type BytestreamMethod = 'socks5' | 'ibb';

/** What both sides of one negotiated stream know. */
export interface BytestreamContext {
  connection: XmppConnection;
  sid: string;
  /** The initiator's and the target's full JIDs. */
  initiator: Jid;
  target: Jid;
  signal: AbortSignal;
  /**
   * IBB initiator: the block-size agreed by the signalling (XEP-0261 §2: the responder's answer,
   * which the initiator MUST use) instead of the transport's own. SI leaves it unset.
   */
  blockSize?: number;
}

/**
 * The initiator's end: write the file into `writable`; end() it after the last byte, which closes
 * the bytestream properly (IBB <close/>, SOCKS5 half-close). A failure makes the writable emit an
 * error (TransferError/StanzaError).
 */
export interface OutgoingBytestream {
  readonly method: BytestreamMethod;
  /** SOCKS5: the streamhost the target used (the initiator's own JID when direct, else a proxy). */
  readonly streamhost?: { readonly jid: string };
  readonly writable: Writable;
  /** Tears the stream down at once, telling the peer where the protocol allows. */
  abort(reason: Error): void;
}

/** The target's end: read the file from `readable`; it ends when the initiator closed the stream. */
export interface IncomingBytestream {
  readonly method: BytestreamMethod;
  /** SOCKS5: the streamhost we connected to (the initiator's own JID when direct, else a proxy). */
  readonly streamhost?: { readonly jid: string };
  readonly readable: Readable;
  abort(reason: Error): void;
}

/**
 * A bytestream transport (XEP-0065 SOCKS5, XEP-0047 IBB): how one stream is opened to a peer or
 * expected from one. File transfer never cares which one carries the bytes.
 */
export interface BytestreamTransport {
  readonly method: BytestreamMethod;
  /** The SI stream-method value: NS.BYTESTREAMS or NS.IBB. */
  readonly namespace: string;
  /** Initiator, after the SI accept chose this method. Rejects with a coded TransferError. */
  open(context: BytestreamContext): Promise<OutgoingBytestream>;
  /**
   * Target, before answering the SI offer: get ready for this sid so no early stanza is missed.
   * `established` resolves when the initiator has opened the stream.
   */
  expect(context: BytestreamContext, timeoutMs: number): { established: Promise<IncomingBytestream>; cancel(): void };
}
