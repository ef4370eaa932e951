// A private PostgreSQL for tests: initdb into a temporary directory, listening on 127.0.0.1 on a
// free port (and a Unix socket inside that directory only), durability off for speed, stopped
// and removed by stop(). Started once per test file; each case takes a fresh database from it.
//
// PostgreSQL refuses to run as root, so under root the server's commands run as the `postgres`
// system user (Debian's package creates it), which then owns the temporary directory.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { closedPort } from './cli.js';

export const POSTGRES_USER = 'ferry';
/** Set by initdb; every URL handed out carries it, so tests can check it is never printed. */
export const POSTGRES_PASSWORD = 'pg-test-Secret-4711';

export interface PostgresInstance {
  host: string;
  port: number;
  /** postgres://ferry:password@127.0.0.1:port/database */
  url(database: string): string;
  /** A new, empty database (UTF8); returns its name. */
  createDatabase(): Promise<string>;
  /** Drops it, ending whatever connections are still open to it. */
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** The directory holding initdb and pg_ctl: $FERRY_TEST_PG_BIN, or the newest Debian install. */
function binDir(): string | undefined {
  const fromEnv = process.env.FERRY_TEST_PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

const isRoot = process.getuid?.() === 0;

/** Why these tests cannot run here, or undefined when they can: for `describe(…, { skip })`. */
export function postgresSkipReason(): string | undefined {
  if (binDir() === undefined) return 'PostgreSQL not installed: apt-get install postgresql';
  if (isRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return 'running as root and there is no postgres user to run PostgreSQL as: apt-get install postgresql';
  }
  return undefined;
}

/** Runs a PostgreSQL program, as the postgres user when we are root. */
function run(bin: string, program: string, args: string[]): void {
  const [command, fullArgs] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]]
    : [join(bin, program), args];
  const result = spawnSync(command, fullArgs, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${program} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
  }
}

export async function startPostgres(): Promise<PostgresInstance> {
  const bin = binDir();
  if (bin === undefined) throw new Error('PostgreSQL not installed: apt-get install postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-pg-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, POSTGRES_PASSWORD, { mode: 0o644 });
  const stopAtExit = () => {
    spawnSync(isRoot ? 'runuser' : join(bin, 'pg_ctl'), stopArgs(bin, data));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // C.UTF-8 exists everywhere glibc does; test databases ask for a linguistic order themselves.
    run(bin, 'initdb', [
      '-D',
      data,
      '-U',
      POSTGRES_USER,
      `--pwfile=${passwordFile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
    // The free port may be taken by another test file before the server binds it: try another.
    for (let attempt = 1; ; attempt++) {
      const port = await closedPort();
      const options = [
        `-p ${port}`,
        "-c listen_addresses='127.0.0.1'",
        `-c unix_socket_directories='${dir}'`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
      ].join(' ');
      try {
        run(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
      } catch (error) {
        if (attempt < 3) continue;
        throw error;
      }
      process.once('exit', stopAtExit);
      return instance(bin, dir, data, port, stopAtExit);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function stopArgs(bin: string, data: string): string[] {
  const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
  return isRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args] : args;
}

function instance(bin: string, dir: string, data: string, port: number, stopAtExit: () => void): PostgresInstance {
  const host = '127.0.0.1';
  const url = (database: string) =>
    `postgres://${POSTGRES_USER}:${encodeURIComponent(POSTGRES_PASSWORD)}@${host}:${port}/${database}`;
  let count = 0;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    host,
    port,
    url,
    async createDatabase() {
      // Names are ours, never input: identifiers cannot be query parameters.
      const name = `ferry_test_${process.pid}_${++count}`;
      // A linguistic default collation ('a' < 'B'), so a query sorting without COLLATE "C" shows
      // up as a failure; a server built without ICU gets the cluster's C.UTF-8 instead.
      const create = `CREATE DATABASE ${name} TEMPLATE template0 STRATEGY FILE_COPY`;
      await admin((client) =>
        client.query(`${create} LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`).catch(() => client.query(create)),
      );
      return name;
    },
    async dropDatabase(name) {
      if (!/^ferry_test_\d+_\d+$/.test(name)) throw new Error(`not a test database: ${name}`);
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
    async stop() {
      process.off('exit', stopAtExit);
      try {
        run(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
