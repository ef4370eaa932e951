// The bytes of a Jingle file transfer, whichever transport carries them (SOCKS5 or IBB): the same
// progress, stall watch, size and SHA-256 checks on both sides as the SI path, and XEP-0234 §4
// ranges (resume) as SI's <range offset/>: the receiver appends to NAME.part and hashes its prefix.
import { createHash, createReadStream, createWriteStream, rename, pipeline } from '../platform/index.js';
import { base64ToHex } from '@ferry/protocol/bytes';
import type { Readable, Writable } from 'node:stream';
import type { Jid } from '@ferry/protocol/jid';
import type { JingleFile } from '@ferry/protocol/payloads/jingle-ft';
import type { AcceptOptions } from '../file-offer.js';
import type { TransferResult } from '../outgoing-transfer.js';
import { ProgressMeter, type Progress } from '../progress.js';
import { StallWatch, stalledError } from '../stall-watch.js';
import { TransferError } from '../transfer-error.js';
import type { BytestreamMethod, IncomingBytestream, OutgoingBytestream } from '../transports/bytestream.js';
import type { JingleOffer } from './jingle-offer.js';
import { raceAbort, withTimeout } from './jingle-util.js';
import type { DescribedFile } from './described-file.js';

/**
 * How long a side whose bytestream broke or ended short, with nobody here aborting, waits for the
 * peer's session-terminate: it is often right behind (a SOCKS5 reset overtakes the XMPP stanza;
 * an IBB <close/> follows the terminate but is handled first), and its reason is what happened.
 */
const PEER_REASON_GRACE_MS = 2_000;

/** The session's end (the peer's terminate) if it comes within the grace, else undefined. */
export function peerEnding(sessionEnd: AbortSignal): Promise<Error | undefined> {
  if (sessionEnd.aborted) return Promise.resolve(sessionEnd.reason as Error);
  return new Promise((resolve) => {
    const onEnd = () => {
      clearTimeout(timer);
      resolve(sessionEnd.reason as Error);
    };
    const timer = setTimeout(() => {
      sessionEnd.removeEventListener('abort', onEnd);
      resolve(undefined);
    }, PEER_REASON_GRACE_MS);
    sessionEnd.addEventListener('abort', onEnd, { once: true });
  });
}

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
  /** XEP-0234 §4 <range offset/> we asked for: the bytes before it are already at `options.to`. */
  offset: number;
}

/** Reads the file into `options.to` (a path: via .part, renamed once verified) or a writable. */
export async function receiveBytes(input: ReceiveBytes): Promise<TransferResult> {
  const { offer, stream, method, options, file, checksum, stop, offset } = input;
  const part = typeof options.to === 'string' ? `${options.to}.part` : undefined;
  const timeoutMs = options.stallTimeoutMs ?? input.stallTimeoutMs;
  const stall = new StallWatch(timeoutMs, () => stalledError(timeoutMs, 'from', offer.from.toString()));
  // The SHA-256 covers the whole file: checkable from the start, or with the .part prefix at hand
  // (a Writable resumed at an offset holds the start elsewhere: then only the size is checked).
  const hash = offset === 0 || part ? createHash('sha256') : undefined;
  if (hash && part && offset > 0) {
    for await (const chunk of createReadStream(part, { start: 0, end: offset - 1 })) hash.update(chunk as Buffer);
  }
  // (meter.bytes counts the file from its start: the resumed offset included.)
  const meter = new ProgressMeter({
    offset,
    total: offer.size,
    method,
    ...(hash ? { hash } : {}),
    report: (progress) => offer.emit('progress', progress),
    onChunk: () => stall.touch(),
  });
  const output = part
    ? createWriteStream(part, offset > 0 ? { flags: 'r+', start: offset } : {})
    : (options.to as Writable);
  const signals = [stall.signal, stop, ...(options.signal ? [options.signal] : [])];
  try {
    await pipeline(stream.readable, meter, output, { signal: AbortSignal.any(signals) });
  } catch (error) {
    stall.stop();
    const aborted = signals.find((signal) => signal.aborted);
    const reason = aborted ? (aborted.reason as Error) : ((await peerEnding(stop)) ?? (error as Error));
    stream.abort(reason);
    throw reason;
  } finally {
    stall.stop();
  }
  if (offer.size !== undefined && meter.bytes !== offer.size) {
    // A sender that cancelled ends the bytestream too: its terminate says so, not the size.
    const ended = options.signal?.aborted ? undefined : await peerEnding(stop);
    if (ended) throw ended;
    throw new TransferError(
      'FERRY_ERR_SIZE_MISMATCH',
      `received ${meter.bytes} of ${offer.size} bytes of ${offer.name}`,
    );
  }
  const digest = meter.digest();
  // Our own abort and the session's end still count while the <checksum/> is awaited.
  const waiting = AbortSignal.any([stop, ...(options.signal ? [options.signal] : [])]);
  const expected =
    offer.sha256 ??
    (file.hashesUsed.includes('sha-256')
      ? await withTimeout(raceAbort(checksum, waiting), input.checksumTimeoutMs, 'no <checksum/> after the bytes')
      : undefined);
  if (digest !== undefined && expected !== undefined && expected !== digest) {
    throw new TransferError(
      'FERRY_ERR_HASH_MISMATCH',
      `${offer.name}: SHA-256 ${digest} does not match the offered ${expected}`,
    );
  }
  if (part) await rename(part, options.to as string);
  return {
    sid: offer.sid,
    method,
    bytes: meter.bytes - offset,
    offset,
    ...(digest !== undefined ? { sha256: digest } : {}),
  };
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
  /** The receiver's <range offset/> (a file path only): the bytes before it are not sent. */
  offset: number;
}

/** Writes the file (from `offset`) into the bytestream and ends it; resolves with the file's SHA-256 (hex). */
export async function sendBytes(input: SendBytes): Promise<string> {
  const { stream, method, peer, file, source, signal, sessionEnd, offset } = input;
  const readable = typeof source === 'string' ? createReadStream(source, { start: offset }) : source;
  const timeoutMs = input.stallTimeoutMs;
  const stall = new StallWatch(timeoutMs, () => stalledError(timeoutMs, 'to', peer.toString()));
  const meter = new ProgressMeter({
    offset,
    total: file.size,
    method,
    hash: createHash('sha256'),
    report: input.progress,
    onChunk: () => stall.touch(),
  });
  try {
    await pipeline(readable, meter, stream.writable, { signal: AbortSignal.any([signal, stall.signal]) });
  } catch (error) {
    stall.stop();
    // The peer's terminate, our caller's abort (its reason, not the pipeline's AbortError), a
    // stall, or the receiver closing the bytestream (IBB <close/>, SOCKS5 reset), whose terminate
    // may follow: then its reason wins, and the session has ended without a terminate of ours.
    if (!signal.aborted && !stall.signal.aborted) await peerEnding(sessionEnd);
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
  // A resumed path: the offer carried the whole file's SHA-256, computed before.
  const whole = file.jingle.hashes.find((hash) => hash.algo === 'sha-256');
  return offset > 0 && whole ? base64ToHex(whole.value) : meter.digest()!;
}
