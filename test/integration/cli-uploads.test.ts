// `ferry uploads`, `ferry uploads rm` and `ferry deluser` on the data directory of a running
// server that holds HTTP uploads: listing with owners and sizes, deleting one (its link is then
// a 404), and an account's files going with the account.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { NS } from '@ferry/protocol/namespaces';
import { https, iqGet, readSlot } from '../helpers/http-upload-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml } from '../helpers/xmpp-client.js';

function ferry(args: string[]) {
  const result = spawnSync(
    process.execPath,
    ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, FERRY_CONFIG: '' },
      timeout: 60_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ferry uploads', () => {
  let server: TestServer;
  const links = new Map<string, string>();

  async function upload(username: string, name: string, size: number): Promise<void> {
    const client = await connectClient({ port: server.ports.c2s, username });
    try {
      const body = randomBytes(size);
      const slot = readSlot(
        await iqGet(client, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: name, size })),
      );
      const put = await https(slot.putUrl, {
        method: 'PUT',
        headers: { authorization: slot.authorization, 'content-length': size },
        body,
      });
      assert.equal(put.status, 201);
      links.set(name, slot.getUrl);
    } finally {
      await client.stop();
    }
  }

  before(async () => {
    server = await startTestServer();
    await server.addUser('alice');
    await server.addUser('bob');
    await upload('alice', 'report.pdf', 2048);
    await upload('bob', 'cat.jpg', 1000);
    await upload('bob', 'dog.jpg', 3000);
  });
  after(() => server.stop());

  const records = (args: string[] = []) =>
    ferry(['uploads', '--json', '--data-dir', server.dataDir, ...args])
      .stdout.trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string; owner: string; name: string; size: number });

  it('lists every stored file with its owner and size', () => {
    const result = ferry(['uploads', '--data-dir', server.dataDir]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ID\s+OWNER\s+SIZE\s+UPLOADED\s+EXPIRES\s+NAME$/);
    assert.match(result.stdout, /alice@localhost\s+2\.0 KiB .*report\.pdf/);
    assert.match(lines.at(-1)!, /^3 files, /);
    assert.deepEqual(
      records().map(({ owner, name, size }) => ({ owner, name, size })),
      [
        { owner: 'alice', name: 'report.pdf', size: 2048 },
        { owner: 'bob', name: 'cat.jpg', size: 1000 },
        { owner: 'bob', name: 'dog.jpg', size: 3000 },
      ],
    );
  });

  it("lists one account's files with --user", () => {
    assert.deepEqual(
      records(['--user', 'bob@localhost']).map((record) => record.name),
      ['cat.jpg', 'dog.jpg'],
    );
    assert.equal(
      ferry(['uploads', '--user', 'carol', '--data-dir', server.dataDir]).stdout,
      'no uploads by carol@localhost\n',
    );
  });

  it('deletes one file: gone from the list, its link answers 404', async () => {
    const cat = records().find((record) => record.name === 'cat.jpg')!;
    const result = ferry(['uploads', 'rm', cat.id, '--data-dir', server.dataDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `deleted upload ${cat.id}\n`);
    assert.equal((await https(links.get('cat.jpg')!, { method: 'GET' })).status, 404);
    assert.deepEqual(
      records().map((record) => record.name),
      ['report.pdf', 'dog.jpg'],
    );
    const again = ferry(['uploads', 'rm', cat.id, '--data-dir', server.dataDir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^ferry: no upload with id /);
  });

  it("deletes an account's files with the account", async () => {
    assert.equal(ferry(['deluser', 'bob@localhost', '--data-dir', server.dataDir]).code, 0);
    assert.deepEqual(
      records().map((record) => record.name),
      ['report.pdf'],
    );
    assert.equal((await https(links.get('dog.jpg')!, { method: 'GET' })).status, 404);
    assert.equal((await https(links.get('report.pdf')!, { method: 'GET' })).status, 200);
  });
});
