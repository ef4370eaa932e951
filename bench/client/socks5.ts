// XEP-0065 SOCKS5 connections for the load generator. The handshake is Ferry's own state machine
// (@ferry/protocol/socks5, which already waits for the method selection before sending CONNECT, as Prosody
// requires); the socket reads into one reused buffer (net.connect's `onread`), so a sink counting
// a gigabyte allocates nothing per read and the client stays cheaper than the relay it measures.
import { connect, type Socket } from 'node:net';
import { ClientHandshake } from '@ferry/protocol/socks5';

export interface Socks5Options {
  host: string;
  port: number;
  /** DST.ADDR: SHA1(sid + requester + target), hex. */
  hash: string;
  timeoutMs: number;
  /** Called with every chunk of bytestream data; `chunk` is only valid during the call. */
  onData?: (chunk: Buffer) => void;
  /** The peer half-closed: the bytestream is complete. */
  onEnd?: () => void;
  /** A reset or error after the handshake. */
  onError?: (error: Error) => void;
  readBufferBytes?: number;
}

/** Resolves once the SOCKS5 reply arrived; data bytes go to onData from then on. */
export function connectSocks5Stream(options: Socks5Options): Promise<Socket> {
  const handshake = new ClientHandshake(options.hash);
  const buffer = Buffer.allocUnsafe(options.readBufferBytes ?? 64 * 1024);
  let isConnected = false;
  const onData = options.onData ?? (() => {});
  return new Promise<Socket>((resolve, reject) => {
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const socket = connect({
      host: options.host,
      port: options.port,
      onread: {
        buffer,
        callback: (length: number): boolean => {
          const bytes = buffer.subarray(0, length);
          if (isConnected) {
            onData(bytes);
            return true;
          }
          // Handshake bytes: copy them, the read buffer is reused for the next read.
          for (const action of handshake.feed(Buffer.from(bytes))) {
            if (action.kind === 'send') socket.write(action.bytes);
            else if (action.kind === 'error')
              fail(new Error(`SOCKS5 ${options.host}:${options.port}: ${action.reason}`));
            else {
              isConnected = true;
              clearTimeout(timer);
              socket.off('error', fail);
              socket.on('error', (error) => options.onError?.(error));
              resolve(socket);
              if (action.leftover.length > 0) onData(action.leftover);
            }
          }
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    const timer = setTimeout(
      () => fail(new Error(`SOCKS5 ${options.host}:${options.port}: no reply within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    socket.once('connect', () => socket.write(handshake.start()));
    socket.on('error', fail);
    socket.once('end', () => options.onEnd?.());
  });
}
