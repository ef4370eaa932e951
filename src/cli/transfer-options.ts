// The liveness options `ferry send` and `ferry receive` share (issue 11 #10): how long a transfer
// may move no byte before it is cancelled, and how often the server is pinged so that a server
// that vanished is noticed while we wait (for an answer, an ack, or an offer).
import type { Command } from 'commander';
import { DEFAULT_STALL_TIMEOUT_MS } from '@ferry/client/internal/stall-watch';
import { usageError } from './cli-error.js';

export interface TransferFlags {
  stallTimeout: string;
  keepalive: string;
}

export function addTransferOptions(command: Command): Command {
  return command
    .option(
      '--stall-timeout <seconds>',
      'cancel a transfer when no data moved for this long, telling the other side',
      String(DEFAULT_STALL_TIMEOUT_MS / 1000),
    )
    .option('--keepalive <seconds>', 'how often to check that the server is still there', '10');
}

/** The flags in milliseconds; a bad value is a usage error, found before any login. */
export function checkTransferFlags(flags: TransferFlags): { stallTimeoutMs: number; keepaliveMs: number } {
  const stallTimeoutMs = Number(flags.stallTimeout) * 1000;
  if (!Number.isFinite(stallTimeoutMs) || stallTimeoutMs < 100 || stallTimeoutMs > 86_400_000) {
    throw usageError(`--stall-timeout must be a number of seconds (0.1 ≤ S ≤ 86400), not ${flags.stallTimeout}`);
  }
  const keepaliveMs = Number(flags.keepalive) * 1000;
  if (!Number.isFinite(keepaliveMs) || keepaliveMs < 100 || keepaliveMs > 86_400_000) {
    throw usageError(`--keepalive must be a number of seconds (at least 0.1), not ${flags.keepalive}`);
  }
  return { stallTimeoutMs, keepaliveMs };
}
