// The console's login: a JID and the account's XMPP password, checked the way SASL PLAIN checks
// one — re-derived through the stored SCRAM salt and iterations and compared with the stored key
// in constant time; no password is ever stored. Throttled like XMPP logins (per address and per
// account, waits before the check, stream/auth-throttle.ts). An unknown account, an account that
// is not an administrator and a wrong password take the same work and get the same answer.
import { randomBytes } from 'node:crypto';
import { Jid } from '@ferry/protocol/jid';
import { fakeScramCredentials, verifyPassword, type ScramCredentials } from '../../auth/scram.js';
import type { AccountStore } from '../../storage/types.js';
import { LoginThrottle } from '../../stream/auth-throttle.js';
import { apiErrors } from './api-errors.js';

export interface AdminLoginOptions {
  accounts: Pick<AccountStore, 'scramCredentials'>;
  /** Prepared bare JIDs. */
  admins: ReadonlySet<string>;
  /** The iterations unknown accounts pretend to have (scram_iterations). */
  iterations: number;
  throttle: { baseDelayMs: number; accountFailures: number; windowMs: number };
}

export type AdminLogin = (jid: string, password: string, address: string) => Promise<string>;

/**
 * Returns the check: resolves to the administrator's bare JID.
 * @throws ApiError login_failed (401), too_many_attempts (429)
 */
export function adminLogin(options: AdminLoginOptions): AdminLogin {
  const throttle = new LoginThrottle(options.throttle);
  const fakeSecret = randomBytes(32);
  return async (given, password, address) => {
    const jid = Jid.tryParse(given)?.bare();
    // Another domain's or a malformed JID is still charged to a name, so guessing costs the same.
    const name = jid?.toString() ?? given;
    let attempt;
    try {
      attempt = await throttle.admit(address, name);
    } catch {
      throw apiErrors.throttled();
    }
    let isValid = false;
    try {
      const isAdmin = jid !== undefined && options.admins.has(jid.toString());
      const stored = isAdmin ? await storedCredentials(options.accounts, jid.local) : undefined;
      const credentials = stored ?? fakeScramCredentials(name, 'SHA-256', fakeSecret, options.iterations);
      isValid = (await verifyPassword(password, credentials)) && stored !== undefined;
    } catch (error) {
      attempt.abandoned();
      throw error;
    }
    if (!isValid || jid === undefined) {
      attempt.failed();
      throw apiErrors.loginFailed();
    }
    attempt.succeeded();
    return jid.toString();
  };
}

async function storedCredentials(
  accounts: AdminLoginOptions['accounts'],
  username: string,
): Promise<ScramCredentials | undefined> {
  return (await accounts.scramCredentials(username, 'SHA-256')) ?? (await accounts.scramCredentials(username, 'SHA-1'));
}
