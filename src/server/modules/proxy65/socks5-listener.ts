// XEP-0065 §6.3.2 / §6.3.4: the proxy's TCP side. Each connection runs the SOCKS5 StreamHost
// handshake (@ferry/protocol/socks5: a buffered state machine, so bytes may arrive split or merged however the
// peer likes), is paired by its DST.ADDR hash, and then waits, paused, for activation. The
// listener owns every socket it accepted and closes them all when it closes.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { acceptSocks5, REPLY } from '@ferry/protocol/socks5';
import type { Logger } from '../../core/logger.js';
import { RefusalLog, type AddressQuota } from '../../policy/index.js';
import type { PairingTable } from './pairings.js';

export interface Socks5ListenerOptions {
  host: string;
  port: number;
  /** Greeting + CONNECT must arrive within this (a silent client is dropped). */
  handshakeTimeoutMs: number;
  quota: AddressQuota<Socket>;
  pairings: PairingTable<Socket>;
  logger: Logger;
}

export interface Socks5Listener {
  readonly address: AddressInfo;
  /** No new connections; those accepted (pending or relaying) go on until close(). */
  stopAccepting(): void;
  /** Stops accepting and closes every connection it accepted. */
  close(): Promise<void>;
}

// Errors of accepted sockets are reported by acceptSocks5 or the relay; never let one crash us.
function ignore(): void {}

export async function listenSocks5(options: Socks5ListenerOptions): Promise<Socks5Listener> {
  const { quota, pairings, logger } = options;
  const sockets = new Set<Socket>();
  const refusals = new RefusalLog(logger);

  const handshake = async (socket: Socket): Promise<void> => {
    let request;
    try {
      request = await acceptSocks5(socket, { timeoutMs: options.handshakeTimeoutMs });
    } catch (error) {
      logger.debug({ remote: socket.remoteAddress, reason: (error as Error).message }, 'SOCKS5 handshake failed');
      return; // acceptSocks5 has closed the socket
    }
    const role = pairings.connect(request.hash, socket);
    if (!role) {
      // §6.3: a third connection for the same hash (or one for an active bytestream).
      logger.debug({ hash: request.hash }, 'SOCKS5 connection refused: this hash already has two connections');
      request.reject(REPLY.NOT_ALLOWED);
      return;
    }
    try {
      await request.accept();
      logger.debug({ hash: request.hash, role }, 'SOCKS5 connection paired');
    } catch (error) {
      // The socket is closed, so the pairing table has dropped its pairing.
      logger.debug({ hash: request.hash, reason: (error as Error).message }, 'SOCKS5 connection lost before pairing');
    }
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', ignore);
    socket.once('close', () => {
      sockets.delete(socket);
      quota.release(socket);
    });
    if (!quota.admit(socket, socket.remoteAddress ?? '')) {
      // SOCKS5 has no refusal before the greeting: closing is the answer.
      if (quota.isFull) {
        refusals.refused(
          'modules.proxy65.max_pending_total',
          { pending: quota.total },
          'SOCKS5 connections refused: too many pending (unactivated) connections in total',
        );
      } else {
        logger.debug({ remote: socket.remoteAddress }, 'SOCKS5 connection refused: too many pending from this address');
      }
      socket.destroy();
      return;
    }
    void handshake(socket);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `proxy65 cannot listen on ${options.host}:${options.port} (${error.code ?? error.message}); ` +
            'set modules.proxy65.port (or host)',
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  server.on('error', (error) => logger.error({ err: error }, 'SOCKS5 listener error'));

  return {
    address: server.address() as AddressInfo,
    stopAccepting() {
      // The port is free at once; close's callback would wait for every accepted socket.
      if (server.listening) server.close();
    },
    close() {
      const closed = new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
      });
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}
