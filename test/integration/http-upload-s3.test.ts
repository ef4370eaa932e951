// The http_upload module with `store = "s3"`: the same slot → PUT → GET flow as on disk, with the
// bytes in a real S3-compatible server (s3rver, in-process on loopback), and nothing left there
// by an aborted PUT.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import { createS3BlobStore } from '../../src/server/modules/http-upload/blob-store/s3.js';
import { localS3 } from '../helpers/s3rver.js';
import { https, iqGet, readSlot, sha256 } from '../helpers/http-upload-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';

const BUCKET = 'ferry-module-test';
const s3 = localS3([BUCKET]);
let endpoint = '';
let ts: TestServer;
let alice: TestClient;

before(async () => {
  await s3.start();
  endpoint = s3.endpoint();
  ts = await startTestServer({
    'modules.http_upload.store': 's3',
    'modules.http_upload.s3.endpoint': endpoint,
    'modules.http_upload.s3.bucket': BUCKET,
    'modules.http_upload.s3.access_key_id': 'S3RVER',
    'modules.http_upload.s3.secret_access_key': 'S3RVER',
  });
  await ts.addUser('alice');
  alice = await connectClient({ port: ts.ports.c2s, username: 'alice' });
});

after(async () => {
  await alice?.stop();
  await ts?.stop();
  await s3.stop();
});

async function storedKeys(): Promise<string[]> {
  const store = createS3BlobStore({
    endpoint,
    region: 'us-east-1',
    bucket: BUCKET,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    prefix: 'ferry-uploads/',
  });
  const keys: string[] = [];
  for await (const key of store.keys()) keys.push(key);
  await store.close();
  return keys;
}

describe('http_upload on an S3-compatible store', () => {
  it('stores a PUT in the bucket and serves it back intact, with ranges', async () => {
    const body = randomBytes(300_000);
    const slot = readSlot(
      await iqGet(
        alice,
        'upload.localhost',
        xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'photo.jpg', size: body.length }),
      ),
    );
    const put = await https(slot.putUrl, {
      method: 'PUT',
      headers: { authorization: slot.authorization, 'content-length': body.length },
      body,
    });
    assert.equal(put.status, 201);
    assert.equal((await storedKeys()).length, 1);

    const get = await https(slot.getUrl, { method: 'GET' });
    assert.equal(get.status, 200);
    assert.equal(sha256(get.body), sha256(body));
    const range = await https(slot.getUrl, { method: 'GET', headers: { range: 'bytes=1000-1999' } });
    assert.equal(range.status, 206);
    assert.deepEqual(range.body, body.subarray(1000, 2000));
  });

  it('leaves nothing in the bucket when a PUT ends short', async () => {
    const before = await storedKeys();
    const size = 100_000;
    const slot = readSlot(
      await iqGet(alice, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'short.bin', size })),
    );
    const put = await https(slot.putUrl, {
      method: 'PUT',
      headers: { authorization: slot.authorization, 'content-length': size - 1 },
      body: randomBytes(size - 1),
    });
    assert.equal(put.status, 400);
    assert.deepEqual(await storedKeys(), before);
    assert.equal((await https(slot.getUrl, { method: 'GET' })).status, 404);
  });
});
