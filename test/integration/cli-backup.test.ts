// `ferry backup` while the server runs and writes, then `ferry restore` into another data
// directory: accounts log in with their passwords, rosters and upload records are back, the
// upload key is the same; the refusals (a running server, an existing database, a foreign domain,
// a file that is not a backup) are one line with their exit code, and replace nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ferry } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient } from '../helpers/xmpp-client.js';

describe('ferry backup and restore', () => {
  let source: TestServer;
  let scratch: string;
  let backupFile: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ferry-backup-'));
    backupFile = join(scratch, 'ferry.backup');
    source = await startTestServer();
    await source.addUser('alice');
    await source.addUser('bob', 'bobs own password');
    await source.server.storage.roster.put('alice', {
      jid: 'bob@localhost',
      subscription: 'both',
      groups: ['Friends'],
    });
  });
  after(async () => {
    await source.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('backs up while the server runs and accounts are being created', async () => {
    const writes = (async () => {
      for (let index = 0; index < 40; index += 1) await source.addUser(`user${index}`);
    })();
    const run = await ferry(['backup', backupFile, '--data-dir', source.dataDir]);
    await writes;
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^backed up \d+ accounts of localhost to .*ferry\.backup \(schema \d+, with http_upload\.key/,
    );
    assert.equal(statSync(backupFile).mode & 0o777, 0o600, 'the backup holds SCRAM keys');
    assert.equal(existsSync(`${backupFile}.partial`), false);
  });

  it('restores into an empty data directory; the restored server knows every account and roster', async () => {
    const target = join(scratch, 'restored');
    const run = await ferry(['restore', backupFile, '--data-dir', target]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^restored \d+ accounts of localhost from a backup of /);
    assert.deepEqual(
      readFileSync(join(target, 'http_upload.key')),
      readFileSync(join(source.dataDir, 'http_upload.key')),
    );

    const restored = await startTestServer({ data_dir: target });
    try {
      const accounts = await restored.server.storage.accounts.list();
      assert.ok(accounts.includes('alice') && accounts.includes('bob'));
      const roster = await restored.server.storage.roster.items('alice');
      assert.deepEqual(
        roster.map(({ jid, subscription, groups }) => ({ jid, subscription, groups })),
        [{ jid: 'bob@localhost', subscription: 'both', groups: ['Friends'] }],
      );
      const bob = await connectClient({ port: restored.ports.c2s, username: 'bob', password: 'bobs own password' });
      await bob.stop();
    } finally {
      await restored.stop();
    }
  });

  it('refuses to restore over an existing database without --force, and keeps it aside with --force', async () => {
    const target = join(scratch, 'existing');
    assert.equal((await ferry(['restore', backupFile, '--data-dir', target])).code, 0);
    const refused = await ferry(['restore', backupFile, '--data-dir', target]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^ferry: .* already has a database: pass --force/);
    assert.equal(refused.stderr.trim().split('\n').length, 1);

    const forced = await ferry(['restore', backupFile, '--data-dir', target, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    const aside = readdirSync(target).filter((name) => name.startsWith('ferry.sqlite.before-restore-'));
    assert.equal(aside.length, 1, 'the replaced database is kept');
    assert.match(forced.stdout, /kept the replaced .*ferry\.sqlite\.before-restore-/);
  });

  it('refuses while a server holds the data directory (its control socket answers), and changes nothing', async () => {
    const before = readFileSync(join(source.dataDir, 'ferry.sqlite'));
    const run = await ferry(['restore', backupFile, '--data-dir', source.dataDir, '--force']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^ferry: a server is running on .*: stop it first\n$/);
    assert.deepEqual(readFileSync(join(source.dataDir, 'ferry.sqlite')), before);
    assert.deepEqual(
      readdirSync(source.dataDir).filter((name) => name.includes('before-restore')),
      [],
    );
  });

  it('refuses a backup of another domain, and a file that is not a backup', async () => {
    const foreign = await ferry([
      'restore',
      backupFile,
      '--data-dir',
      join(scratch, 'other'),
      '--domain',
      'example.org',
    ]);
    assert.equal(foreign.code, 2);
    assert.match(foreign.stderr, /^ferry: the backup is of localhost, this data directory serves example\.org/);

    const junk = join(scratch, 'junk.backup');
    writeFileSync(junk, 'this is not a database at all, not even close'.repeat(100));
    const notBackup = await ferry(['restore', junk, '--data-dir', join(scratch, 'other')]);
    assert.equal(notBackup.code, 1);
    assert.match(notBackup.stderr, /^ferry: .*junk\.backup is not a Ferry backup/);
    assert.equal(existsSync(join(scratch, 'other', 'ferry.sqlite')), false);
  });

  it('says so when there is nothing to back up', async () => {
    const run = await ferry(['backup', join(scratch, 'none.backup'), '--data-dir', join(scratch, 'empty')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^ferry: no database at .*: nothing to back up\n$/);
  });
});
