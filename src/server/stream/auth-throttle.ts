// Password guessing, slowed before the guess is checked (checking first and delaying the answer
// bounds nothing: a new connection is checked at once). Two budgets apply to every attempt:
//
// - per address: each failure from an address doubles the wait before the next attempt from that
//   address may be checked (capped at 10 s), and parallel connections from the address queue
//   behind one another instead of waiting side by side. A success forgives only the failures
//   made against the account that succeeded, so an attacker's own account cannot reset it.
// - per account, across addresses: the same doubling wait, and at most `accountFailures` failures
//   per window; past that (failures and attempts in flight together), attempts for the account
//   fail with temporary-auth-failure unchecked until old failures leave the window. Addresses the
//   account has logged in from (in this process's memory) skip the account budget, so its owner is
//   not locked out by a distributed guesser; they still wait per address.
//
// An attempt whose turn is more than MAX_WAIT_MS away is refused at once (temporary-auth-failure),
// so queues stay short. Unknown usernames are counted like known ones (no account enumeration).
// Tables are bounded (least recently used entries go first) and forget idle entries.
import { SaslFailure } from '@ferry/protocol/errors/sasl-failure';

const MAX_DELAY_MS = 10_000;
const MAX_WAIT_MS = MAX_DELAY_MS;
const FORGET_ADDRESS_AFTER_MS = 10 * 60_000;
const REMEMBER_LOGIN_ADDRESS_MS = 30 * 24 * 3600_000;
const MAX_ENTRIES = 10_000;
const MAX_KNOWN_ADDRESSES = 8;

export interface LoginThrottleOptions {
  /** limits.auth_failure_delay_ms: the first wait, doubled per failure; 0 = no waits. */
  baseDelayMs: number;
  /** limits.max_auth_failures_per_account: failures per window before the account refuses guesses. */
  accountFailures: number;
  /** limits.auth_failure_window_seconds, in ms. */
  windowMs: number;
  /** For tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One attempt, admitted: settle it once with what the check said (or that it never happened). */
export interface LoginAttempt {
  succeeded(): void;
  failed(): void;
  /** The exchange ended before the password was checked (closed, aborted). */
  abandoned(): void;
}

interface AddressEntry {
  failures: number;
  /** Failures per account from this address, so that a success forgives only its own. */
  byAccount: Map<string, number>;
  last: number;
  next: number;
}

interface AccountEntry {
  /** Times of the latest failures (at most `accountFailures` kept). */
  failures: number[];
  inFlight: number;
  next: number;
}

export class LoginThrottle {
  readonly #options: LoginThrottleOptions;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #addresses = new Map<string, AddressEntry>();
  readonly #accounts = new Map<string, AccountEntry>();
  /** account → address → last successful login from it. */
  readonly #known = new Map<string, Map<string, number>>();

  constructor(options: LoginThrottleOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Waits until an attempt for `username` from `address` may be checked.
   * @throws SaslFailure temporary-auth-failure when it may not be checked now.
   */
  async admit(address: string, username: string): Promise<LoginAttempt> {
    const now = this.#now();
    const byAddress = this.#address(address, now);
    const isKnown = this.#isKnown(username, address, now);
    const account = isKnown ? undefined : this.#account(username, now);
    if (account && this.#recentFailures(account, now) + account.inFlight >= this.#options.accountFailures) {
      throw new SaslFailure('temporary-auth-failure', 'too many failed logins for this account; try again later');
    }
    const start = Math.max(now, byAddress?.next ?? 0, account?.next ?? 0);
    if (start - now > MAX_WAIT_MS) {
      throw new SaslFailure('temporary-auth-failure', 'too many failed logins; try again later');
    }
    // The next attempt waits behind this one, by as much as the failures so far ask.
    if (byAddress) byAddress.next = start + this.#delay(byAddress.failures);
    if (account) {
      account.next = start + this.#delay(this.#recentFailures(account, now));
      account.inFlight += 1;
    }
    if (start > now) await this.#sleep(start - now);
    let isSettled = false;
    const settle = (outcome: 'succeeded' | 'failed' | 'abandoned') => {
      if (isSettled) return;
      isSettled = true;
      if (account) account.inFlight -= 1;
      if (outcome === 'failed') this.#failed(address, username, account);
      if (outcome === 'succeeded') this.#succeeded(address, username);
    };
    return {
      succeeded: () => settle('succeeded'),
      failed: () => settle('failed'),
      abandoned: () => settle('abandoned'),
    };
  }

  #delay(failures: number): number {
    if (failures === 0 || this.#options.baseDelayMs === 0) return 0;
    return Math.min(MAX_DELAY_MS, this.#options.baseDelayMs * 2 ** (failures - 1));
  }

  #failed(address: string, username: string, account: AccountEntry | undefined): void {
    const now = this.#now();
    const entry = this.#address(address, now) ?? { failures: 0, byAccount: new Map(), last: now, next: 0 };
    entry.failures += 1;
    entry.last = now;
    entry.next = Math.max(entry.next, now + this.#delay(entry.failures));
    if (entry.byAccount.size < MAX_ENTRIES || entry.byAccount.has(username)) {
      entry.byAccount.set(username, (entry.byAccount.get(username) ?? 0) + 1);
    }
    touch(this.#addresses, address, entry);
    // A known address's failures count against the account too (its owner's typos, or a guesser
    // behind the same address), though they are not refused by the account budget.
    const target = account ?? this.#account(username, now);
    target.failures.push(now);
    if (target.failures.length > this.#options.accountFailures) target.failures.shift();
    target.next = Math.max(target.next, now + this.#delay(this.#recentFailures(target, now)));
    touch(this.#accounts, username, target);
  }

  #succeeded(address: string, username: string): void {
    const entry = this.#addresses.get(address);
    const own = entry?.byAccount.get(username);
    if (entry && own !== undefined) {
      entry.failures -= own;
      entry.byAccount.delete(username);
      if (entry.failures <= 0) this.#addresses.delete(address);
    }
    const known = this.#known.get(username) ?? new Map<string, number>();
    known.delete(address);
    known.set(address, this.#now());
    if (known.size > MAX_KNOWN_ADDRESSES) known.delete(known.keys().next().value!);
    touch(this.#known, username, known);
  }

  /** The address's entry if it has failures that are not forgotten yet. */
  #address(address: string, now: number): AddressEntry | undefined {
    const entry = this.#addresses.get(address);
    if (entry && now - entry.last > FORGET_ADDRESS_AFTER_MS && now >= entry.next) {
      this.#addresses.delete(address);
      return undefined;
    }
    return entry;
  }

  #account(username: string, now: number): AccountEntry {
    const entry = this.#accounts.get(username);
    if (entry) {
      if (entry.inFlight === 0 && this.#recentFailures(entry, now) === 0 && now >= entry.next) {
        this.#accounts.delete(username);
      } else {
        return entry;
      }
    }
    const fresh: AccountEntry = { failures: [], inFlight: 0, next: 0 };
    touch(this.#accounts, username, fresh);
    return fresh;
  }

  #recentFailures(entry: AccountEntry, now: number): number {
    while (entry.failures.length > 0 && now - entry.failures[0]! >= this.#options.windowMs) entry.failures.shift();
    return entry.failures.length;
  }

  #isKnown(username: string, address: string, now: number): boolean {
    const at = this.#known.get(username)?.get(address);
    return at !== undefined && now - at < REMEMBER_LOGIN_ADDRESS_MS;
  }
}

/** (Re)inserts as most recently used; drops the least recently used past MAX_ENTRIES. */
function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}
