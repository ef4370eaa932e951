// Shared bytes for the SOCKS5 tests: the XEP-0065 handshake written out octet by octet.
import { dstAddrHash } from '@ferry/protocol/socks5/hash';

/** Hex with optional spaces → bytes, so tests read like the RFC 1928 diagrams. */
export function bytes(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

export const SID = 'mySID';
export const REQUESTER = 'requester@example.com/foo';
export const TARGET = 'target@example.org/bar';
export const HASH = dstAddrHash(SID, REQUESTER, TARGET);
const HASH_HEX = Buffer.from(HASH, 'latin1').toString('hex');

// RFC 1928 §3: VER=05 NMETHODS=01 METHODS=00 (no authentication).
export const GREETING = bytes('05 01 00');
// RFC 1928 §3: VER=05 METHOD=00.
export const SELECTION = bytes('05 00');
// RFC 1928 §4 / XEP-0065 §10.2: VER=05 CMD=01 RSV=00 ATYP=03 LEN=28 DST.ADDR=<hash> DST.PORT=0000.
export const REQUEST = bytes(`05 01 00 03 28 ${HASH_HEX} 00 00`);
// RFC 1928 §6 / XEP-0065 §5.3.2: VER=05 REP=00 RSV=00 ATYP=03 LEN=28 BND.ADDR=<hash> BND.PORT=0000.
export const REPLY_OK = bytes(`05 00 00 03 28 ${HASH_HEX} 00 00`);

/** A request or reply (same layout) for another DST.ADDR / REP. */
export function addressed(code: number, host: string, port = 0): Buffer {
  const head = Buffer.from([0x05, code, 0x00, 0x03, host.length]);
  const tail = Buffer.alloc(2);
  tail.writeUInt16BE(port, 0);
  return Buffer.concat([head, Buffer.from(host, 'latin1'), tail]);
}

/** Deterministic PRNG (mulberry32) so random splits are reproducible from the seed in a failure. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts `data` into chunks at random points (1..maxCuts cuts, empty chunks allowed). */
export function randomSplit(data: Buffer, random: () => number, maxCuts: number): Buffer[] {
  const cuts = Math.floor(random() * maxCuts) + 1;
  const points = Array.from({ length: cuts }, () => Math.floor(random() * (data.length + 1))).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(data.subarray(start, point));
    start = point;
  }
  chunks.push(data.subarray(start));
  return chunks;
}
