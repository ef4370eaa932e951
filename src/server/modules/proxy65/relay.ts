// XEP-0065 §6.3.6: after activation the proxy relays bytes both ways. pipe() gives back-pressure
// (a slow reader pauses the fast writer); a half-close is forwarded after pending bytes are
// flushed, so the last bytes always arrive; an error on either side ends both.
import type { Socket } from 'node:net';

export interface RelayStats {
  /** Bytes the initiator sent to the target, and back. */
  bytesToTarget: number;
  bytesToInitiator: number;
  durationMs: number;
  /** Ended by an error or reset rather than both sides closing normally. */
  isAborted: boolean;
}

export function relay(initiator: Socket, target: Socket, onDone: (stats: RelayStats) => void): void {
  const startedAt = Date.now();
  let bytesToTarget = 0;
  let bytesToInitiator = 0;
  let isAborted = false;
  let closed = 0;
  const count = (direction: 'toTarget' | 'toInitiator') => (chunk: Buffer) => {
    if (direction === 'toTarget') bytesToTarget += chunk.length;
    else bytesToInitiator += chunk.length;
  };
  const abort = () => {
    isAborted = true;
    initiator.destroy();
    target.destroy();
  };
  const onClose = () => {
    closed += 1;
    if (closed === 2) onDone({ bytesToTarget, bytesToInitiator, durationMs: Date.now() - startedAt, isAborted });
    // When one side is gone for good, the other cannot finish its half either.
    else if (initiator.destroyed && !target.writableEnded) target.end();
    else if (target.destroyed && !initiator.writableEnded) initiator.end();
  };
  for (const socket of [initiator, target]) {
    socket.setNoDelay(true);
    socket.on('error', abort);
    socket.once('close', onClose);
  }
  initiator.on('data', count('toTarget'));
  target.on('data', count('toInitiator'));
  initiator.pipe(target);
  target.pipe(initiator);
  initiator.resume();
  target.resume();
}
