// XEP-0047: what the sender and the receiver of one IBB session share — who may speak for the
// session, and the <close/> either side may send (§2.3).
import { Jid } from '@ferry/protocol/jid';
import { encodeIbbClose } from '@ferry/protocol/payloads/ibb';
import { xml, type Element } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../../connection.js';

/** The transport's options with their defaults filled in (see IbbTransportOptions). */
export interface IbbSettings {
  blockSize: number;
  window: number;
  stanza: 'iq' | 'message';
  ackTimeoutMs: number;
  maxBlockSize: number;
  idleTimeoutMs: number;
}

/** True when `stanza` comes from exactly `peer` (the full JID the session was negotiated with). */
export function isFrom(stanza: Element, peer: Jid): boolean {
  const from = stanza.attrs.from as unknown;
  if (typeof from !== 'string') return false;
  return Jid.tryParse(from)?.equals(peer) ?? false;
}

/** True when a payload names this session: a cheap test before anything is decoded. */
export function namesSid(payload: Element, sid: string): boolean {
  return payload.attrs.sid === sid;
}

/** XEP-0047 §2.3: `<iq type='set'><close xmlns='http://jabber.org/protocol/ibb' sid/></iq>`. */
export function closeIq(to: Jid, sid: string): Element {
  return xml('iq', { type: 'set', to: to.toString() }, encodeIbbClose({ sid }));
}

/** Closes the session when it is being torn down anyway: no answer is awaited by anyone. */
export function sendCloseBestEffort(connection: XmppConnection, to: Jid, sid: string, timeoutMs: number): void {
  connection.request(closeIq(to, sid), timeoutMs).catch(() => {
    // The peer may have gone or forgotten the sid already (item-not-found): nothing to do.
  });
}

/** The signal's reason as an Error (an AbortError DOMException unless the caller gave one). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

/** `promise`, or the signal's abort, whichever comes first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
