// Account names, the same on every backend: prepared (lowercase + NFKC, like the SASL layer) and
// valid as the localpart of a JID (RFC 7622 §3.3.1).
import { prepareUsername } from '../../auth/saslprep.js';
import { InvalidUsernameError } from '../types.js';

// RFC 7622 §3.3.1: characters a localpart may not contain, plus whitespace and controls.
const FORBIDDEN_IN_LOCALPART = /["&'/:<>@\s\p{Cc}]/u;
const MAX_LOCALPART_BYTES = 1023;

/** The username as stored by `create`: prepared, and checked. */
export function accountName(username: string): string {
  const prepared = prepareUsername(username);
  if (prepared === '') throw new InvalidUsernameError(username, 'empty');
  if (FORBIDDEN_IN_LOCALPART.test(prepared)) throw new InvalidUsernameError(username, 'contains a forbidden character');
  if (Buffer.byteLength(prepared) > MAX_LOCALPART_BYTES) throw new InvalidUsernameError(username, 'too long');
  return prepared;
}
