// Storage contracts: accounts (SCRAM credentials), rosters (RFC 6121 §2) and offline messages.
//
// The interfaces are SYNCHRONOUS on purpose. The embedded backend, better-sqlite3, is synchronous
// and a prepared-statement lookup costs microseconds — less than a promise round trip — and
// synchronous calls keep handlers free of interleaving bugs (read-modify-write on a roster cannot
// be split by another stanza). A networked backend would need async variants; that is a later,
// deliberate change, not something to pay for now.
import type { ScramCredentials, ScramHash } from '../auth/scram.js';

export type Subscription = 'none' | 'to' | 'from' | 'both';

export interface RosterItem {
  /** Bare JID, already prepared by the caller. */
  jid: string;
  name?: string;
  subscription: Subscription;
  ask?: 'subscribe';
  /** An inbound subscription request awaiting the user's approval (RFC 6121 §3.1.3). */
  pendingIn?: boolean;
  groups: string[];
}

/** Usernames are prepared (lowercase + NFKC) by every method, so callers may pass either form. */
export interface AccountStore {
  /** @throws AccountExistsError, InvalidUsernameError */
  create(username: string, password: string): void;
  /** @throws AccountNotFoundError */
  setPassword(username: string, password: string): void;
  /** Also deletes the account's roster and offline messages. False if there was no such account. */
  delete(username: string): boolean;
  exists(username: string): boolean;
  /** Sorted. */
  list(): string[];
  /** Satisfies the SASL layer's CredentialLookup. */
  scramCredentials(username: string, hash: ScramHash): ScramCredentials | undefined;
}

/** Roster versions (RFC 6121 §2.6) are opaque strings that change on every put and remove. */
export interface RosterStore {
  items(username: string): RosterItem[];
  get(username: string, jid: string): RosterItem | undefined;
  /** Inserts or replaces the item for `item.jid`; returns the new roster version. */
  put(username: string, item: RosterItem): string;
  /** Returns the new roster version, or undefined when there was no such item. */
  remove(username: string, jid: string): string | undefined;
  version(username: string): string;
}

export interface OfflineStore {
  push(username: string, stanza: string, stamp: Date): void;
  /** Oldest first; the queue is empty afterwards. */
  popAll(username: string): { stanza: string; stamp: Date }[];
  count(username: string): number;
}

export interface Storage {
  readonly accounts: AccountStore;
  readonly roster: RosterStore;
  readonly offline: OfflineStore;
  close(): void;
}

// Operational errors with stable codes (see ARCHITECTURE.md, Errors).

export class AccountExistsError extends Error {
  readonly code = 'FERRY_ERR_ACCOUNT_EXISTS';
  readonly username: string;
  constructor(username: string) {
    super(`account ${username} already exists`);
    this.username = username;
    this.name = 'AccountExistsError';
  }
}

export class AccountNotFoundError extends Error {
  readonly code = 'FERRY_ERR_ACCOUNT_NOT_FOUND';
  readonly username: string;
  constructor(username: string) {
    super(`account ${username} does not exist`);
    this.username = username;
    this.name = 'AccountNotFoundError';
  }
}

export class InvalidUsernameError extends Error {
  readonly code = 'FERRY_ERR_INVALID_USERNAME';
  readonly username: string;
  constructor(username: string, reason: string) {
    super(`invalid username ${JSON.stringify(username)}: ${reason}`);
    this.username = username;
    this.name = 'InvalidUsernameError';
  }
}

/** The database was written by a newer Ferry; refusing beats corrupting it. */
export class StorageSchemaError extends Error {
  readonly code = 'FERRY_ERR_STORAGE_SCHEMA';
  constructor(message: string) {
    super(message);
    this.name = 'StorageSchemaError';
  }
}
