// XEP-0353 (v0.8.0) §3.1–§3.5 on the initiator's side: <propose/> to the responder's bare JID (all
// its devices), then the first <proceed/> from one of its full JIDs names the resource the
// session-initiate goes to, with the proposal's id as sid. <reject/> ends it as a decline;
// <ringing/> is progress; no answer in time, or a cancel, sends <retract/>. A proceed from a
// second device after the first is told <retract/> (to its full JID only: the first one keeps
// its proposal), for as long as the caller holds the proposal.
import { randomHex } from '../platform/index.js';
import { Jid } from '@ferry/protocol/jid';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import {
  encodeJingleMessageStanza,
  jingleMessageOf,
  type JingleMessage,
} from '@ferry/protocol/payloads/jingle-message';
import type { XmppConnection } from '../connection.js';
import { TransferError } from '../transfer-error.js';

export interface ProposeOptions {
  /** The responder's bare JID. */
  to: Jid;
  /** The proposal's id, which becomes the Jingle sid. */
  sid: string;
  /** One <description/> per content (§3.1). */
  descriptions: Element[];
  /** How long to wait for a proceed or reject. */
  timeoutMs: number;
  /** What the proposal is for, in error messages ("photo.jpg"). */
  what: string;
  signal: AbortSignal;
  /** A device of the responder reports it is ringing (§3.2). */
  onRinging?(from: Jid): void;
}

/** An answered proposal: the device that took it. `release()` once the session is over. */
export interface Proposal {
  peer: Jid;
  release(): void;
}

const ABSENT = new Set(['service-unavailable', 'recipient-unavailable', 'item-not-found']);

export function propose(connection: XmppConnection, options: ProposeOptions): Promise<Proposal> {
  const { to, sid, signal } = options;
  const bare = to.bare();
  const messageId = randomHex(8);
  const send = (target: string, message: JingleMessage) =>
    connection.send(encodeJingleMessageStanza(target, message)).catch(() => {
      // Lost connection: the caller fails on it anyway.
    });
  const retract = (target: string, text: string) =>
    send(target, { kind: 'retract', id: sid, reason: { condition: 'cancel', text } });
  return new Promise<Proposal>((resolve, reject) => {
    let winner: Jid | undefined;
    let isSettled = false;
    const stopListening = connection.onMessage((message) => {
      const from = Jid.tryParse(String(message.attrs.from ?? ''));
      if (!from?.bare().equals(bare)) return;
      if (message.attrs.type === 'error') {
        if (message.attrs.id === messageId) fail(bounced(StanzaError.fromStanza(message)));
        return;
      }
      let payload: JingleMessage | undefined;
      try {
        payload = jingleMessageOf(message);
      } catch {
        return;
      }
      // The answers come from one device, a full JID (§3.2–§3.4).
      if (!payload || payload.id !== sid || !from.isFull) return;
      switch (payload.kind) {
        case 'ringing':
          if (!isSettled) options.onRinging?.(from);
          return;
        case 'proceed':
          if (!isSettled) {
            winner = from;
            settle();
            resolve({ peer: from, release: stopListening });
          } else if (winner && !from.equals(winner)) {
            // Another device answered first: this one must not wait for a session-initiate.
            void retract(from.toString(), 'another device answered');
          }
          return;
        case 'reject':
          if (isSettled) return;
          fail(
            new TransferError(
              'FERRY_ERR_DECLINED',
              `${from.toString()} declined ${options.what}${payload.reason?.text ? `: ${payload.reason.text}` : ''}`,
            ),
          );
          return;
        default:
          return;
      }
    });
    const timer = setTimeout(() => {
      void retract(bare.toString(), 'no answer in time');
      fail(
        new TransferError(
          'FERRY_ERR_TIMEOUT',
          `no device of ${bare.toString()} answered the proposal of ${options.what} (XEP-0353) within ${options.timeoutMs / 1000} s`,
        ),
      );
    }, options.timeoutMs);
    const onAbort = () => {
      void retract(bare.toString(), 'cancelled');
      fail(signal.reason as Error);
    };
    function settle(): void {
      isSettled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    function fail(error: Error): void {
      if (isSettled) return;
      settle();
      stopListening();
      reject(error);
    }
    if (signal.aborted) {
      fail(signal.reason as Error);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    // §3.1: directed presence (with our caps), in case the responder does not share ours.
    void connection.send(xml('presence', { to: bare.toString() })).catch(() => {});
    const stanza = encodeJingleMessageStanza(
      bare.toString(),
      { kind: 'propose', id: sid, descriptions: options.descriptions },
      messageId,
    );
    connection.send(stanza).catch((error: unknown) => fail(error as Error));
  });

  function bounced(error: StanzaError): TransferError {
    const code = ABSENT.has(error.condition) ? 'FERRY_ERR_PEER_OFFLINE' : 'FERRY_ERR_PEER_UNSUPPORTED';
    return new TransferError(code, `${bare.toString()} refused the proposal (${error.condition})`, { cause: error });
  }
}
