// What happens to uploads afterwards: the sweeper expires them (driven through its service with a
// chosen "now", so nothing waits for days), an ephemeral file goes at its own deadline, a deleted
// account takes its files along (online, and offline through the sweeper), and the CLI's admin
// functions list and delete with nothing but the storage and the config.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import { formatDateTime } from '@ferry/protocol/payloads/http-upload';
import type { Element } from '@ferry/protocol/xml/element';
import { openStorage } from '../../src/server/storage/index.js';
import { deleteUpload, listUploads } from '../../src/server/modules/http-upload/admin.js';
import { https, iqGet, readSlot } from '../helpers/http-upload-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';

const UPLOAD = 'upload.localhost';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let dataDir: string;
let ts: TestServer;
const clients: TestClient[] = [];

function startFerry(): Promise<TestServer> {
  // Our own data dir, so a second server can start on what the first left behind.
  return startTestServer({
    data_dir: dataDir,
    'modules.http_upload.orphan_grace_seconds': 0,
    'modules.register.enabled': true,
  });
}

async function online(username: string): Promise<TestClient> {
  if (!(await ts.server.storage.accounts.exists(username))) await ts.addUser(username);
  const client = await connectClient({ port: ts.ports.c2s, username });
  clients.push(client);
  return client;
}

/** Uploads `size` random bytes; returns the GET URL and the blob's path on disk. */
async function upload(client: TestClient, filename: string, purpose?: Element) {
  const size = 5_000;
  const reply = await iqGet(client, UPLOAD, xml('request', { xmlns: NS.HTTP_UPLOAD, filename, size }, purpose));
  const slot = readSlot(reply);
  const answer = await https(slot.putUrl, {
    method: 'PUT',
    headers: { authorization: slot.authorization, 'content-length': size },
    body: randomBytes(size),
  });
  assert.equal(answer.status, 201);
  const id = new URL(slot.getUrl).pathname.split('/')[2]!;
  return { url: slot.getUrl, id, blob: join(dataDir, 'uploads', id) };
}

/** GET's status, at the running server's HTTPS port (a restarted server has a new one). */
async function status(url: string): Promise<number> {
  const target = new URL(url);
  target.port = String(ts.ports.https);
  return (await https(target.toString(), { method: 'GET' })).status;
}

function sweep(now?: number) {
  const service = ts.server.service('http_upload');
  assert.ok(service);
  return service.sweep(now);
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferry-retention-'));
  ts = await startFerry();
});

after(async () => {
  for (const client of clients) await client.stop();
  await ts?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the sweeper', () => {
  it('removes an ephemeral file at its own deadline, and others after expire_after_days', async () => {
    const alice = await online('alice');
    const message = await upload(alice, 'message.bin');
    const ephemeral = await upload(
      alice,
      'story.jpg',
      xml('ephemeral', { xmlns: NS.HTTP_UPLOAD_PURPOSE, 'expire-before': formatDateTime(new Date(Date.now() + HOUR)) }),
    );
    assert.deepEqual(await sweep(Date.now() + 2 * HOUR), { expired: 1, orphans: 0 });
    assert.equal(await status(ephemeral.url), 404);
    assert.equal(existsSync(ephemeral.blob), false);
    assert.equal(await status(message.url), 200);
    assert.deepEqual(await sweep(Date.now() + 8 * DAY), { expired: 1, orphans: 0 });
    assert.equal(await status(message.url), 404);
    assert.equal(existsSync(message.blob), false);
  });
});

describe('the admin functions (for `ferry uploads`)', () => {
  it('list and delete uploads from the storage and config alone', async () => {
    const alice = await online('alice');
    const bob = await online('bob');
    const first = await upload(alice, 'one.txt');
    const second = await upload(bob, 'two.txt');
    const { storage, config } = ts.server;
    const all = await listUploads(storage, config);
    assert.deepEqual(
      all.map((record) => [record.owner, record.name, record.size]),
      [
        ['alice', 'one.txt', 5000],
        ['bob', 'two.txt', 5000],
      ],
    );
    assert.match(all[0]!.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      (await listUploads(storage, config, { owner: 'bob' })).map((record) => record.id),
      [second.id],
    );
    assert.equal(await deleteUpload(storage, config, first.id), true);
    assert.equal(await deleteUpload(storage, config, first.id), false);
    assert.equal(existsSync(first.blob), false);
    // The running server sees the deletion at once.
    assert.equal(await status(first.url), 404);
  });
});

describe('account deletion', () => {
  it('in-band removal (XEP-0077) deletes the account’s files', async () => {
    const dave = await online('dave');
    const file = await upload(dave, 'dave.bin');
    await dave.xmpp.send(xml('iq', { type: 'set', id: 'rm1' }, xml('query', { xmlns: NS.REGISTER }, xml('remove'))));
    const result = await dave.waitFor((stanza) => stanza.attrs.id === 'rm1', 'the removal result');
    assert.equal(result.attrs.type, 'result', result.toString());
    assert.equal(await status(file.url), 404);
    // The blob goes in the event listener; bounded wait for it.
    await withTimeout(
      (async () => {
        while (existsSync(file.blob)) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      5_000,
      'the deleted account’s blob to go',
    );
  });

  it('an account deleted while the server is stopped loses its blobs at the next start', async () => {
    const erin = await online('erin');
    const file = await upload(erin, 'erin.bin');
    await erin.stop();
    await ts.server.stop();
    // As `ferry accounts delete` does: straight on the database, no server.
    const storage = await openStorage({ backend: 'sqlite', dataDir, scramIterations: 4096 });
    assert.equal(await storage.accounts.delete('erin'), true);
    await storage.close();
    assert.equal(existsSync(file.blob), true);
    ts = await startFerry();
    await sweep(); // the start-up sweep may still be running: this waits for it (or runs another)
    await sweep();
    assert.equal(existsSync(file.blob), false);
    assert.equal(await status(file.url), 404);
  });
});
