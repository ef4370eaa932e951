// What the PostgreSQL backend adds beyond the store-conformance suite: several processes writing
// one database at once, bounded waits, and connections lost under it. Each case opens separate
// storages (separate pools, as separate processes would) on a fresh database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { AccountExistsError, StorageSchemaError, openStorage, type Storage } from '../../src/server/storage/index.js';
import { APPEND_LOCK_CLASSES } from '../../src/server/storage/postgres/serialised-append.js';
import { postgresSkipReason, startPostgres, type PostgresInstance } from '../helpers/postgres.js';

const ITERATIONS = 16;

/** Settles with 'pending' when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

describe('PostgreSQL storage shared by several processes', { skip: postgresSkipReason() }, () => {
  let postgres: PostgresInstance;
  const opened: Storage[] = [];
  const clients: pg.Client[] = [];
  before(async () => {
    postgres = await startPostgres();
  });
  after(async () => {
    await Promise.all(opened.map((storage) => storage.close()));
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
    await postgres?.stop();
  });

  async function database(): Promise<string> {
    return postgres.url(await postgres.createDatabase());
  }

  async function open(
    url: string,
    options: { statementTimeoutMs?: number; onBackgroundError?: (error: Error) => void } = {},
  ): Promise<Storage> {
    const { statementTimeoutMs, onBackgroundError } = options;
    const storage = await openStorage({
      backend: 'postgres',
      dataDir: '',
      scramIterations: ITERATIONS,
      postgres: { url, poolSize: 4, ...(statementTimeoutMs ? { statementTimeoutMs } : {}) },
      ...(onBackgroundError ? { onBackgroundError } : {}),
    });
    opened.push(storage);
    return storage;
  }

  /** A plain connection, standing for another node in the middle of its own transaction. */
  async function otherNode(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  }

  it('creates an account once when two processes create it at the same moment', async () => {
    const url = await database();
    const [one, two] = [await open(url), await open(url)];
    const results = await Promise.allSettled([one.accounts.create('erin', 'a'), two.accounts.create('ERIN', 'b')]);
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
    const refused = results.find((result) => result.status === 'rejected');
    assert.ok(refused?.reason instanceof AccountExistsError, String(refused?.reason));
    assert.deepEqual(await one.accounts.list(), ['erin']);
  });

  it('hands out distinct roster versions to puts racing from two processes', async () => {
    const url = await database();
    const [one, two] = [await open(url), await open(url)];
    const puts = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? one : two).roster.put('alice', { jid: `c${i}@example.com`, subscription: 'none', groups: [] }),
    );
    const versions = await Promise.all(puts);
    assert.equal(new Set(versions).size, versions.length);
    assert.equal((await one.roster.items('alice')).length, 20);
    assert.ok(versions.includes(await two.roster.version('alice')));
  });

  it("makes an offline push wait while another node's push to the same account is uncommitted, so ids commit in order", async () => {
    const url = await database();
    const storage = await open(url);
    const node = await otherNode(url);
    await node.query('BEGIN');
    await node.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [APPEND_LOCK_CLASSES.offline, 'alice']);
    const alice = storage.offline.push('alice', '<message id="a"/>', new Date());
    assert.equal(await within(storage.offline.push('bob', '<message id="b"/>', new Date()), 2_000), undefined);
    assert.equal(await within(alice, 300), 'pending', "alice's queue waits for the other node");
    await node.query('COMMIT');
    assert.equal(await within(alice, 2_000), undefined);
    assert.equal((await storage.offline.usage('alice')).count, 1);
  });

  it('fails a write blocked by a lock held elsewhere once the statement timeout passes', async () => {
    const url = await database();
    const storage = await open(url, { statementTimeoutMs: 500 });
    await storage.accounts.create('alice', 'old');
    const node = await otherNode(url);
    await node.query('BEGIN');
    await node.query("SELECT 1 FROM accounts WHERE username = 'alice' FOR UPDATE");
    const started = Date.now();
    await assert.rejects(storage.accounts.setPassword('alice', 'new'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'FERRY_ERR_STORAGE_TIMEOUT');
      assert.match(error.message, /^storage\.postgres_statement_timeout_seconds: .* within 0\.5 s/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000, `gave up after ${Date.now() - started} ms`);
    await node.query('ROLLBACK');
    await storage.accounts.setPassword('alice', 'new');
  });

  it('refuses a database whose schema a newer Ferry wrote, and leaves it as it was', async () => {
    const url = await database();
    await (await open(url)).close();
    const node = await otherNode(url);
    const count = async () =>
      (await node.query<{ n: number }>('SELECT COUNT(*)::integer AS n FROM schema_version')).rows[0]?.n;
    await node.query('INSERT INTO schema_version (version) VALUES (999)');
    const before = await count();
    await assert.rejects(open(url), (error: unknown) => {
      assert.ok(error instanceof StorageSchemaError, String(error));
      assert.match(error.message, /schema version 999 is newer/);
      return true;
    });
    assert.equal(await count(), before);
  });

  it('reports a pooled connection the database ended while idle, and reconnects for the next call', async () => {
    const url = await database();
    const errors: Error[] = [];
    const storage = await open(url, { onBackgroundError: (error) => errors.push(error) });
    await storage.accounts.create('alice', 'secret');
    const node = await otherNode(url);
    await node.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ferry' AND datname = current_database()",
    );
    for (let waited = 0; errors.length === 0 && waited < 5_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(errors.length > 0, 'the lost connection was reported');
    assert.deepEqual(await storage.accounts.list(), ['alice']);
  });
});
