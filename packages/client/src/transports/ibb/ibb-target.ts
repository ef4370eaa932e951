// XEP-0047 §2.1, target: wait for the initiator's <open/> of one sid, accept it (or refuse a
// block-size above our limit with resource-constraint) and hand back the Readable that carries
// the file. The handlers claim only this sid from this initiator's full JID.
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import { decodeIbbOpen, type IbbOpen } from '@ferry/protocol/payloads/ibb';
import type { Element } from '@ferry/protocol/xml/element';
import { TransferError } from '../../transfer-error.js';
import type { BytestreamContext, IncomingBytestream } from '../bytestream.js';
import { IbbReceiver } from './ibb-receiver.js';
import { abortReason, isFrom, namesSid, type IbbSettings } from './session.js';

export interface IbbIncomingBytestream extends IncomingBytestream {
  readonly method: 'ibb';
  readonly readable: IbbReceiver;
  readonly blockSize: number;
  readonly stanza: 'iq' | 'message';
}

export interface IbbExpectation {
  established: Promise<IbbIncomingBytestream>;
  /** Stops waiting (established rejects FERRY_ERR_CANCELLED). After the open, use abort(). */
  cancel(): void;
}

export function expectIbbSession(context: BytestreamContext, timeoutMs: number, settings: IbbSettings): IbbExpectation {
  const { connection, sid, initiator, signal } = context;
  let receiver: IbbReceiver | undefined;
  let isSettled = false;
  let resolve!: (incoming: IbbIncomingBytestream) => void;
  let reject!: (error: unknown) => void;
  const established = new Promise<IbbIncomingBytestream>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that cancel()s may never await it; that rejection must not crash the process.
  established.catch(() => {});

  const ours = (stanza: Element, payload: Element) => namesSid(payload, sid) && isFrom(stanza, initiator);
  const removers = [
    connection.onIq('set', NS.IBB, 'open', (stanza, payload) => {
      if (!ours(stanza, payload)) return undefined;
      if (isSettled) throw new StanzaError('not-acceptable', { text: `IBB session ${sid} is already open` });
      // A refused open leaves us waiting: the initiator may retry with a smaller block-size.
      const { blockSize, stanza: carrier } = decodeOpen(payload, settings.maxBlockSize);
      const readable = new IbbReceiver({
        connection,
        sid,
        initiator,
        blockSize,
        stanza: carrier,
        idleTimeoutMs: settings.idleTimeoutMs,
        closeTimeoutMs: settings.ackTimeoutMs,
        release,
      });
      receiver = readable;
      settle();
      resolve({ method: 'ibb', readable, blockSize, stanza: carrier, abort: (reason) => readable.destroy(reason) });
      return null;
    }),
    // Before the open, data and close of this sid are not ours yet: the connection answers
    // item-not-found, as XEP-0047 §2.2 asks for an unknown session.
    connection.onIq('set', NS.IBB, 'data', (stanza, payload) =>
      receiver && ours(stanza, payload) ? receiver.receive(payload, 'iq') : undefined,
    ),
    connection.onIq('set', NS.IBB, 'close', (stanza, payload) => {
      if (!receiver || !ours(stanza, payload)) return undefined;
      receiver.closedByPeer();
      return null;
    }),
    // XEP-0047 §3: data in <message/>s, never acknowledged.
    connection.onMessage((stanza) => {
      const data = stanza.getChild('data', NS.IBB);
      if (!receiver || !data || stanza.attrs.type === 'error' || !ours(stanza, data)) return;
      try {
        receiver.receive(data, 'message');
      } catch {
        // A message has no reply: the receiver has already closed the session and errored.
      }
    }),
  ];
  const timer = setTimeout(
    () =>
      fail(new TransferError('FERRY_ERR_TIMEOUT', `no IBB open from ${initiator.toString()} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const onAbort = () => (receiver ? receiver.destroy(abortReason(signal)) : fail(abortReason(signal)));
  signal.addEventListener('abort', onAbort, { once: true });

  function release(): void {
    clearTimeout(timer);
    for (const remove of removers.splice(0)) remove();
    signal.removeEventListener('abort', onAbort);
  }
  function settle(): void {
    isSettled = true;
    clearTimeout(timer);
  }
  function fail(error: unknown): void {
    if (isSettled) return;
    settle();
    release();
    reject(error);
  }

  if (signal.aborted) fail(abortReason(signal));
  return {
    established,
    cancel: () => fail(new TransferError('FERRY_ERR_CANCELLED', `stopped waiting for the IBB open of ${sid}`)),
  };
}

/** Decodes an <open/>; a block-size above our limit is resource-constraint, type modify (§2.1). */
function decodeOpen(payload: Element, maxBlockSize: number): IbbOpen {
  // Read before decoding: the codec calls anything above 65535 bad-request, but to the
  // initiator "too big" must read as resource-constraint so that it retries smaller.
  const raw: unknown = payload.attrs['block-size'];
  const asked = typeof raw === 'string' && /^[0-9]{1,16}$/.test(raw) ? Number(raw) : undefined;
  if (asked !== undefined && asked > maxBlockSize) {
    throw new StanzaError('resource-constraint', {
      type: 'modify',
      text: `block-size ${asked} is larger than ${maxBlockSize}`,
    });
  }
  return decodeIbbOpen(payload);
}
