// SCRAM credentials as every backend stores them: one set per hash (RFC 5802 §3 salted keys,
// RFC 7677 for SHA-256), each with its own salt. The password itself is never kept.
import {
  DEFAULT_SCRAM_ITERATIONS,
  SCRAM_HASHES,
  deriveScramCredentialsAsync,
  type ScramCredentials,
} from '../../auth/scram.js';

/** The iteration count a backend derives new credentials with; fails at open, not at the first `adduser`. */
export function scramIterationsOption(iterations: number | undefined): number {
  const value = iterations ?? DEFAULT_SCRAM_ITERATIONS;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`scramIterations must be a positive integer, got ${value}`);
  }
  return value;
}

/** PBKDF2 runs on the thread pool, so in-band registration does not stall other streams. */
export function deriveAllScramCredentials(password: string, iterations: number): Promise<ScramCredentials[]> {
  return Promise.all(SCRAM_HASHES.map((hash) => deriveScramCredentialsAsync(password, hash, { iterations })));
}

/** Callers get their own Buffers: nothing they do can alter what is stored. */
export function copyScramCredentials(credentials: ScramCredentials): ScramCredentials {
  return {
    hash: credentials.hash,
    salt: Buffer.from(credentials.salt),
    iterations: credentials.iterations,
    storedKey: Buffer.from(credentials.storedKey),
    serverKey: Buffer.from(credentials.serverKey),
  };
}
