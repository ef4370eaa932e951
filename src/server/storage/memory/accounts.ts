// Accounts and their SCRAM credentials, in process memory: the same names, derivation and copies
// as the SQLite store (shared/), so both behave alike under the conformance suite.
import { prepareUsername } from '../../auth/saslprep.js';
import { isScramHash, type ScramCredentials, type ScramHash } from '../../auth/scram.js';
import { accountName } from '../shared/account-name.js';
import { copyScramCredentials, deriveAllScramCredentials } from '../shared/credentials.js';
import { compareCodePoints } from '../shared/ordering.js';
import { AccountExistsError, AccountNotFoundError, type AccountStore } from '../types.js';
import type { MemoryTables } from './tables.js';

export class MemoryAccountStore implements AccountStore {
  readonly #tables: MemoryTables;
  readonly #iterations: number;

  constructor(tables: MemoryTables, iterations: number) {
    this.#tables = tables;
    this.#iterations = iterations;
  }

  async create(username: string, password: string): Promise<void> {
    const name = accountName(username);
    if (this.#tables.credentials.has(name)) throw new AccountExistsError(name);
    const credentials = await deriveAllScramCredentials(password, this.#iterations);
    // Checked again after PBKDF2: another create may have finished while this one derived.
    if (this.#tables.credentials.has(name)) throw new AccountExistsError(name);
    this.#tables.credentials.set(name, byHash(credentials));
  }

  async setPassword(username: string, password: string): Promise<void> {
    const name = prepareUsername(username);
    if (!this.#tables.credentials.has(name)) throw new AccountNotFoundError(name);
    const credentials = await deriveAllScramCredentials(password, this.#iterations);
    // The account may have been deleted while PBKDF2 ran; never resurrect it.
    if (!this.#tables.credentials.has(name)) throw new AccountNotFoundError(name);
    this.#tables.credentials.set(name, byHash(credentials));
  }

  async delete(username: string): Promise<boolean> {
    const name = prepareUsername(username);
    this.#tables.deleteOwnedBy(name);
    return this.#tables.credentials.delete(name);
  }

  async exists(username: string): Promise<boolean> {
    return this.#tables.credentials.has(prepareUsername(username));
  }

  async list(): Promise<string[]> {
    return [...this.#tables.credentials.keys()].sort(compareCodePoints);
  }

  async scramCredentials(username: string, hash: ScramHash): Promise<ScramCredentials | undefined> {
    if (!isScramHash(hash)) return undefined;
    const stored = this.#tables.credentials.get(prepareUsername(username))?.get(hash);
    return stored === undefined ? undefined : copyScramCredentials(stored);
  }
}

function byHash(credentials: ScramCredentials[]): Map<ScramHash, ScramCredentials> {
  return new Map(credentials.map((c) => [c.hash, c]));
}
