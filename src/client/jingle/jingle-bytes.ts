// The bytes of a Jingle file transfer, whichever transport carries them (SOCKS5 or IBB): the same
// progress, stall watch, size and SHA-256 checks on both sides as the SI path.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Jid } from '../../protocol/jid.js';
import type { JingleFile } from '../../protocol/payloads/jingle-ft.js';
import type { AcceptOptions } from '../file-offer.js';
import type { TransferResult } from '../outgoing-transfer.js';
import { ProgressMeter, type Progress } from '../progress.js';
import { StallWatch, stalledError } from '../stall-watch.js';
import { TransferError } from '../transfer-error.js';
import type { BytestreamMethod, IncomingBytestream, OutgoingBytestream } from '../transports/bytestream.js';
import type { JingleOffer } from './jingle-offer.js';
import { withTimeout, type DescribedFile } from './jingle-util.js';

export interface ReceiveBytes {
  offer: JingleOffer;
  stream: IncomingBytestream;
  method: BytestreamMethod;
  options: AcceptOptions;
  file: JingleFile;
  /** The SHA-256 (hex) of a <checksum/> after the bytes; undefined when none can come. */
  checksum: Promise<string | undefined>;
  stop: AbortSignal;
  stallTimeoutMs: number;
  checksumTimeoutMs: number;
}

/** Reads the file into `options.to` (a path: via .part, renamed once verified) or a writable. */
export async function receiveBytes(input: ReceiveBytes): Promise<TransferResult> {
  const { offer, stream, method, options, file, checksum, stop } = input;
  const part = typeof options.to === 'string' ? `${options.to}.part` : undefined;
  const timeoutMs = options.stallTimeoutMs ?? input.stallTimeoutMs;
  const stall = new StallWatch(timeoutMs, () => stalledError(timeoutMs, 'from', offer.from.toString()));
  const meter = new ProgressMeter({
    offset: 0,
    total: offer.size,
    method,
    hash: createHash('sha256'),
    report: (progress) => offer.emit('progress', progress),
    onChunk: () => stall.touch(),
  });
  const output = part ? createWriteStream(part) : (options.to as Writable);
  const signals = [stall.signal, stop, ...(options.signal ? [options.signal] : [])];
  try {
    await pipeline(stream.readable, meter, output, { signal: AbortSignal.any(signals) });
  } catch (error) {
    const aborted = signals.find((signal) => signal.aborted);
    const reason = aborted ? (aborted.reason as Error) : error;
    stream.abort(reason as Error);
    throw reason;
  } finally {
    stall.stop();
  }
  if (offer.size !== undefined && meter.bytes !== offer.size) {
    throw new TransferError(
      'FERRY_ERR_SIZE_MISMATCH',
      `received ${meter.bytes} of ${offer.size} bytes of ${offer.name}`,
    );
  }
  const digest = meter.digest()!;
  const expected =
    offer.sha256 ??
    (file.hashesUsed.includes('sha-256')
      ? await withTimeout(checksum, input.checksumTimeoutMs, 'no <checksum/> after the bytes')
      : undefined);
  if (expected !== undefined && expected !== digest) {
    throw new TransferError(
      'FERRY_ERR_HASH_MISMATCH',
      `${offer.name}: SHA-256 ${digest} does not match the offered ${expected}`,
    );
  }
  if (part) await rename(part, options.to as string);
  return { sid: offer.sid, method, bytes: meter.bytes, offset: 0, sha256: digest };
}

export interface SendBytes {
  stream: OutgoingBytestream;
  method: BytestreamMethod;
  peer: Jid;
  file: DescribedFile;
  source: string | Readable;
  progress(progress: Progress): void;
  /** Our caller's abort and the session's end together. */
  signal: AbortSignal;
  /** The peer's terminate alone (its reason wins over the pipeline's). */
  sessionEnd: AbortSignal;
  stallTimeoutMs: number;
}

/** Writes the file into the bytestream and ends it; resolves with the SHA-256 (hex) of what was sent. */
export async function sendBytes(input: SendBytes): Promise<string> {
  const { stream, method, peer, file, source, signal, sessionEnd } = input;
  const readable = typeof source === 'string' ? createReadStream(source) : source;
  const timeoutMs = input.stallTimeoutMs;
  const stall = new StallWatch(timeoutMs, () => stalledError(timeoutMs, 'to', peer.toString()));
  const meter = new ProgressMeter({
    offset: 0,
    total: file.size,
    method,
    hash: createHash('sha256'),
    report: input.progress,
    onChunk: () => stall.touch(),
  });
  try {
    await pipeline(readable, meter, stream.writable, { signal: AbortSignal.any([signal, stall.signal]) });
  } catch (error) {
    // The peer's terminate, our caller's abort (its reason, not the pipeline's AbortError), a
    // stall, or the receiver closing the bytestream (IBB <close/>, SOCKS5 reset).
    const reason = sessionEnd.aborted
      ? (sessionEnd.reason as Error)
      : signal.aborted
        ? (signal.reason as Error)
        : stall.signal.aborted
          ? (stall.signal.reason as Error)
          : (error as { code?: string }).code === 'FERRY_ERR_CANCELLED'
            ? new TransferError('FERRY_ERR_CANCELLED_BY_PEER', 'the transfer was cancelled by the receiver', {
                cause: error,
              })
            : (error as Error);
    stream.abort(reason);
    throw reason;
  } finally {
    stall.stop();
  }
  if (meter.bytes !== file.size) {
    throw new TransferError(
      'FERRY_ERR_SIZE_MISMATCH',
      `the source gave ${meter.bytes} bytes, the offer said ${file.size}`,
    );
  }
  return meter.digest()!;
}
