// How `ferry receive` and `ferry send` notice that the server went away: the connection's own "lost"
// event at once when the socket closes, and a XEP-0199 §4.2 client-to-server ping every interval
// for what no socket event reports (a half-open TCP connection: the server's machine vanished).
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '@ferry/client/internal/connection';
import { CliError, EXIT } from './cli-error.js';

/** Calls `onLost` once: when the connection is lost, or a ping gets no answer at all. */
export function watchServer(
  connection: XmppConnection,
  intervalMs: number,
  onLost: (error: Error) => void,
): () => void {
  const pingTimeoutMs = Math.min(intervalMs, 10_000);
  let isStopped = false;
  let timer: NodeJS.Timeout | undefined;
  const unwatch = connection.onDisconnect((error) => {
    if (isStopped) return;
    isStopped = true;
    clearTimeout(timer);
    onLost(new CliError('the server closed the connection (stopped or restarted?)', EXIT.failure, { cause: error }));
  });
  const tick = async () => {
    const ping = xml('iq', { type: 'get', to: connection.jid.domain }, xml('ping', { xmlns: NS.PING }));
    try {
      await connection.request(ping, pingTimeoutMs);
    } catch (error) {
      // An error answer still means the server is there.
      if (!(error instanceof StanzaError) && !isStopped) {
        isStopped = true;
        const isSilent = (error as { code?: string }).code === 'FERRY_ERR_TIMEOUT';
        onLost(
          new CliError(
            isSilent
              ? `the server stopped answering (no reply to a ping within ${pingTimeoutMs / 1000} s); check the network or the server`
              : 'the server closed the connection (stopped or restarted?)',
            EXIT.failure,
            { cause: error },
          ),
        );
        return;
      }
    }
    if (!isStopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  timer = setTimeout(() => void tick(), intervalMs);
  return () => {
    isStopped = true;
    clearTimeout(timer);
    unwatch();
  };
}
