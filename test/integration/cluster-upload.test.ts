// HTTP upload on a cluster: two nodes share PostgreSQL, Redis and an S3-compatible bucket (s3rver,
// in-process). A slot one node hands out is accepted by the other (the slot key is the cluster's,
// in the shared database), a file uploaded through one node downloads from either, and a user's
// quota counts the uploads made through every node.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestServer } from '../helpers/server.js';
import { xml, type TestClient } from '../helpers/xmpp-client.js';
import { clusterSkipReason, startClusterNodes, type ClusterNodes } from '../helpers/cluster-nodes.js';
import { https, iqGet, readSlot, sha256 } from '../helpers/http-upload-client.js';
import { S3RVER_CREDENTIALS, localS3 } from '../helpers/s3rver.js';
import { NS } from '@ferry/protocol/namespaces';

const BUCKET = 'ferry-cluster-uploads';
const QUOTA = 500_000;

/** The same URL on another node's HTTPS port (behind a load balancer, any node may get it). */
const onNode = (url: string, node: TestServer): string => {
  const target = new URL(url);
  target.port = String(node.ports.https);
  return target.toString();
};

describe('HTTP upload across cluster nodes', { skip: clusterSkipReason() }, () => {
  const s3 = localS3([BUCKET]);
  let cluster: ClusterNodes;
  let a: TestServer;
  let b: TestServer;
  let aliceOnA: TestClient;
  let aliceOnB: TestClient;

  const slot = async (client: TestClient, size: number) =>
    iqGet(client, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'notes.bin', size }));

  before(async () => {
    await s3.start();
    cluster = await startClusterNodes();
    const uploads = {
      'modules.http_upload.store': 's3',
      'modules.http_upload.s3.endpoint': s3.endpoint(),
      'modules.http_upload.s3.bucket': BUCKET,
      'modules.http_upload.s3.access_key_id': S3RVER_CREDENTIALS.accessKeyId,
      'modules.http_upload.s3.secret_access_key': S3RVER_CREDENTIALS.secretAccessKey,
      'modules.http_upload.user_quota_bytes': QUOTA,
    };
    a = await cluster.start('node-a', uploads);
    b = await cluster.start('node-b', uploads);
    await a.addUser('alice');
    aliceOnA = await cluster.login(a, 'alice', 'laptop');
    aliceOnB = await cluster.login(b, 'alice', 'phone');
  });
  after(async () => {
    await cluster?.stop();
    await s3.stop();
  });

  it('a slot from one node is accepted by the other, and the file downloads intact from both', async () => {
    const body = randomBytes(300_000);
    const { putUrl, getUrl, authorization } = readSlot(await slot(aliceOnA, body.length));
    const put = await https(onNode(putUrl, b), {
      method: 'PUT',
      headers: { authorization, 'content-length': body.length },
      body,
    });
    assert.equal(put.status, 201, put.body.toString());
    for (const node of [a, b]) {
      const get = await https(onNode(getUrl, node), { method: 'GET' });
      assert.equal(get.status, 200, `GET through ${node.server.cluster?.id}`);
      assert.equal(sha256(get.body), sha256(body));
    }
    // The slot is spent on every node: the same PUT again through the first one is refused.
    const again = await https(onNode(putUrl, a), {
      method: 'PUT',
      headers: { authorization, 'content-length': body.length },
      body,
    });
    assert.equal(again.status, 409);
  });

  it("a user's quota counts what she uploaded through the other node", async () => {
    // 300,000 bytes are stored (the case above, through node-b); 300,000 more would pass 500,000.
    const refused = await slot(aliceOnB, 300_000);
    assert.equal(refused.attrs.type, 'error', refused.toString());
    assert.match(refused.getChild('error')?.getChildText('text') ?? '', /Storage quota reached/);
    const allowed = await slot(aliceOnB, 100_000);
    assert.equal(allowed.attrs.type, 'result', allowed.toString());
  });
});
