// Node's hashing and randomness: node:crypto is native and the fastest there is here.
import { createHash as nodeCreateHash, randomBytes } from 'node:crypto';
import type { HashAlgorithm, StreamingHash } from '../contract.js';

export function createHash(algorithm: HashAlgorithm): StreamingHash {
  return nodeCreateHash(algorithm);
}

/** `bytes` random bytes as lowercase hex: ids, sids, cids. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
