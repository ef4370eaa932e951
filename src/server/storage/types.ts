// Storage contracts: accounts (SCRAM credentials), rosters (RFC 6121 §2), offline messages, and
// the named stores modules open for themselves (as Prosody's module:open_store).
//
// Every method is asynchronous (ADR 0005, superseding ADR 0001): a networked backend (PostgreSQL
// for a cluster) must fit behind the same contract as the embedded SQLite one, and every backend
// passes the same store-conformance suite (test/conformance/store-conformance.test.ts).
// Read-modify-write sequences that must not interleave are serialised by their callers
// (KeyedQueue in server/core), not by the store.
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
  create(username: string, password: string): Promise<void>;
  /** @throws AccountNotFoundError */
  setPassword(username: string, password: string): Promise<void>;
  /** Also deletes the account's roster, offline messages and module-store data it owns. False if there was no such account. */
  delete(username: string): Promise<boolean>;
  exists(username: string): Promise<boolean>;
  /** Sorted in code point order (SQLite's BINARY collation). */
  list(): Promise<string[]>;
  /** Satisfies the SASL layer's CredentialLookup. */
  scramCredentials(username: string, hash: ScramHash): Promise<ScramCredentials | undefined>;
}

/** Roster versions (RFC 6121 §2.6) are opaque strings that change on every put and remove. */
export interface RosterStore {
  items(username: string): Promise<RosterItem[]>;
  get(username: string, jid: string): Promise<RosterItem | undefined>;
  /** Inserts or replaces the item for `item.jid`; returns the new roster version. */
  put(username: string, item: RosterItem): Promise<string>;
  /** Returns the new roster version, or undefined when there was no such item. */
  remove(username: string, jid: string): Promise<string | undefined>;
  version(username: string): Promise<string>;
}

export interface OfflineMessage {
  /** Opaque, assigned by the store; later pushes for the same account come after it. */
  id: string;
  stanza: string;
  stamp: Date;
}

/**
 * XEP-0160 offline messages: a per-account queue. Reading does not remove: the message module
 * deletes what a client has acknowledged, so a connection lost during delivery loses nothing.
 */
export interface OfflineStore {
  push(username: string, stanza: string, stamp: Date): Promise<void>;
  /** Oldest first (push order), at most `limit` when given. */
  list(username: string, limit?: number): Promise<OfflineMessage[]>;
  /**
   * Deletes the account's messages up to and including `id` (one `list` returned); messages
   * pushed after it stay. Returns how many were deleted. An id this store could not have issued is a RangeError.
   */
  deleteThrough(username: string, id: string): Promise<number>;
  /** How many messages are queued and their size (UTF-8 bytes of the stanzas). */
  usage(username: string): Promise<{ count: number; bytes: number }>;
}

/**
 * A named store a module opens for itself. `owner` partitions the data: an account's username
 * (prepared), or '' for data that belongs to the server. Values are JSON-serialisable; what
 * comes back is a fresh copy, never the object that was stored.
 */
export interface StoreDefinition<S> {
  /** Unique per server: the module's name, or `module:purpose` when it has several stores. */
  readonly name: string;
  /** The version of the data's shape, 1 when omitted. */
  readonly version?: number;
  /**
   * Brings data written at an older version (`from` ≥ 1) up to `version`, working through the
   * store itself, so the same migration runs on every backend. Runs once, at open, before the
   * store is handed out; a store found at a newer version than the module's refuses to open.
   * It must not open other stores (opens are serialised: that would wait forever).
   */
  migrate?(store: S, from: number): Promise<void>;
}

/** Key → value under an owner (Prosody's map store). */
export interface KeyValueStore<V> {
  get(owner: string, key: string): Promise<V | undefined>;
  /** @throws TypeError for a value JSON cannot represent (undefined, a function). */
  set(owner: string, key: string, value: V): Promise<void>;
  /**
   * Stores the value only if the owner has none under this key, atomically (two processes adding
   * at once: one wins, and both read the winner's value after); false when one was there (kept).
   */
  add(owner: string, key: string, value: V): Promise<boolean>;
  /** The entry with this key under any owner (the first owner in code point order), found by index. */
  find(key: string): Promise<[owner: string, value: V] | undefined>;
  /** False when there was nothing to delete. */
  delete(owner: string, key: string): Promise<boolean>;
  /** Sorted by key, in code point order. */
  entries(owner: string): Promise<[key: string, value: V][]>;
  /** Every owner that has at least one key, in code point order. */
  owners(): Promise<string[]>;
  /** Removes every key of the owner; returns how many there were. */
  clear(owner: string): Promise<number>;
}

export interface ListEntry<V> {
  /** Opaque, assigned by the store; later appends to the same owner come after it in `find`. */
  readonly id: string;
  readonly stamp: Date;
  readonly value: V;
}

/** An `after` or delete id this store could not have issued, or a negative limit, is a RangeError. */
export interface ListQuery {
  /** Only entries appended after the entry with this id (which may since have been deleted). */
  after?: string;
  /** Only entries stamped strictly before this time. */
  before?: Date;
  /** At most this many, the first ones in append order. */
  limit?: number;
}

/** Append-only, ordered entries under an owner (Prosody's archive store): logs, queues, histories. */
export interface ListStore<V> {
  /** Returns the new entry's id. `stamp` defaults to now. */
  append(owner: string, value: V, stamp?: Date): Promise<string>;
  /** In append order (not stamp order: a caller may append with any stamp). */
  find(owner: string, query?: ListQuery): Promise<ListEntry<V>[]>;
  /** Deletes the owner's entries with these ids, or every one stamped before `before`; returns how many. */
  delete(owner: string, which: { ids: readonly string[] } | { before: Date }): Promise<number>;
  count(owner: string): Promise<number>;
}

export interface Storage {
  readonly accounts: AccountStore;
  readonly roster: RosterStore;
  readonly offline: OfflineStore;
  openKeyValue<V>(definition: StoreDefinition<KeyValueStore<V>>): Promise<KeyValueStore<V>>;
  openList<V>(definition: StoreDefinition<ListStore<V>>): Promise<ListStore<V>>;
  /** Idempotent. */
  close(): Promise<void>;
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

/**
 * The database, or a module's store in it, was written by a newer Ferry; or a store is opened
 * with the other shape, or its migration failed. Refusing beats corrupting it.
 */
export class StorageSchemaError extends Error {
  readonly code = 'FERRY_ERR_STORAGE_SCHEMA';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageSchemaError';
  }
}
