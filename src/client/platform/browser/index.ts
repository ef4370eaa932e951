// The platform seam, the browser's side: the same names as platform/index.ts, made of what a
// browser has (crypto.getRandomValues, setTimeout) and of small, well-kept packages: `events`
// (the emitter xmpp.js itself uses), `readable-stream` (Node's streams as a package, so the
// protocol core keeps one stream model) and `@noble/hashes` (streaming digests; WebCrypto has
// none, and no MD5). Files are File/Blob here (browser/blob-stream.ts): a file path is an error.
import { EventEmitter as BrowserEmitter } from 'events';
import * as streams from 'readable-stream';
import type * as NodeEvents from 'node:events';
import type * as NodeFs from 'node:fs';
import type * as NodeFsPromises from 'node:fs/promises';
import type * as NodeStream from 'node:stream';
import type * as NodeStreamPromises from 'node:stream/promises';
import { TransferError } from '../../transfer-error.js';
export { createHash, randomHex } from './crypto.js';
export { basename, dirname } from './path.js';
export { dial, tlsOptionsFor } from './dial.js';
export { http, https } from './http.js';
export { DirectListener, connectSocks5 } from './socks5.js';

declare const __FERRY_VERSION__: string | undefined;
/** Set by the bundler (scripts/bundle-check.ts defines it); a bundle that does not says so. */
export const FERRY_VERSION: string = typeof __FERRY_VERSION__ === 'string' ? __FERRY_VERSION__ : 'unknown';

/** Browsers cannot look up SRV records: connect() needs a WebSocket `service`. */
export function resolveSrv(): Promise<never> {
  return Promise.reject(new TransferError('FERRY_ERR_DNS', 'a browser cannot look up SRV records: pass service'));
}
import type { RefreshableTimeout } from '../contract.js';
export type { HashAlgorithm, RefreshableTimeout, StreamingHash } from '../contract.js';

/** Browsers' timers have no refresh(): a new one replaces the old. */
export function refreshableTimeout(callback: () => void, ms: number): RefreshableTimeout {
  let timer = setTimeout(callback, ms);
  return {
    refresh() {
      clearTimeout(timer);
      timer = setTimeout(callback, ms);
    },
    clear: () => clearTimeout(timer),
  };
}
export type { TransformCallback } from 'node:stream';

// The types stay Node's, so the core type-checks once; what runs is the packages' code.
export const EventEmitter = BrowserEmitter as unknown as typeof NodeEvents.EventEmitter;
export const Readable = streams.Readable as unknown as typeof NodeStream.Readable;
export const Writable = streams.Writable as unknown as typeof NodeStream.Writable;
export const Transform = streams.Transform as unknown as typeof NodeStream.Transform;
export const pipeline = (streams as unknown as { promises: { pipeline: unknown } }).promises
  .pipeline as unknown as typeof NodeStreamPromises.pipeline;

export function setImmediate(callback: () => void): void {
  setTimeout(callback, 0);
}

function noFiles(what: string): TransferError {
  return new TransferError(
    'FERRY_ERR_TARGET_NOT_WRITABLE',
    `${what}: a browser has no file paths; pass a File/Blob (fileSource) or a stream (blobSink)`,
  );
}

const pathsUnavailable = (what: string) => (): never => {
  throw noFiles(what);
};
const rejectPaths = (what: string) => (): Promise<never> => Promise.reject(noFiles(what));

export const createReadStream = pathsUnavailable('reading a file') as unknown as typeof NodeFs.createReadStream;
export const createWriteStream = pathsUnavailable('writing a file') as unknown as typeof NodeFs.createWriteStream;
export const constants = { W_OK: 2 } as typeof NodeFs.constants;
export const access = rejectPaths('checking a folder') as unknown as typeof NodeFsPromises.access;
export const readFile = rejectPaths('reading a file') as unknown as typeof NodeFsPromises.readFile;
export const rename = rejectPaths('renaming a file') as unknown as typeof NodeFsPromises.rename;
export const rm = rejectPaths('removing a file') as unknown as typeof NodeFsPromises.rm;
export const stat = rejectPaths('reading a file') as unknown as typeof NodeFsPromises.stat;
