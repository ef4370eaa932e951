// Hashing and randomness in a browser: @noble/hashes digests chunk by chunk (WebCrypto's digest
// wants the whole input at once and has no MD5, which XEP-0096 uses).
import { md5, sha1 } from '@noble/hashes/legacy';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { bytesToBase64 } from '@ferry/protocol/bytes';
import type { HashAlgorithm, StreamingHash } from '../contract.js';

const ALGORITHMS = { md5, sha1, sha256 } as const;

export function createHash(algorithm: HashAlgorithm): StreamingHash {
  const state = ALGORITHMS[algorithm].create();
  const hash: StreamingHash = {
    update(data) {
      state.update(typeof data === 'string' ? utf8ToBytes(data) : data);
      return hash;
    },
    digest(encoding) {
      const bytes = state.digest();
      return encoding === 'hex' ? bytesToHex(bytes) : bytesToBase64(bytes);
    },
  };
  return hash;
}

export function randomHex(bytes: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));
}
