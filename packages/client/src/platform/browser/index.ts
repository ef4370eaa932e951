// The platform seam, the browser's side: the same names as platform/index.ts, made of what a
// browser has (crypto.getRandomValues, setTimeout, WebSocket) and of small, well-kept packages:
// `events` (the emitter xmpp.js itself uses), `readable-stream` (Node's streams as a package, so
// the protocol core keeps one stream model) and `@noble/hashes` (streaming digests; WebCrypto has
// none, and no MD5). Files are File/Blob here (blob-stream.ts): passing a file path is a
// programmer error and throws a TypeError.
import { EventEmitter as BrowserEmitter } from 'events';
import * as streams from 'readable-stream';
import type * as NodeEvents from 'node:events';
import type * as NodeFs from 'node:fs';
import type * as NodeFsPromises from 'node:fs/promises';
import type * as NodeStream from 'node:stream';
import type * as NodeStreamPromises from 'node:stream/promises';
import { TransferError } from '../../transfer-error.js';
import type { RefreshableTimeout } from '../contract.js';

export { createHash, randomHex } from './crypto.js';
export { basename, dirname } from './path.js';
export { DirectListener, connectSocks5 } from './socks5.js';
export type { HashAlgorithm, RefreshableTimeout, StreamingHash } from '../contract.js';
export type { TransformCallback } from 'node:stream';

// The types stay Node's, so the core type-checks once; what runs is the packages' code.
export const EventEmitter = BrowserEmitter as unknown as typeof NodeEvents.EventEmitter;
export const Readable = streams.Readable as unknown as typeof NodeStream.Readable;
export const Writable = streams.Writable as unknown as typeof NodeStream.Writable;
export const Transform = streams.Transform as unknown as typeof NodeStream.Transform;
// readable-stream has stream/promises as a getter its typings do not declare.
export const pipeline = (streams as unknown as { promises: { pipeline: unknown } }).promises
  .pipeline as typeof NodeStreamPromises.pipeline;

declare const __FERRY_VERSION__: string | undefined;
/** Defined by the bundler (scripts/bundle-check.ts does); a bundle that does not says so. */
export const FERRY_VERSION: string = typeof __FERRY_VERSION__ === 'string' ? __FERRY_VERSION__ : 'unknown';

/** Browsers cannot look up SRV records: connect() needs a WebSocket `service`. */
export function resolveSrv(): Promise<never> {
  return Promise.reject(new TransferError('FERRY_ERR_DNS', 'a browser cannot look up SRV records: pass service'));
}

export function setImmediate(callback: () => void): void {
  setTimeout(callback, 0);
}

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

function noPaths(what: string): TypeError {
  return new TypeError(`${what}: a browser has no file paths; send a File/Blob (fileSource), accept into blobSink()`);
}
const throwsNoPaths = (what: string) => (): never => {
  throw noPaths(what);
};
const rejectsNoPaths = (what: string) => (): Promise<never> => Promise.reject(noPaths(what));

export const createReadStream = throwsNoPaths('reading a file') as unknown as typeof NodeFs.createReadStream;
export const createWriteStream = throwsNoPaths('writing a file') as unknown as typeof NodeFs.createWriteStream;
export const constants = { W_OK: 2 } as typeof NodeFs.constants;
export const access = rejectsNoPaths('checking a folder') as unknown as typeof NodeFsPromises.access;
export const readFile = rejectsNoPaths('reading a file') as unknown as typeof NodeFsPromises.readFile;
export const rename = rejectsNoPaths('renaming a file') as unknown as typeof NodeFsPromises.rename;
export const rm = rejectsNoPaths('removing a file') as unknown as typeof NodeFsPromises.rm;
export const stat = rejectsNoPaths('reading a file') as unknown as typeof NodeFsPromises.stat;
