// What every server SASL mechanism needs besides the bytes: resolved once by createMechanism.
import { SaslFailure } from '@ferry/protocol/errors/sasl-failure';
import type { CredentialLookup } from './sasl-mechanism.js';
import { prepareUsername } from './saslprep.js';

export interface MechanismContext {
  lookup: CredentialLookup;
  /** Server nonce for SCRAM: printable ASCII without ",". */
  nonce: () => string;
  /** Keys the fake salts of unknown users; must be stable for the process's lifetime. */
  fakeSaltSecret: Buffer;
  /** Advertised for unknown users; should equal what storage uses for real ones. */
  unknownUserIterations: number;
  /** The host's domain, when known: `user@domain` is then also accepted as an authzid. */
  domain: string | undefined;
  /**
   * Called with the prepared username just before the password is checked; may wait (login
   * throttling) or throw a SaslFailure (temporary-auth-failure), and then nothing is checked.
   */
  admit: ((username: string) => Promise<void>) | undefined;
}

/**
 * RFC 6120 §6.3.8: we only let an account act as itself. An authzid naming anyone else is refused
 * with invalid-authzid rather than silently ignored.
 */
export function checkAuthzid(context: MechanismContext, authzid: string | undefined, username: string): void {
  if (authzid === undefined || authzid === '') return;
  const prepared = prepareUsername(authzid);
  if (prepared === username) return;
  // COMPAT: several clients send their bare JID as authzid, as RFC 6120 §6.3.8 describes.
  if (context.domain !== undefined && prepared === `${username}@${context.domain.toLowerCase()}`) return;
  throw new SaslFailure('invalid-authzid');
}

/** An empty name would bind to the bare domain; reject it like any other malformed request. */
export function prepareAuthcid(authcid: string): string {
  const username = prepareUsername(authcid);
  if (username === '') throw new SaslFailure('malformed-request', 'empty username');
  return username;
}
