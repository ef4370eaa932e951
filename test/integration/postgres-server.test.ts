// A real Ferry server on the PostgreSQL backend, with a private PostgreSQL (test/helpers/postgres.ts):
// accounts made by the CLI log in, data outlives a restart, nodes starting together migrate once,
// and a database that cannot be reached stops start-up with one line naming storage.postgres_url.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStorage, type Storage } from '../../src/server/storage/index.js';
import { closedPort, ferry, startFerry } from '../helpers/cli.js';
import { serverArgs } from '../helpers/cli.js';
import { POSTGRES_PASSWORD, postgresSkipReason, startPostgres, type PostgresInstance } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml } from '../helpers/xmpp-client.js';
import type { Element } from '@ferry/protocol/xml/element';

const ROSTER = 'jabber:iq:roster';

/** The CLI's configuration for a database, as environment variables (no password in argv). */
function postgresEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { FERRY_STORAGE_BACKEND: 'postgres', FERRY_STORAGE_POSTGRES_URL: url, ...extra };
}

function rosterNames(iq: Element): Record<string, string | undefined> {
  const items = iq.getChild('query', ROSTER)?.getChildren('item') ?? [];
  return Object.fromEntries(items.map((item: Element) => [item.attrs.jid as string, item.attrs.name as string]));
}

