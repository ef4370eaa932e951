// The SOCKS5 transport along its seam (ADR 0006): what SI (XEP-0065) and Jingle (XEP-0260) both
// need, with the DST.ADDR always a parameter — SI hashes sid + requester + target, Jingle hashes
// sid + the candidate's offerer + the other party. The signalling around these calls (SI's iq per
// step, Jingle's candidates and transport-info) is the caller's.
import type { Socket } from 'node:net';
import { encodeActivate } from '@ferry/protocol/payloads/bytestreams';
import { xml } from '@ferry/protocol/xml/element';
import { TransferError } from '../../transfer-error.js';
import type { XmppConnection } from '../../connection.js';
import { DirectListener, connectSocks5 } from '../../platform/index.js';
import { firstInOrder, type FirstInOrderOutcome } from './first-in-order.js';
import type { Socks5Settings } from './settings.js';

export interface StreamhostAddress {
  host: string;
  port: number;
}

/** Connects to one streamhost (a peer's listener or a proxy) with this DST.ADDR. */
export async function connectStreamhost(
  streamhost: StreamhostAddress,
  hash: string,
  settings: Pick<Socks5Settings, 'candidateTimeoutMs'>,
  signal: AbortSignal,
): Promise<Socket> {
  const socket = await connectSocks5({
    host: streamhost.host,
    port: streamhost.port,
    hash,
    timeoutMs: settings.candidateTimeoutMs,
    signal,
  });
  // A success may wait for an earlier candidate to settle: a reset meanwhile must not crash us.
  socket.on('error', () => {});
  return socket;
}

/**
 * Connects to these streamhosts with this DST.ADDR: overlapping attempts, the first success in
 * the given order wins (first-in-order.ts), losers are closed.
 */
export function connectFirst<C extends StreamhostAddress>(
  streamhosts: readonly C[],
  hash: string,
  settings: Pick<Socks5Settings, 'candidateTimeoutMs' | 'staggerMs'>,
  signal: AbortSignal,
): Promise<FirstInOrderOutcome<C, Socket>> {
  return firstInOrder<C, Socket>(streamhosts, {
    attempt: (streamhost, attemptSignal) => connectStreamhost(streamhost, hash, settings, attemptSignal),
    discard: (socket) => socket.destroy(),
    staggerMs: settings.staggerMs,
    signal,
  });
}

/**
 * Listens for (and accepts) this DST.ADDR on a direct listener of ours, bound to the address it
 * advertises: `directHost`, else the one our XMPP connection leaves from.
 */
export function listenDirect(
  settings: Pick<Socks5Settings, 'directHost' | 'candidateTimeoutMs'>,
  localAddress: string | undefined,
  hash: string,
): Promise<DirectListener> {
  return DirectListener.open({
    host: settings.directHost ?? localAddress ?? '127.0.0.1',
    hash,
    handshakeTimeoutMs: settings.candidateTimeoutMs,
  });
}

/**
 * XEP-0065 §6.3.5 (and XEP-0260 §2.4): asks the proxy to relay between our connection and the
 * other party's, both already made with the same DST.ADDR. `target` is the other party's full
 * JID; the proxy hashes sid + our JID + target. Rejects FERRY_ERR_ACTIVATION (or the abort).
 */
export async function activateProxy(
  connection: XmppConnection,
  options: { proxy: string; sid: string; target: string; timeoutMs: number; signal: AbortSignal },
): Promise<void> {
  const { proxy, sid, target, timeoutMs, signal } = options;
  signal.throwIfAborted();
  const activate = xml('iq', { type: 'set', to: proxy }, encodeActivate({ sid, activate: target }));
  const request = connection.request(activate, timeoutMs);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    await Promise.race([request, aborted]);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new TransferError(
      'FERRY_ERR_ACTIVATION',
      `proxy ${proxy} refused to activate bytestream ${sid}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
