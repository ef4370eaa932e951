// Accounts and their SCRAM credentials (RFC 5802 §3 salted keys; the password is never stored).
//
// Several processes share the database (cluster nodes, `ferry adduser` beside a server), so what
// SQLite got from its single writer comes from row locks here: create relies on the primary key,
// setPassword locks the account row, and delete removes that row first, so a password change
// racing a deletion either finishes before it or finds no account.
import { prepareUsername } from '../../auth/saslprep.js';
import { isScramHash, type ScramCredentials, type ScramHash } from '../../auth/scram.js';
import { accountName } from '../shared/account-name.js';
import { deriveAllScramCredentials } from '../shared/credentials.js';
import { AccountExistsError, AccountNotFoundError, type AccountStore } from '../types.js';
import type { PgDatabase } from './database.js';

interface CredentialRow {
  salt: Buffer;
  iterations: number;
  stored_key: Buffer;
  server_key: Buffer;
}

const UPSERT_CREDENTIALS = `
  INSERT INTO scram_credentials (username, hash, salt, iterations, stored_key, server_key)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (username, hash) DO UPDATE SET
    salt = EXCLUDED.salt, iterations = EXCLUDED.iterations,
    stored_key = EXCLUDED.stored_key, server_key = EXCLUDED.server_key`;

// Everything keyed by username goes with the account: explicit rather than foreign keys, as in
// the SQLite schema, so roster and offline rows need no account row to be written.
const DELETE_OWNED = [
  'DELETE FROM scram_credentials WHERE username = $1',
  'DELETE FROM roster_items WHERE username = $1',
  'DELETE FROM roster_versions WHERE username = $1',
  'DELETE FROM offline_messages WHERE username = $1',
  'DELETE FROM kv_items WHERE owner = $1',
  'DELETE FROM list_items WHERE owner = $1',
];

export class PostgresAccountStore implements AccountStore {
  readonly #db: PgDatabase;
  readonly #iterations: number;

  constructor(db: PgDatabase, iterations: number) {
    this.#db = db;
    this.#iterations = iterations;
  }

  async create(username: string, password: string): Promise<void> {
    const name = accountName(username);
    // PBKDF2 runs before the transaction, which then holds its locks for milliseconds only.
    const credentials = await this.#derive(password);
    await this.#db.transaction(async () => {
      // A concurrent create of the same name waits on the key, then inserts nothing.
      const inserted = await this.#db.query('INSERT INTO accounts (username) VALUES ($1) ON CONFLICT DO NOTHING', [
        name,
      ]);
      if (inserted.rowCount !== 1) throw new AccountExistsError(name);
      await this.#storeCredentials(name, credentials);
    });
  }

  async setPassword(username: string, password: string): Promise<void> {
    const name = prepareUsername(username);
    // Cheap early answer before spending PBKDF2 time; the transaction checks again under the lock.
    if (!(await this.exists(name))) throw new AccountNotFoundError(name);
    const credentials = await this.#derive(password);
    await this.#db.transaction(async () => {
      const locked = await this.#db.query('SELECT 1 FROM accounts WHERE username = $1 FOR UPDATE', [name]);
      if (locked.rowCount !== 1) throw new AccountNotFoundError(name);
      await this.#storeCredentials(name, credentials);
    });
  }

  async delete(username: string): Promise<boolean> {
    const name = prepareUsername(username);
    return this.#db.transaction(async () => {
      const deleted = await this.#db.query('DELETE FROM accounts WHERE username = $1', [name]);
      for (const statement of DELETE_OWNED) await this.#db.query(statement, [name]);
      return deleted.rowCount === 1;
    });
  }

  async exists(username: string): Promise<boolean> {
    const { rowCount } = await this.#db.query('SELECT 1 FROM accounts WHERE username = $1', [
      prepareUsername(username),
    ]);
    return rowCount === 1;
  }

  async list(): Promise<string[]> {
    const { rows } = await this.#db.query<{ username: string }>('SELECT username FROM accounts ORDER BY username');
    return rows.map((row) => row.username);
  }

  async scramCredentials(username: string, hash: ScramHash): Promise<ScramCredentials | undefined> {
    if (!isScramHash(hash)) return undefined;
    const { rows } = await this.#db.query<CredentialRow>(
      'SELECT salt, iterations, stored_key, server_key FROM scram_credentials WHERE username = $1 AND hash = $2',
      [prepareUsername(username), hash],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return { hash, salt: row.salt, iterations: row.iterations, storedKey: row.stored_key, serverKey: row.server_key };
  }

  async #storeCredentials(name: string, credentials: ScramCredentials[]): Promise<void> {
    for (const c of credentials) {
      await this.#db.query(UPSERT_CREDENTIALS, [name, c.hash, c.salt, c.iterations, c.storedKey, c.serverKey]);
    }
  }

  #derive(password: string): Promise<ScramCredentials[]> {
    return deriveAllScramCredentials(password, this.#iterations);
  }
}
