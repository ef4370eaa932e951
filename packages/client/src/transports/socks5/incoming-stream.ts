// XEP-0065 §5.3.2 / §6.3.2: the Target's end of an established SOCKS5 bytestream. The readable
// reads the socket only when its consumer reads (for a mediated connection nothing arrives before
// the proxy is activated, and nothing is consumed here before that). It is a thin wrapper rather
// than the socket itself because connectSocks5 hands the socket over explicitly paused — a plain
// 'data' listener would then never see a byte — and so that abort() can both reset the
// connection and make the readable fail with its reason, as the IBB transport's does.
import type { Socket } from 'node:net';
import { Readable } from '../../platform/index.js';
import type { Streamhost } from '@ferry/protocol/payloads/bytestreams';
import { abortError } from '@ferry/protocol/socks5/errors';
import { TransferError } from '../../transfer-error.js';
import type { IncomingBytestream } from '../bytestream.js';
import { resetSocket } from './reset-socket.js';

export class IncomingSocks5Bytestream implements IncomingBytestream {
  readonly method = 'socks5' as const;
  /** The streamhost we connected to (the Requester for a direct connection, else the proxy). */
  readonly streamhost: Streamhost;
  /** Ends when the initiator half-closes after the last byte; errors on a reset or an abort. */
  readonly readable: Readable;

  constructor(socket: Socket, streamhost: Streamhost, signal: AbortSignal, idleTimeoutMs = 60_000) {
    this.streamhost = streamhost;
    const where = `SOCKS5 bytestream via ${streamhost.jid} (${streamhost.host}:${streamhost.port})`;
    let hasEnded = false;
    const readable = new Readable({
      highWaterMark: 64 * 1024,
      read() {
        socket.resume();
      },
      destroy(error, callback) {
        signal.removeEventListener('abort', onAbort);
        // Torn down before the initiator's end: tell it with a reset, its writes then fail.
        if (!hasEnded) resetSocket(socket);
        else socket.destroy();
        callback(error);
      },
    });
    this.readable = readable;
    const fail = (error: Error): void => {
      if (!readable.destroyed) readable.destroy(error);
    };
    const onAbort = (): void => fail(abortError(`${where}: aborted`, signal));

    socket.on('data', (chunk: Buffer) => {
      if (!readable.push(chunk)) socket.pause();
    });
    socket.once('end', () => {
      hasEnded = true;
      readable.push(null);
    });
    socket.on('error', (error) => {
      fail(
        new TransferError('FERRY_ERR_CANCELLED', `${where}: the bytestream broke: ${error.message}`, { cause: error }),
      );
    });
    socket.once('close', () => {
      if (!hasEnded) fail(new TransferError('FERRY_ERR_CANCELLED', `${where}: the connection closed before the end`));
    });
    // A proxy that never activates, or a sender that vanished without a reset, must not leave us
    // waiting forever. Time spent paused by our own consumer does not count.
    socket.setTimeout(idleTimeoutMs, () => {
      if (socket.isPaused() && readable.readableLength >= readable.readableHighWaterMark) return;
      fail(new TransferError('FERRY_ERR_TIMEOUT', `${where}: no data for ${idleTimeoutMs / 1000} s`));
    });
    if (socket.readableEnded) {
      // Ended before we got it (an empty Jingle file over our own listener): no bytes, a clean end.
      hasEnded = true;
      readable.push(null);
    }
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  /** Resets the connection (the initiator's writes fail) and makes the readable fail with `reason`. */
  abort(reason: Error): void {
    if (!this.readable.destroyed) this.readable.destroy(reason);
  }
}
