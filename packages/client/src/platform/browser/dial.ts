// Connecting from a browser: only RFC 7395 WebSocket exists there (no TCP, no TLS options: the
// browser checks certificates itself), so every other endpoint is refused with the reason.
import type { WebSocket as NodeWebSocket } from 'ws';
import { connectErrors } from '../../connect-errors.js';
import type { DialedSocket, TlsTrust } from '../../dial.js';
import type { Endpoint } from '../../endpoints.js';
import { TransferError } from '../../transfer-error.js';

export async function dial(
  endpoint: Endpoint,
  _domain: string,
  _trust: TlsTrust,
  signal: AbortSignal,
): Promise<DialedSocket> {
  if (endpoint.kind !== 'websocket') {
    throw new TransferError(
      'FERRY_ERR_CONNECTION_REFUSED',
      'a browser can only connect over WebSocket: pass service: "wss://…/xmpp-websocket"',
    );
  }
  const { url } = endpoint;
  const { hostname, protocol } = new URL(url);
  const socket = new WebSocket(url, ['xmpp']);
  return new Promise<DialedSocket>((resolve, reject) => {
    const done = () => {
      socket.removeEventListener('open', onOpen);
      socket.removeEventListener('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (error: Error) => {
      done();
      socket.close();
      reject(error);
    };
    const onOpen = () => {
      done();
      if (socket.protocol !== 'xmpp') return fail(connectErrors.notXmpp(url, 'the server chose no "xmpp" subprotocol'));
      // As xmpp.js does: wss, or ws to this machine, counts as secure.
      const isSecure = protocol === 'wss:' || ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
      // connection.ts ends a failed login with terminate(), which is ws's; close() is the browser's.
      const adopted = Object.assign(socket, { terminate: () => socket.close() }) as unknown as NodeWebSocket;
      resolve({ kind: 'websocket', socket: adopted, url, isSecure });
    };
    // A browser tells scripts nothing about why a WebSocket failed (no status, no TLS detail).
    const onError = () =>
      fail(new TransferError('FERRY_ERR_CONNECTION_REFUSED', `could not open a WebSocket to ${url}`));
    const onAbort = () => fail(signal.reason as Error);
    if (signal.aborted) return onAbort();
    socket.addEventListener('open', onOpen);
    socket.addEventListener('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The browser verifies certificates itself; a connection's trust options have no say there. */
export function tlsOptionsFor(_trust: TlsTrust): Record<string, never> {
  return {};
}
