// RFC 6120 §6 / RFC 4422: server-side SASL mechanisms. The stream layer owns the XML
// (<auth/>, <challenge/>, <response/>, base64); a mechanism sees only decoded bytes.
import { randomBytes } from 'node:crypto';
import type { MechanismContext } from './mechanism-context.js';
import { PlainServerMechanism } from './plain-mechanism.js';
import type { CredentialLookup, SaslServerMechanism } from './sasl-mechanism.js';
import { DEFAULT_SCRAM_ITERATIONS, type ScramHash } from './scram.js';
import { ScramServerMechanism } from './scram-mechanism.js';

export type { CredentialLookup, SaslServerMechanism, SaslStep } from './sasl-mechanism.js';

export interface MechanismOptions {
  /** TLS is in place: PLAIN is only offered (and accepted) then. */
  isSecure: boolean;
  /** Server nonce source, for tests; defaults to 18 random bytes in base64. */
  nonce?: () => string;
  /** Host domain: lets clients send their bare JID as authzid. */
  domain?: string;
  /** Secret for unknown users' fake salts; defaults to one random secret per process. */
  fakeSaltSecret?: Buffer;
  /** Iteration count shown to unknown users; should match storage's. Default 4096. */
  unknownUserIterations?: number;
  /** Runs before each password check with the prepared username (see MechanismContext.admit). */
  admit?: (username: string) => Promise<void>;
}

const SCRAM_MECHANISMS = { 'SCRAM-SHA-256': 'SHA-256', 'SCRAM-SHA-1': 'SHA-1' } as const satisfies Record<
  string,
  ScramHash
>;

/** Strongest first, as clients tend to pick the first one they support. */
export function offeredMechanisms(isSecure: boolean): string[] {
  const names: string[] = Object.keys(SCRAM_MECHANISMS);
  return isSecure ? [...names, 'PLAIN'] : names;
}

export function createMechanism(
  name: string,
  lookup: CredentialLookup,
  options: MechanismOptions,
): SaslServerMechanism | undefined {
  if (!offeredMechanisms(options.isSecure).includes(name)) return undefined;
  const context: MechanismContext = {
    lookup,
    nonce: options.nonce ?? (() => randomBytes(18).toString('base64')),
    fakeSaltSecret: options.fakeSaltSecret ?? processFakeSaltSecret(),
    unknownUserIterations: options.unknownUserIterations ?? DEFAULT_SCRAM_ITERATIONS,
    domain: options.domain,
    admit: options.admit,
  };
  if (name === 'PLAIN') return new PlainServerMechanism(context);
  const hash = SCRAM_MECHANISMS[name as keyof typeof SCRAM_MECHANISMS];
  return new ScramServerMechanism(hash, context);
}

/**
 * The one piece of process-wide state here, created on first use: fake salts must stay the same
 * across connections (a salt that changes per attempt would itself reveal "no such user"), and a
 * restart rotating it is harmless. Pass `fakeSaltSecret` to make it explicit or survive restarts.
 */
const processFakeSaltSecret = lazily(() => randomBytes(32));

function lazily<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}
