// What the client library needs from its host beyond the language itself, as types both
// platforms implement: platform/index.ts (Node) and platform/browser/index.ts (browsers). HTTP is
// a seam of its own (http-contract.ts), so that these primitives depend on nothing in the library.

/** A digest fed chunk by chunk: no file is ever held whole to hash it. */
export interface StreamingHash {
  update(data: Uint8Array | string): StreamingHash;
  digest(encoding: 'hex' | 'base64'): string;
}

/** A timeout that can be pushed back without a new timer per call (a stall watch per chunk). */
export interface RefreshableTimeout {
  refresh(): void;
  clear(): void;
}

/** md5 for XEP-0096, sha1 for caps and SOCKS5 DST.ADDR, sha256 for Jingle and uploads. */
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256';
