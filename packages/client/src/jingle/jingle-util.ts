// Small pieces the Jingle sender and receiver share: file description, the errors and reasons the
// SI path also uses, and promise helpers (deferred, timeouts, aborts).
import { createHash, createReadStream, stat, basename } from '../platform/index.js';
import type { Readable } from 'node:stream';
import type { Jid } from '@ferry/protocol/jid';
import type { JingleContent, JingleReason } from '@ferry/protocol/payloads/jingle';
import {
  decodeJingleFtDescription,
  decodeJingleFtInfo,
  encodeJingleReceived,
  jingleFtReasons,
  type JingleFile,
} from '@ferry/protocol/payloads/jingle-ft';
import type { DescribedFile } from './described-file.js';
import { sha256Hash } from '@ferry/protocol/payloads/file-metadata';
import type { Element } from '@ferry/protocol/xml/element';
import type { SendOptions } from '../outgoing-transfer.js';
import { TransferError } from '../transfer-error.js';
import type { SessionOutput } from './session-machine.js';

/** §6.8: the session-info payloads we understand (XEP-0234 §8 checksum and received). */
export function isKnownInfo(payload: Element): boolean {
  try {
    return decodeJingleFtInfo(payload) !== undefined;
  } catch {
    return false;
  }
}

export function received(content: JingleContent): Element {
  return encodeJingleReceived({ creator: content.creator, name: content.name });
}

export function declineText(name: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  return code === 'FERRY_ERR_FILE_EXISTS'
    ? `the receiver already has ${name}`
    : code === 'FERRY_ERR_TARGET_NOT_WRITABLE'
      ? `the receiver cannot save ${name} (its folder is not writable)`
      : `the receiver could not accept ${name}`;
}

/** The sender's error for a session the peer ended: the same codes the SI path uses. */
export function endedError(peer: Jid, name: string, output: Extract<SessionOutput, { kind: 'ended' }>): TransferError {
  const who = peer.toString();
  if (output.error) {
    const condition = output.error.condition;
    if (condition === 'item-not-found' || condition === 'recipient-unavailable') {
      return new TransferError('FERRY_ERR_PEER_OFFLINE', `${who} is not online (${condition})`, {
        cause: output.error,
      });
    }
    return new TransferError('FERRY_ERR_PEER_UNSUPPORTED', `${who} refused the Jingle offer (${condition})`, {
      cause: output.error,
    });
  }
  const text = output.reason?.text ? `: ${output.reason.text}` : '';
  switch (output.reason?.condition) {
    case 'decline':
    case 'busy':
      return new TransferError('FERRY_ERR_DECLINED', `${who} declined ${name}${text}`);
    case 'media-error':
      return new TransferError('FERRY_ERR_HASH_MISMATCH', `${who} received ${name} damaged${text}`);
    case 'timeout':
      return new TransferError('FERRY_ERR_TIMEOUT', `${who} gave up waiting${text}`);
    case 'unsupported-applications':
    case 'unsupported-transports':
    case 'incompatible-parameters':
      return new TransferError('FERRY_ERR_NO_COMMON_METHOD', `${who} cannot take ${name} this way${text}`);
    default:
      return new TransferError(
        'FERRY_ERR_CANCELLED_BY_PEER',
        `the transfer was cancelled by the receiver (${output.reason?.condition ?? 'no reason'}${text})`,
      );
  }
}

/** `hashInOffer` false: a path is hashed while it is sent, as a stream is, and the hash follows in a checksum. */
export async function describeFile(
  source: string | Readable,
  options: SendOptions,
  hashInOffer = true,
): Promise<DescribedFile> {
  const date = options.date instanceof Date ? options.date.toISOString() : options.date;
  let name: string;
  let size: number;
  let modified: string | undefined = date;
  const hashes = [];
  if (typeof source === 'string') {
    const info = await stat(source);
    if (!info.isFile()) throw new TypeError(`${source} is not a regular file`);
    name = options.name ?? basename(source);
    size = info.size;
    modified ??= info.mtime.toISOString();
    if (hashInOffer) {
      const digest = createHash('sha256');
      for await (const chunk of createReadStream(source)) digest.update(chunk as Buffer);
      hashes.push(sha256Hash(digest.digest('hex')));
    }
  } else {
    if (options.size === undefined) throw new TypeError('sending a stream needs its size');
    name = options.name ?? 'file';
    size = options.size;
  }
  const jingle: JingleFile = {
    name,
    size,
    hashes,
    // §4: an empty <range/> in the offer says ranged transfers (resume) are supported: a path can
    // be read from any offset, a stream cannot.
    ...(typeof source === 'string' ? { range: { hashes: [] } } : {}),
    hashesUsed: hashes.length === 0 ? ['sha-256'] : [],
    ...(options.mimeType !== undefined ? { mediaType: options.mimeType } : {}),
    ...(modified !== undefined ? { date: modified } : {}),
    // COMPAT: Libervia 0.9 reads <desc/> unconditionally (KeyError 'desc' → failed-application
    // without it); an empty one is valid XEP-0234 and what Gajim and Libervia send themselves.
    desc: options.description ?? '',
  };
  return { name, size, jingle, sendsChecksum: hashes.length === 0 };
}

/** The same file offered with <hash-used/>, its hash sent in a checksum after the bytes (XEP-0234 §8.2). */
export function hashAfterBytes(file: DescribedFile): DescribedFile {
  if (file.jingle.hashes.length === 0) return file;
  return { ...file, jingle: { ...file.jingle, hashes: [], hashesUsed: ['sha-256'] }, sendsChecksum: true };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
  readonly isPending: boolean;
}

export function deferred<T>(): Deferred<T> {
  let isPending = true;
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return {
    promise,
    resolve: (value) => {
      isPending = false;
      resolve(value);
    },
    reject: (error) => {
      isPending = false;
      reject(error);
    },
    get isPending() {
      return isPending;
    },
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransferError('FERRY_ERR_TIMEOUT', message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The reason a receiver ends a session with when receiving failed. */
export function failureReason(error: unknown): JingleReason {
  const code = (error as { code?: string }).code;
  const text = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'FERRY_ERR_HASH_MISMATCH':
      return jingleFtReasons.hashMismatch(text);
    case 'FERRY_ERR_SIZE_MISMATCH':
      return { condition: 'media-error', text };
    case 'FERRY_ERR_TIMEOUT':
      return { condition: 'connectivity-error', text };
    case 'FERRY_ERR_NO_STREAMHOST':
    case 'FERRY_ERR_NO_COMMON_METHOD':
    case 'FERRY_ERR_ACTIVATION':
      return { condition: 'failed-transport', text };
    default:
      return { condition: 'cancel', text };
  }
}

/**
 * XEP-0234 §4: the offset the receiver asked for in its session-accept <range/>, when the offer
 * allowed ranges (a file path); 0 otherwise or when the answer has none.
 */
export function acceptedOffset(file: DescribedFile, answer: Element | undefined): number {
  if (file.jingle.range === undefined || answer === undefined) return 0;
  try {
    const offset = decodeJingleFtDescription(answer).file.range?.offset ?? 0;
    return Math.min(offset, file.size);
  } catch {
    return 0;
  }
}