describe('the server on PostgreSQL', { skip: postgresSkipReason() }, () => {
  let postgres: PostgresInstance;
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-pg-server-'));
  before(async () => {
    postgres = await startPostgres();
  });
  after(async () => {
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startOn = (url: string): Promise<TestServer> =>
    startTestServer({ 'storage.backend': 'postgres', 'storage.postgres_url': url });

  it('logs in accounts that `ferry adduser` created in the database, and the other account commands see them', async () => {
    const url = postgres.url(await postgres.createDatabase());
    const server = await startOn(url);
    try {
      const env = postgresEnv(url);
      const added = await ferry(['adduser', 'carol@localhost', '--password', 'carol-pass-1'], env);
      assert.equal(added.code, 0, added.stderr);
      const carol = await connectClient({ port: server.ports.c2s, username: 'carol', password: 'carol-pass-1' });
      await carol.stop();

      assert.equal((await ferry(['passwd', 'carol', '--password', 'carol-pass-2'], env)).code, 0);
      const again = await connectClient({ port: server.ports.c2s, username: 'carol', password: 'carol-pass-2' });
      await again.stop();

      await server.addUser('dave');
      const users = await ferry(['users'], env);
      assert.deepEqual(users.stdout.trim().split('\n'), ['carol@localhost', 'dave@localhost']);
      const uploads = await ferry(['uploads'], env);
      assert.equal(uploads.code, 0, uploads.stderr);
      assert.equal((await ferry(['deluser', 'dave@localhost'], env)).code, 0);
      assert.equal(await server.server.storage.accounts.exists('dave'), false);
      const missing = await ferry(['deluser', 'dave@localhost'], env);
      assert.equal(missing.code, 1, missing.stderr);
    } finally {
      await server.stop();
    }
  });

  it('`ferry doctor --server` reads the database schema without changing it, and names the key when it cannot connect', async () => {
    const url = postgres.url(await postgres.createDatabase());
    const doctor = (target: string) =>
      ferry(
        ['doctor', '--server', '--json', '--data-dir', dataDir],
        postgresEnv(target, { FERRY_STORAGE_POSTGRES_CONNECT_TIMEOUT_SECONDS: '2' }),
      );
    const databaseLine = (stdout: string) =>
      (JSON.parse(stdout) as { checks: { name: string; status: string; detail: string; fix?: string }[] }).checks.find(
        (check) => check.name === 'database',
      )!;
    const empty = databaseLine((await doctor(url)).stdout);
    assert.equal(empty.status, 'ok');
    assert.match(empty.detail, /has no Ferry schema yet/);

    const server = await startOn(url);
    await server.stop();
    const current = databaseLine((await doctor(url)).stdout);
    assert.equal(current.status, 'ok');
    assert.match(current.detail, /schema version \d+ \(current\)/);

    const unreachable = url.replace(/:(\d+)\//, ':1/');
    const down = databaseLine((await doctor(unreachable)).stdout);
    assert.equal(down.status, 'fail');
    assert.match(down.detail, /storage\.postgres_url/);
    assert.ok(!down.detail.includes(POSTGRES_PASSWORD), 'the password stays out of the report');
  });

  it('keeps a roster across a restart of the server', async () => {
    const url = postgres.url(await postgres.createDatabase());
    const first = await startOn(url);
    await first.addUser('alice');
    const request = xml(
      'iq',
      { type: 'set' },
      xml('query', { xmlns: ROSTER }, xml('item', { jid: 'bob@localhost', name: 'Bob' })),
    );
    try {
      const alice = await connectClient({ port: first.ports.c2s, username: 'alice' });
      await alice.xmpp.iqCaller.request(request, 5_000);
      await alice.stop();
    } finally {
      await first.stop();
    }

    const second = await startOn(url);
    try {
      const alice = await connectClient({ port: second.ports.c2s, username: 'alice' });
      const roster = await alice.xmpp.iqCaller.request(
        xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })),
        5_000,
      );
      await alice.stop();
      assert.deepEqual(rosterNames(roster), { 'bob@localhost': 'Bob' });
    } finally {
      await second.stop();
    }
  });

  it('migrates an empty database once when several openers, then two servers, start at the same moment', async () => {
    const url = postgres.url(await postgres.createDatabase());
    // Two processes (CLI commands, each its own connection pool) and two pools in this one.
    const processes = [ferry(['users'], postgresEnv(url)), ferry(['users'], postgresEnv(url))];
    const opened: Storage[] = await Promise.all(
      [1, 2].map(() => openStorage({ backend: 'postgres', dataDir: '', postgres: { url } })),
    );
    for (const run of await Promise.all(processes)) assert.equal(run.code, 0, run.stderr);
    await Promise.all(opened.map((storage) => storage.close()));
    // Two whole servers starting together: their modules open (and version) their stores at once.
    const servers = await Promise.all([startOn(url), startOn(url)]);
    await Promise.all(servers.map((server) => server.stop()));

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number; n: number }>(
        'SELECT version, COUNT(*)::integer AS n FROM schema_version GROUP BY version ORDER BY version',
      );
      assert.ok(rows.length > 0, 'the schema was migrated');
      assert.deepEqual(
        rows.map((row) => row.n),
        rows.map(() => 1),
        'each migration applied once',
      );
    } finally {
      await client.end();
    }
  });

  describe('refuses to start, in one line naming storage.postgres_url and without the password', () => {
    /** `ferry server` against `url`: its one stderr line, after how long, and the exit code. */
    async function failedStart(url: string, extra: Record<string, string> = {}) {
      const started = Date.now();
      const run = await startFerry(serverArgs(dataDir), postgresEnv(url, extra)).done;
      const lines = run.stderr.split('\n').filter((line) => line.startsWith('ferry:'));
      assert.equal(run.code, 1, run.stderr);
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /storage\.postgres_url/);
      assert.doesNotMatch(run.stderr + run.stdout, new RegExp(POSTGRES_PASSWORD), 'the password is never shown');
      assert.doesNotMatch(run.stderr + run.stdout, /wrong-Secret-99/, 'nor a wrong one');
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      return { line: lines[0]!, seconds: (Date.now() - started) / 1000 };
    }

    it('when nothing listens on the port', async () => {
      const port = await closedPort();
      const { line } = await failedStart(`postgres://ferry:${POSTGRES_PASSWORD}@127.0.0.1:${port}/ferry`);
      assert.match(line, new RegExp(`ferry@127\\.0\\.0\\.1:${port}/ferry: connection refused`));
    });

    it('when the port accepts but never answers, after the connect timeout', async () => {
      const sockets = new Set<Socket>();
      const silent: Server = createServer((socket) => void sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      try {
        const { line, seconds } = await failedStart(`postgres://ferry:${POSTGRES_PASSWORD}@127.0.0.1:${port}/ferry`, {
          FERRY_STORAGE_POSTGRES_CONNECT_TIMEOUT_SECONDS: '1',
        });
        assert.match(line, /no answer within 1 s/);
        // One second of waiting plus starting Node and tsx under a loaded machine.
        assert.ok(seconds < 15, `failed after ${seconds} s`);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('when the password is wrong', async () => {
      const { line } = await failedStart(`postgres://ferry:wrong-Secret-99@127.0.0.1:${postgres.port}/postgres`);
      assert.match(line, /password authentication failed/);
    });

    it('when the backend is postgres but no URL is set (a configuration error, exit code 2)', async () => {
      const run = await startFerry(serverArgs(dataDir), { FERRY_STORAGE_BACKEND: 'postgres' }).done;
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /storage\.postgres_url: required when storage\.backend is "postgres"/);
    });
  });
});
