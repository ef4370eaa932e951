// XEP-0047 §2.1, initiator: send <open/> to the target (halving the block-size after
// resource-constraint) and hand back the Writable that carries the file. The session's handlers
// are registered before the <open/> goes out, so a <close/> right after the open result is seen.
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import { encodeIbbOpen } from '@ferry/protocol/payloads/ibb';
import { xml } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../../connection.js';
import { TransferError } from '../../transfer-error.js';
import type { BytestreamContext, OutgoingBytestream } from '../bytestream.js';
import { IbbSender } from './ibb-sender.js';
import { abortReason, isFrom, namesSid, sendCloseBestEffort, untilAborted, type IbbSettings } from './session.js';

/** The initiator's end, plus what was negotiated. */
export interface IbbOutgoingBytestream extends OutgoingBytestream {
  readonly method: 'ibb';
  readonly writable: IbbSender;
  /** The block-size the target accepted (smaller than asked after resource-constraint). */
  readonly blockSize: number;
}

/**
 * COMPAT: slixmpp and Conversations refuse a block-size above 8192 with resource-constraint
 * (Spark asks for 61440). The initiator halves it and asks again, down to this floor.
 */
export const MIN_RETRY_BLOCK_SIZE = 1024;

export async function openIbbSession(
  context: BytestreamContext,
  settings: IbbSettings,
): Promise<IbbOutgoingBytestream> {
  const { connection, sid, target, signal } = context;
  signal.throwIfAborted();
  // Filled in once the target accepted the <open/>; the handlers below see it through this.
  const session: { sender?: IbbSender; isClosedEarly: boolean } = { isClosedEarly: false };
  const removers = [
    connection.onIq('set', NS.IBB, 'close', (stanza, payload) => {
      if (!namesSid(payload, sid) || !isFrom(stanza, target)) return undefined;
      if (session.sender) session.sender.closedByPeer();
      else session.isClosedEarly = true;
      return null; // the receiver closed: acknowledge the close, stop sending
    }),
  ];
  if (settings.stanza === 'message') {
    removers.push(
      connection.onMessage((stanza) => {
        const data = stanza.getChild('data', NS.IBB);
        if (stanza.attrs.type !== 'error' || !data || !namesSid(data, sid) || !isFrom(stanza, target)) return;
        session.sender?.refusedByPeer(StanzaError.fromStanza(stanza));
      }),
    );
  }
  const onAbort = () => session.sender?.destroy(abortReason(signal));
  const release = () => {
    for (const remove of removers.splice(0)) remove();
    signal.removeEventListener('abort', onAbort);
  };
  signal.addEventListener('abort', onAbort, { once: true });

  let blockSize: number;
  try {
    const asked = context.blockSize ?? settings.blockSize;
    blockSize = await negotiateBlockSize(connection, context, { ...settings, blockSize: asked });
    if (session.isClosedEarly) throw new TransferError('FERRY_ERR_CANCELLED', 'the receiver closed the stream');
  } catch (error) {
    release();
    throw error;
  }
  const { window, stanza, ackTimeoutMs } = settings;
  const writable = new IbbSender({ connection, sid, target, blockSize, window, stanza, ackTimeoutMs, release });
  session.sender = writable;
  return { method: 'ibb', writable, blockSize, abort: (reason) => writable.destroy(reason) };
}

/** Sends <open/> until the target accepts one; resolves with the accepted block-size. */
async function negotiateBlockSize(
  connection: XmppConnection,
  { sid, target, signal }: BytestreamContext,
  settings: IbbSettings,
): Promise<number> {
  let blockSize = settings.blockSize;
  for (;;) {
    const open = encodeIbbOpen({ sid, blockSize, stanza: settings.stanza });
    const answer = connection.request(xml('iq', { type: 'set', to: target.toString() }, open), settings.ackTimeoutMs);
    try {
      await untilAborted(answer, signal);
      return blockSize;
    } catch (error) {
      if (signal.aborted) {
        // Should the target accept after all, leave it no half-open session.
        answer.then(() => sendCloseBestEffort(connection, target, sid, settings.ackTimeoutMs)).catch(() => {});
        throw abortReason(signal);
      }
      if (isResourceConstraint(error) && blockSize > MIN_RETRY_BLOCK_SIZE) {
        blockSize = Math.max(MIN_RETRY_BLOCK_SIZE, Math.floor(blockSize / 2));
        continue;
      }
      if (error instanceof TransferError && error.code === 'FERRY_ERR_TIMEOUT') {
        throw new TransferError(
          'FERRY_ERR_TIMEOUT',
          `${target.toString()} did not answer the IBB open within ${settings.ackTimeoutMs} ms`,
          { cause: error },
        );
      }
      throw error; // a StanzaError: the target said no (not-acceptable, service-unavailable, …)
    }
  }
}

function isResourceConstraint(error: unknown): boolean {
  return error instanceof StanzaError && error.condition === 'resource-constraint';
}
