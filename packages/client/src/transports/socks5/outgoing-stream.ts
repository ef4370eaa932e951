// XEP-0065 §5.3.3 / §6.3.6: the Requester's end of an established SOCKS5 bytestream. The writable
// wraps the socket so that end() half-closes it after the last byte — COMPAT: Prosody's proxy
// holds the last 4 KiB of a relay until the sender closes — while the read side keeps draining,
// so the receiver's close is seen, and an early close or reset becomes an error, never a hang.
// A receiver that closes cleanly right after our last byte, before our end(), is no error (see
// the COMPAT note at 'end').
import type { Socket } from 'node:net';
import { Writable } from '../../platform/index.js';
import type { Streamhost } from '@ferry/protocol/payloads/bytestreams';
import { abortError } from '@ferry/protocol/socks5/errors';
import { TransferError } from '../../transfer-error.js';
import type { OutgoingBytestream } from '../bytestream.js';
import { resetSocket } from './reset-socket.js';

export interface OutgoingStreamOptions {
  signal: AbortSignal;
  /** After our end() is flushed, how long the receiver may take to close before we do. */
  lingerMs: number;
}

export class OutgoingSocks5Bytestream implements OutgoingBytestream {
  readonly method = 'socks5' as const;
  /** The streamhost the Target chose (our own for a direct connection, else the proxy). */
  readonly streamhost: Streamhost;
  readonly writable: Writable;

  constructor(socket: Socket, streamhost: Streamhost, options: OutgoingStreamOptions) {
    this.streamhost = streamhost;
    const { signal, lingerMs } = options;
    let isEnding = false;
    let isFlushed = false;
    /** The receiver closed its half (FIN) before our end(): fine only if nothing more is written. */
    let isPeerEnded = false;
    let isWaitingForDrain = false;
    /** final() when the receiver ended first: completes once the socket closed without error. */
    let onCleanClose: (() => void) | undefined;
    let linger: NodeJS.Timeout | undefined;
    const where = `SOCKS5 bytestream via ${streamhost.jid} (${streamhost.host}:${streamhost.port})`;
    const closedEarly = () => new TransferError('FERRY_ERR_CANCELLED', `${where}: the receiver closed the bytestream`);

    const writable = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        if (isPeerEnded) return callback(closedEarly()); // bytes left, and nobody reads them
        if (socket.write(chunk)) return callback();
        isWaitingForDrain = true;
        socket.once('drain', () => {
          isWaitingForDrain = false;
          callback();
        });
      },
      final(callback) {
        isEnding = true;
        if (isPeerEnded) {
          const done = () => {
            isFlushed = true;
            callback();
          };
          if (socket.closed) done();
          else onCleanClose = done;
          return;
        }
        // net.Socket#end() sends FIN once every queued byte is out: the half-close a proxy needs.
        socket.end(() => {
          isFlushed = true;
          callback();
        });
      },
      destroy(error, callback) {
        signal.removeEventListener('abort', onAbort);
        if (error || !isFlushed) {
          // Not a clean end: tell the peer with a reset, not a FIN that looks like end of file.
          resetSocket(socket);
        } else if (!socket.destroyed) {
          // Our half is closed; the receiver closes its half after reading everything. Closing
          // ours later is graceful (the kernel still delivers queued bytes), so the linger bound
          // need not keep the process alive.
          linger = setTimeout(() => socket.destroy(), lingerMs);
          linger.unref();
        }
        callback(error);
      },
    });
    this.writable = writable;

    const fail = (error: Error): void => {
      if (!writable.destroyed) writable.destroy(error);
    };
    const onAbort = (): void => fail(abortError(`${where}: aborted`, signal));

    // Nothing is expected from the receiver; read and drop whatever comes so 'end' can arrive.
    socket.on('data', () => {});
    socket.on('end', () => {
      if (isEnding) return;
      // COMPAT: libpurple (Pidgin) closes the bytestream as soon as it has read the size it was
      // offered, which can be before our end() runs (seen with Ferry's direct streamhost). That
      // FIN is an early close only if we still have bytes to write (write() fails then). When
      // final() comes next instead, the socket's close decides: a receiver that closed with
      // our bytes unread, or with bytes still arriving, resets the connection (an error) rather
      // than closing cleanly.
      isPeerEnded = true;
    });
    socket.on('error', (error) => {
      if (!isFlushed) {
        fail(
          new TransferError('FERRY_ERR_CANCELLED', `${where}: the bytestream broke: ${error.message}`, {
            cause: error,
          }),
        );
      }
    });
    socket.once('close', (hadError) => {
      clearTimeout(linger);
      if (isFlushed) return;
      if (isPeerEnded && !hadError) {
        if (onCleanClose) return onCleanClose();
        if (!isWaitingForDrain) return; // the next write() fails, or final() completes
        return fail(closedEarly());
      }
      fail(new TransferError('FERRY_ERR_CANCELLED', `${where}: the connection closed`));
    });
    socket.setNoDelay(true);
    socket.resume();
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  abort(reason: Error): void {
    if (!this.writable.destroyed) this.writable.destroy(reason);
  }
}
