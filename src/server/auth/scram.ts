// RFC 5802 §3 (SCRAM-SHA-1) and RFC 7677 (SCRAM-SHA-256): key derivation.
//
// SaltedPassword := Hi(Normalize(password), salt, i)      (PBKDF2, the expensive part)
// ClientKey := HMAC(SaltedPassword, "Client Key");  StoredKey := H(ClientKey)
// ServerKey := HMAC(SaltedPassword, "Server Key")
//
// Only StoredKey and ServerKey are ever stored, which is all a SCRAM login needs: the per-login
// work is a handful of HMACs. PBKDF2 runs once per password change, and once per PLAIN login
// (see verifyPassword, the single place a later cache would go).
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { preparePassword } from './saslprep.js';

export type ScramHash = 'SHA-1' | 'SHA-256';

export interface ScramCredentials {
  hash: ScramHash;
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** Strongest first: the order mechanisms are offered and credentials are preferred in. */
export const SCRAM_HASHES: readonly ScramHash[] = ['SHA-256', 'SHA-1'];

/** RFC 7677 §4: "at least 4096". */
export const DEFAULT_SCRAM_ITERATIONS = 4096;

const SALT_LENGTH = 16;

const DIGEST = {
  'SHA-1': { node: 'sha1', length: 20 },
  'SHA-256': { node: 'sha256', length: 32 },
} as const satisfies Record<ScramHash, { node: string; length: number }>;

const pbkdf2Async = promisify(pbkdf2);

export function isScramHash(value: string): value is ScramHash {
  return Object.hasOwn(DIGEST, value);
}

export function digestLength(hash: ScramHash): number {
  return DIGEST[hash].length;
}

export function hmac(hash: ScramHash, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(DIGEST[hash].node, key).update(data).digest();
}

export function digest(hash: ScramHash, data: Buffer): Buffer {
  return createHash(DIGEST[hash].node).update(data).digest();
}

export function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw new RangeError('xor operands differ in length');
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

function checkIterations(iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new RangeError(`SCRAM iteration count must be a positive integer, got ${iterations}`);
  }
}

/** Hi() of RFC 5802 §2.2 is PBKDF2 with HMAC-H and a dkLen of the digest length. */
export function saltedPassword(password: string, salt: Buffer, iterations: number, hash: ScramHash): Buffer {
  checkIterations(iterations);
  return pbkdf2Sync(preparePassword(password), salt, iterations, DIGEST[hash].length, DIGEST[hash].node);
}

/** Same as saltedPassword but on libuv's thread pool, so a PLAIN login does not block the loop. */
export async function saltedPasswordAsync(
  password: string,
  salt: Buffer,
  iterations: number,
  hash: ScramHash,
): Promise<Buffer> {
  checkIterations(iterations);
  return pbkdf2Async(preparePassword(password), salt, iterations, DIGEST[hash].length, DIGEST[hash].node);
}

export function keysFromSaltedPassword(hash: ScramHash, salted: Buffer): { storedKey: Buffer; serverKey: Buffer } {
  const clientKey = hmac(hash, salted, 'Client Key');
  return { storedKey: digest(hash, clientKey), serverKey: hmac(hash, salted, 'Server Key') };
}

export function deriveScramCredentials(
  password: string,
  hash: ScramHash,
  options: { salt?: Buffer; iterations?: number } = {},
): ScramCredentials {
  const salt = options.salt ?? randomBytes(SALT_LENGTH);
  const iterations = options.iterations ?? DEFAULT_SCRAM_ITERATIONS;
  const keys = keysFromSaltedPassword(hash, saltedPassword(password, salt, iterations, hash));
  return { hash, salt, iterations, ...keys };
}

/** Same as deriveScramCredentials with PBKDF2 on libuv's thread pool: storage sets passwords with it. */
export async function deriveScramCredentialsAsync(
  password: string,
  hash: ScramHash,
  options: { salt?: Buffer; iterations?: number } = {},
): Promise<ScramCredentials> {
  const salt = options.salt ?? randomBytes(SALT_LENGTH);
  const iterations = options.iterations ?? DEFAULT_SCRAM_ITERATIONS;
  const keys = keysFromSaltedPassword(hash, await saltedPasswordAsync(password, salt, iterations, hash));
  return { hash, salt, iterations, ...keys };
}

/**
 * Checks a plaintext password (SASL PLAIN) against stored credentials by re-deriving StoredKey.
 * This is the one place PBKDF2 runs per login; a perf pass can memoise it here, keyed by
 * (credentials, H(password)).
 */
export async function verifyPassword(password: string, credentials: ScramCredentials): Promise<boolean> {
  const { hash, salt, iterations, storedKey } = credentials;
  const salted = await saltedPasswordAsync(password, salt, iterations, hash);
  return constantTimeEqual(keysFromSaltedPassword(hash, salted).storedKey, storedKey);
}

/** timingSafeEqual throws on a length mismatch; lengths are public (fixed per hash) anyway. */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Credentials for an account that does not exist, derived deterministically from the username
 * with a secret, so the salt we announce is stable across attempts and looks like a real one: an
 * attacker cannot tell "no such user" from "wrong password" (RFC 5802 §9 on user enumeration).
 * The keys are random-looking values nobody knows a password for.
 */
export function fakeScramCredentials(
  username: string,
  hash: ScramHash,
  secret: Buffer,
  iterations: number,
): ScramCredentials {
  const derive = (label: string, length: number): Buffer =>
    createHmac('sha256', secret).update(`${label}\0${hash}\0${username}`).digest().subarray(0, length);
  return {
    hash,
    salt: derive('salt', SALT_LENGTH),
    iterations,
    storedKey: derive('stored-key', DIGEST[hash].length),
    serverKey: derive('server-key', DIGEST[hash].length),
  };
}
