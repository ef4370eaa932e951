// `ferry adduser | passwd | users | deluser` on the data directory of a running server.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient } from '../helpers/xmpp-client.js';

function ferry(args: string[], input?: string) {
  const result = spawnSync(
    process.execPath,
    ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...args],
    {
      encoding: 'utf8',
      input,
      env: { ...process.env, FERRY_CONFIG: '' },
      timeout: 60_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('account commands', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('creates an account while the server runs, and it can log in', async () => {
    const result = ferry(['adduser', 'carol@localhost', '--password', 's3cret-pass', '--data-dir', server.dataDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /created carol@localhost/);
    const carol = await connectClient({ port: server.ports.c2s, username: 'carol', password: 's3cret-pass' });
    assert.match(carol.jid, /^carol@localhost\//);
    await carol.stop();
  });

  it('reads the password from standard input when not given', async () => {
    const result = ferry(['adduser', 'dave@localhost', '--data-dir', server.dataDir], 'piped-password\n');
    assert.equal(result.code, 0, result.stderr);
    assert.ok(await server.server.storage.accounts.exists('dave'));
  });

  it('refuses an existing account with a one-line message and exit code 1', () => {
    const result = ferry(['adduser', 'carol@localhost', '--password', 'x', '--data-dir', server.dataDir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^ferry: account carol already exists/);
  });

  it('refuses an address on another domain', () => {
    const result = ferry(['adduser', 'eve@example.org', '--password', 'x', '--data-dir', server.dataDir]);
    assert.equal(result.code, 2, 'a usage error');
    assert.match(result.stderr, /not on this server's domain/);
  });

  it('changes a password, lists and deletes accounts', async () => {
    assert.equal(ferry(['passwd', 'carol', '--password', 'new-pass-123', '--data-dir', server.dataDir]).code, 0);
    const carol = await connectClient({ port: server.ports.c2s, username: 'carol', password: 'new-pass-123' });
    await carol.stop();
    const users = ferry(['users', '--data-dir', server.dataDir]);
    assert.deepEqual(users.stdout.trim().split('\n'), ['carol@localhost', 'dave@localhost']);
    assert.equal(ferry(['deluser', 'dave@localhost', '--data-dir', server.dataDir]).code, 0);
    assert.equal(await server.server.storage.accounts.exists('dave'), false);
    assert.equal(ferry(['deluser', 'dave@localhost', '--data-dir', server.dataDir]).code, 1);
  });

  it('refuses the memory backend with a one-line message, before asking for a password', () => {
    const result = ferry([
      'adduser',
      'erin@localhost',
      '--data-dir',
      server.dataDir,
      '--set',
      'storage.backend=memory',
    ]);
    assert.equal(result.code, 2, 'a configuration error');
    assert.equal(result.stderr, 'ferry: storage.backend is "memory": there are no stored accounts to manage\n');
  });

  it('stops on a bad config value naming the key', () => {
    const result = ferry(['users', '--data-dir', server.dataDir, '--set', 'c2s.port=-4']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /c2s\.port/);
  });
});
