// Accounts and their SCRAM credentials (RFC 5802 §3 salted keys; the password is never stored).
import type BetterSqlite3 from 'better-sqlite3';
import { prepareUsername } from '../../auth/saslprep.js';
import { isScramHash, type ScramCredentials, type ScramHash } from '../../auth/scram.js';
import { accountName } from '../shared/account-name.js';
import { deriveAllScramCredentials } from '../shared/credentials.js';
import { AccountExistsError, AccountNotFoundError, type AccountStore } from '../types.js';

interface CredentialRow {
  salt: Buffer;
  iterations: number;
  stored_key: Buffer;
  server_key: Buffer;
}

export class SqliteAccountStore implements AccountStore {
  readonly #iterations: number;
  readonly #selectCredentials: BetterSqlite3.Statement<[string, string], CredentialRow>;
  readonly #selectExists: BetterSqlite3.Statement<[string], { found: number }>;
  readonly #selectAll: BetterSqlite3.Statement<[], { username: string }>;
  readonly #insert: (name: string, credentials: ScramCredentials[]) => void;
  readonly #replaceCredentials: (name: string, credentials: ScramCredentials[]) => void;
  readonly #delete: (name: string) => boolean;

  constructor(db: BetterSqlite3.Database, iterations: number) {
    this.#iterations = iterations;
    this.#selectCredentials = db.prepare(
      'SELECT salt, iterations, stored_key, server_key FROM scram_credentials WHERE username = ? AND hash = ?',
    );
    const selectExists = db.prepare<[string], { found: number }>('SELECT 1 AS found FROM accounts WHERE username = ?');
    this.#selectExists = selectExists;
    this.#selectAll = db.prepare('SELECT username FROM accounts ORDER BY username');

    const insertAccount = db.prepare<[string, number]>('INSERT INTO accounts (username, created_at) VALUES (?, ?)');
    const upsertCredentials = db.prepare<[string, string, Buffer, number, Buffer, Buffer]>(
      `INSERT OR REPLACE INTO scram_credentials (username, hash, salt, iterations, stored_key, server_key)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const storeCredentials = (name: string, credentials: ScramCredentials[]): void => {
      for (const c of credentials) upsertCredentials.run(name, c.hash, c.salt, c.iterations, c.storedKey, c.serverKey);
    };
    const deleteAccount = db.prepare<[string]>('DELETE FROM accounts WHERE username = ?');
    // Everything keyed by username goes with the account; explicit rather than foreign keys so
    // the roster and offline tables need no account row (and no FK error surprises) to be written.
    const deleteOwned = [
      ...['scram_credentials', 'roster_items', 'roster_versions', 'offline_messages'].map((table) =>
        db.prepare<[string]>(`DELETE FROM ${table} WHERE username = ?`),
      ),
      // Module stores: every row the account owns, in any store (migration 2).
      ...['kv_items', 'list_items'].map((table) => db.prepare<[string]>(`DELETE FROM ${table} WHERE owner = ?`)),
    ];

    // Existence is checked under the write lock (IMMEDIATE), so two processes racing to create
    // the same account, or to delete one while another sets its password, cannot both win.
    const insert = db.transaction((name: string, credentials: ScramCredentials[]): void => {
      if (selectExists.get(name) !== undefined) throw new AccountExistsError(name);
      insertAccount.run(name, Date.now());
      storeCredentials(name, credentials);
    });
    const replaceCredentials = db.transaction((name: string, credentials: ScramCredentials[]): void => {
      if (selectExists.get(name) === undefined) throw new AccountNotFoundError(name);
      storeCredentials(name, credentials);
    });
    const remove = db.transaction((name: string): boolean => {
      for (const statement of deleteOwned) statement.run(name);
      return deleteAccount.run(name).changes > 0;
    });
    this.#insert = (name, credentials) => insert.immediate(name, credentials);
    this.#replaceCredentials = (name, credentials) => replaceCredentials.immediate(name, credentials);
    this.#delete = (name) => remove.immediate(name);
  }

  async create(username: string, password: string): Promise<void> {
    const name = accountName(username);
    // PBKDF2 runs before taking the write lock, which is then held for microseconds only.
    this.#insert(name, await this.#derive(password));
  }

  async setPassword(username: string, password: string): Promise<void> {
    const name = prepareUsername(username);
    // Cheap early answer before spending PBKDF2 time; the transaction checks again under the lock.
    if (!this.#exists(name)) throw new AccountNotFoundError(name);
    this.#replaceCredentials(name, await this.#derive(password));
  }

  async delete(username: string): Promise<boolean> {
    return this.#delete(prepareUsername(username));
  }

  async exists(username: string): Promise<boolean> {
    return this.#exists(prepareUsername(username));
  }

  async list(): Promise<string[]> {
    return this.#selectAll.all().map((row) => row.username);
  }

  async scramCredentials(username: string, hash: ScramHash): Promise<ScramCredentials | undefined> {
    if (!isScramHash(hash)) return undefined;
    const row = this.#selectCredentials.get(prepareUsername(username), hash);
    if (row === undefined) return undefined;
    return {
      hash,
      salt: row.salt,
      iterations: row.iterations,
      storedKey: row.stored_key,
      serverKey: row.server_key,
    };
  }

  #exists(name: string): boolean {
    return this.#selectExists.get(name) !== undefined;
  }

  #derive(password: string): Promise<ScramCredentials[]> {
    return deriveAllScramCredentials(password, this.#iterations);
  }
}
