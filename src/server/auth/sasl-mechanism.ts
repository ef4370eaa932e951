// RFC 4422 §3: the contract between SASL negotiation and one server mechanism, and what a
// mechanism asks of storage. Types only, in their own file so that sasl.ts (which creates the
// mechanisms) and the mechanisms (which implement the contract) do not import each other.
import type { ScramCredentials, ScramHash } from './scram.js';

export type SaslStep = { kind: 'challenge'; data: Buffer } | { kind: 'success'; username: string; data?: Buffer };

/** One exchange with one client: create a fresh one per <auth/>. step() throws SaslFailure. */
export interface SaslServerMechanism {
  readonly name: string;
  step(message: Buffer): SaslStep | Promise<SaslStep>;
}

export interface CredentialLookup {
  /** `username` is already prepared (prepareUsername: lowercase + NFKC). Storage's AccountStore fits. */
  scramCredentials(username: string, hash: ScramHash): Promise<ScramCredentials | undefined>;
}
