// The connection pool behind the PostgreSQL backend, and the one way the stores reach it.
//
// query() runs on the pool, or on the transaction's connection when called from inside
// transaction(): the transaction is found through AsyncLocalStorage, so a module's migrate()
// (run by the store catalog inside its transaction) writes through the ordinary store methods
// and still commits or rolls back with its version row. Only work started inside the transaction
// joins it; other stanzas handled meanwhile use other connections.
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { connectError, describeUrl, queryError } from './errors.js';

export interface PostgresConnectionOptions {
  /** `storage.postgres_url`: postgres://user:password@host:port/database */
  url: string;
  /** Connections at most (`storage.postgres_pool_size`). */
  poolSize?: number;
  /** How long opening a connection may take, from TCP connect to authenticated. */
  connectTimeoutMs?: number;
  /** The server cancels a statement running longer than this. */
  statementTimeoutMs?: number;
  /**
   * Errors on idle connections (the database restarted, the network dropped): the pool has
   * already discarded the connection and opens a fresh one when next needed.
   */
  onIdleError?: (error: Error) => void;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
// The client stops waiting a little after the server should have cancelled, so a network that
// silently swallows packets ends in an error too, and the server's own message wins otherwise.
const CLIENT_TIMEOUT_MARGIN_MS = 5_000;

type Row = Record<string, unknown>;

export class PgDatabase {
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #connectTimeoutMs: number;
  readonly #statementTimeoutMs: number;
  readonly #transaction = new AsyncLocalStorage<{ client: pg.PoolClient; savepoints: number }>();
  #closed: Promise<void> | undefined;

  constructor(options: PostgresConnectionOptions) {
    this.#url = options.url;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    this.#statementTimeoutMs = statementTimeoutMs;
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      statement_timeout: statementTimeoutMs,
      // Advisory and row locks wait under the same bound as statements.
      lock_timeout: statementTimeoutMs,
      // A transaction this process forgot (a bug, a stalled event loop) must not hold locks forever.
      idle_in_transaction_session_timeout: statementTimeoutMs * 2,
      query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
      keepAlive: true,
      application_name: 'ferry',
    });
    // Without a listener an idle connection's error would crash the process.
    const onIdleError = options.onIdleError ?? (() => {});
    this.#pool.on('error', (error) => onIdleError(error));
  }

  /** Where the pool connects, with the password left out: safe to log and to show. */
  get description(): string {
    return describeUrl(this.#url);
  }

  /** A first connection, so a wrong URL fails at start with the key to fix, not at the first login. */
  async connect(): Promise<void> {
    try {
      const client = await this.#pool.connect();
      client.release();
    } catch (error) {
      throw connectError(error, this.#url, this.#connectTimeoutMs);
    }
  }

  /** `R` is the caller's description of the row; the driver does not check it. */
  async query<R extends object = Row>(text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
    const context = this.#transaction.getStore();
    const runner = context?.client ?? this.#pool;
    try {
      return (await runner.query(text, values as unknown[])) as pg.QueryResult<R>;
    } catch (error) {
      throw this.#named(error);
    }
  }

  /**
   * Runs `work` in a transaction: committed when it resolves, rolled back when it throws. Inside
   * another transaction it becomes a savepoint of it.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    const outer = this.#transaction.getStore();
    if (outer) return this.#savepoint(outer, work);
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw this.#named(error);
    });
    // A checked-out connection has no pool listener: its errors reject the query in flight.
    const ignore = () => {};
    client.on('error', ignore);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await this.#transaction.run({ client, savepoints: 0 }, work);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.off('error', ignore);
      // A connection whose rollback failed is in an unknown state: the pool discards it.
      client.release(broken);
    }
  }

  async #savepoint<T>(outer: { client: pg.PoolClient; savepoints: number }, work: () => Promise<T>): Promise<T> {
    const name = `ferry_${++outer.savepoints}`;
    await outer.client.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await outer.client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await outer.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }

  /** Timeouts and lost connections named by the config key that bounds them (errors.ts). */
  #named(error: unknown): unknown {
    return queryError(error, this.#url, { connectMs: this.#connectTimeoutMs, statementMs: this.#statementTimeoutMs });
  }

  /** Idempotent: waits for queries in flight, then closes every connection. */
  close(): Promise<void> {
    this.#closed ??= this.#pool.end();
    return this.#closed;
  }
}
