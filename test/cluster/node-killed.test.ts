// Three `ferry server` processes on loopback serving one domain through one PostgreSQL, one Redis
// and one S3-compatible bucket; one of them is killed with SIGKILL, as a crashed machine would
// be. Its user's contacts on the other nodes see her go offline, and nothing stored is lost: the
// offline message she left for a user who was away, and the file she uploaded through that node.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closedPort, serverArgs } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { https, iqGet, readSlot, sha256 } from '../helpers/http-upload-client.js';
import { postgresSkipReason, startPostgres, type PostgresInstance } from '../helpers/postgres.js';
import { redisSkipReason, startRedis, type RedisInstance } from '../helpers/redis.js';
import { S3RVER_CREDENTIALS, localS3 } from '../helpers/s3rver.js';
import { PASSWORD } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';
import { openStorage } from '../../src/server/storage/index.js';
import { NS } from '@ferry/protocol/namespaces';

const BUCKET = 'ferry-killed-node';
/** The nodes' heartbeat settings: a dead node is noticed within 2 s plus a beat. */
const HEARTBEAT = ['cluster.heartbeat_seconds=0.5', 'cluster.node_timeout_seconds=2'];
const START_MS = 60_000;

interface NodeProcess {
  readonly id: string;
  readonly c2s: number;
  readonly https: number;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<void>;
}

describe('a node killed with SIGKILL', { skip: postgresSkipReason() ?? redisSkipReason() }, () => {
  const s3 = localS3([BUCKET]);
  const dirs: { remove(): void }[] = [];
  const nodes: NodeProcess[] = [];
  const clients: TestClient[] = [];
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let postgresUrl: string;

  /** `ferry server` as a node of the cluster, on known ports (the clients need them). */
  const startNode = async (id: string): Promise<NodeProcess> => {
    const data = tempDir(`ferry-${id}-`);
    dirs.push(data);
    const [c2s, httpsPort] = [await closedPort(), await closedPort()];
    const args = serverArgs(
      data.path,
      `c2s.port=${c2s}`,
      `http.https_port=${httpsPort}`,
      'storage.backend=postgres',
      `storage.postgres_url=${postgresUrl}`,
      `cluster.redis_url=${redis.url}`,
      `cluster.node_id=${id}`,
      ...HEARTBEAT,
      'modules.http_upload.store=s3',
      `modules.http_upload.s3.endpoint=${s3.endpoint()}`,
      `modules.http_upload.s3.bucket=${BUCKET}`,
      `modules.http_upload.s3.access_key_id=${S3RVER_CREDENTIALS.accessKeyId}`,
      `modules.http_upload.s3.secret_access_key=${S3RVER_CREDENTIALS.secretAccessKey}`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, FERRY_CONFIG: '' };
    delete env.NODE_TLS_REJECT_UNAUTHORIZED;
    const child = spawn(
      process.execPath,
      ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
      },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const node = { id, c2s, https: httpsPort, child, output: () => output, exited };
    nodes.push(node);
    const deadline = Date.now() + START_MS;
    while (!/cluster: joined/.test(output) || !/Ferry started/.test(output)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`${id} did not start (exit ${child.exitCode}):\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return node;
  };
  const login = async (node: NodeProcess, username: string, resource: string) => {
    const client = await connectClient({ port: node.c2s, username, resource });
    clients.push(client);
    return client;
  };
  const presence = (client: TestClient, from: string, type: string | undefined, what: string) =>
    client.waitFor((s) => s.is('presence') && s.attrs.from === from && s.attrs.type === type, what, 15_000);

  let a: NodeProcess;
  let b: NodeProcess;
  let c: NodeProcess;
  before(async () => {
    await s3.start();
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    postgresUrl = postgres.url(await postgres.createDatabase());
    const storage = await openStorage({ backend: 'postgres', dataDir: '', postgres: { url: postgresUrl } });
    try {
      for (const user of ['alice', 'bob', 'carol', 'dave']) await storage.accounts.create(user, PASSWORD);
      for (const [one, other] of [
        ['alice', 'carol'],
        ['bob', 'carol'],
      ] as const) {
        await storage.roster.put(one, { jid: `${other}@localhost`, subscription: 'both', groups: [] });
        await storage.roster.put(other, { jid: `${one}@localhost`, subscription: 'both', groups: [] });
      }
    } finally {
      await storage.close();
    }
    // One at a time: each joins the cluster the previous ones formed.
    a = await startNode('node-a');
    b = await startNode('node-b');
    c = await startNode('node-c');
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.stop()));
    for (const node of nodes) {
      node.child.kill('SIGTERM');
      const timer = setTimeout(() => node.child.kill('SIGKILL'), 5_000);
      await node.exited;
      clearTimeout(timer);
    }
    await redis?.stop();
    await postgres?.stop();
    await s3.stop();
    for (const dir of dirs) dir.remove();
  });

  it('its user is seen offline on the other nodes, and what she stored through it is still there', async () => {
    const alice = await login(a, 'alice', 'laptop');
    const bob = await login(b, 'bob', 'phone');
    const carol = await login(c, 'carol', 'desk');
    await presence(alice, 'carol@localhost/desk', undefined, 'alice sees carol online');
    await presence(bob, 'carol@localhost/desk', undefined, 'bob sees carol online');

    // Stored through node-c: a message for dave, who is offline, and an upload.
    await carol.xmpp.send(
      xml('message', { to: 'dave@localhost', type: 'chat', id: 'left-for-dave' }, xml('body', null, 'see you')),
    );
    const body = randomBytes(256 * 1024 + 5);
    const slot = readSlot(
      await iqGet(
        carol,
        'upload.localhost',
        xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'minutes.bin', size: body.length }),
      ),
    );
    const put = await https(slot.putUrl, {
      method: 'PUT',
      headers: { authorization: slot.authorization, 'content-length': body.length },
      body,
    });
    assert.equal(put.status, 201);
    // The message is stored once node-c has answered a round trip after it (stanzas are handled in order).
    await iqGet(carol, 'localhost', xml('ping', { xmlns: 'urn:xmpp:ping' }));

    c.child.kill('SIGKILL');
    await c.exited;
    await presence(alice, 'carol@localhost/desk', 'unavailable', 'alice sees carol go offline');
    await presence(bob, 'carol@localhost/desk', 'unavailable', 'bob sees carol go offline');

    const dave = await login(b, 'dave', 'tablet');
    const stored = await dave.waitFor((s) => s.attrs.id === 'left-for-dave', 'the message left for dave', 10_000);
    assert.equal(stored.getChildText('body'), 'see you');
    const download = new URL(slot.getUrl);
    download.port = String(a.https);
    const get = await https(download.toString(), { method: 'GET' });
    assert.equal(get.status, 200);
    assert.equal(sha256(get.body), sha256(body), 'the file uploaded through node-c, from node-a');

    // The two nodes left go on routing between themselves.
    await alice.xmpp.send(xml('message', { to: 'bob@localhost/phone', type: 'chat', id: 'still-here' }));
    await bob.waitFor((s) => s.attrs.id === 'still-here', 'a message from node-a to node-b');
  });
});
