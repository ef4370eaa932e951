// XEP-0065 §6.3.6: after activation the proxy relays bytes both ways. Each direction is a minimal
// pump: a chunk read from one socket is written to the other as-is (no copy, no allocation of
// ours), and a write that the kernel cannot take at once pauses the reader until 'drain' — so a
// slow reader slows the writer instead of filling the proxy's memory. An optional token bucket
// pauses the reader the same way. A half-close is forwarded once the pending bytes are flushed
// (end() queues the FIN behind them), so the last bytes always arrive; an error on either side
// ends both. Bytes are counted in the one 'data' listener each direction already has.
import type { Socket } from 'node:net';
import { TokenBucket } from './token-bucket.js';

export interface RelayOptions {
  /** Per direction; 0 = unlimited. */
  bytesPerSecond: number;
}

export interface RelayStats {
  /** Bytes relayed from the initiator to the target, and back. */
  bytesToTarget: number;
  bytesToInitiator: number;
  durationMs: number;
  /** Ended by an error, a reset or shutdown rather than both sides closing normally. */
  isAborted: boolean;
}

export interface Relay {
  /** Cuts both connections now (shutdown); onDone still reports, with isAborted. */
  stop(): void;
}

interface Pump {
  readonly bytes: number;
  dispose(): void;
}

export function startRelay(
  initiator: Socket,
  target: Socket,
  options: RelayOptions,
  onDone: (stats: RelayStats) => void,
): Relay {
  const startedAt = performance.now();
  let isAborted = false;
  let open = 2;
  const abort = (): void => {
    isAborted = true;
    // A reset, not a FIN: the survivor must not mistake a broken relay for the end of the file.
    for (const socket of [initiator, target]) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
  };
  const toTarget = pump(initiator, target, options.bytesPerSecond);
  const toInitiator = pump(target, initiator, options.bytesPerSecond);
  const onClose = (socket: Socket): void => {
    // A socket that closes without its end-of-stream (destroyed, not half-closed) lost bytes.
    if (!socket.readableEnded) abort();
    open -= 1;
    if (open > 0) return;
    toTarget.dispose();
    toInitiator.dispose();
    onDone({
      bytesToTarget: toTarget.bytes,
      bytesToInitiator: toInitiator.bytes,
      durationMs: performance.now() - startedAt,
      isAborted,
    });
  };
  for (const socket of [initiator, target]) {
    // Each side's FIN is forwarded by its pump; the socket itself must not answer it with its own
    // FIN, or bytes still travelling the other way would be cut off.
    socket.allowHalfOpen = true;
    socket.setNoDelay(true);
    socket.on('error', abort);
    socket.once('close', () => onClose(socket));
  }
  // Both were paused since their SOCKS5 reply; early bytes (unshifted) come out first.
  initiator.resume();
  target.resume();
  return { stop: abort };
}

function pump(from: Socket, to: Socket, bytesPerSecond: number): Pump {
  const bucket = bytesPerSecond > 0 ? new TokenBucket(bytesPerSecond) : undefined;
  let bytes = 0;
  let isWaitingForDrain = false;
  let throttle: NodeJS.Timeout | undefined;
  const resumeIfClear = (): void => {
    if (!isWaitingForDrain && throttle === undefined) from.resume();
  };
  from.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (!to.write(chunk)) {
      isWaitingForDrain = true;
      from.pause();
    }
    if (bucket) {
      const waitMs = bucket.take(chunk.length);
      if (waitMs > 0) {
        from.pause();
        throttle = setTimeout(() => {
          throttle = undefined;
          resumeIfClear();
        }, waitMs);
      }
    }
  });
  to.on('drain', () => {
    isWaitingForDrain = false;
    resumeIfClear();
  });
  from.once('end', () => to.end());
  return {
    get bytes() {
      return bytes;
    },
    dispose() {
      clearTimeout(throttle);
    },
  };
}
