// The platform seam, Node's side: everything the client takes from its host that a browser
// lacks or spells differently. A browser build swaps this one file for browser/index.ts (the
// package's `browser` field; scripts/bundle-check.ts and examples/web/serve.ts do the same), so
// the protocol core imports its host from here and never from `node:*` itself. The Node-only
// parts (TCP/TLS dialling, SRV, node:http(s), SOCKS5 sockets) are reached only through here.
import { promises as dns } from 'node:dns';
import { setImmediate as nodeSetImmediate } from 'node:timers';
import type { RefreshableTimeout } from './contract.js';

export { EventEmitter } from 'node:events';
export { Readable, Writable, Transform, type TransformCallback } from 'node:stream';
export { pipeline } from 'node:stream/promises';
export { createHash, randomHex } from './node/crypto.js';
export { createReadStream, createWriteStream, constants } from 'node:fs';
export { access, readFile, rename, rm, stat } from 'node:fs/promises';
export { basename, dirname } from 'node:path';
export { FERRY_VERSION } from '../version.js';
export { connectSocks5 } from '@ferry/protocol/socks5/connect';
export { DirectListener } from '../transports/socks5/direct-listener.js';
export type { HashAlgorithm, RefreshableTimeout, StreamingHash } from './contract.js';

export function resolveSrv(name: string): Promise<{ name: string; port: number; priority: number; weight: number }[]> {
  return dns.resolveSrv(name);
}

/** Runs `callback` after I/O callbacks already queued (no arguments, no handle). */
export const setImmediate: (callback: () => void) => void = nodeSetImmediate;

/** Node's Timeout#refresh restarts the same timer. */
export function refreshableTimeout(callback: () => void, ms: number): RefreshableTimeout {
  const timer = setTimeout(callback, ms);
  return { refresh: () => void timer.refresh(), clear: () => clearTimeout(timer) };
}
