// What a cluster node does when something around it fails: Redis unreachable at start or at run
// time (local service goes on, stanzas for other nodes bounce at once, routing comes back with
// Redis), a node id already in use, a node leaving cleanly, and junk written into its Redis keys.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';
import { postgresSkipReason, startPostgres, type PostgresInstance } from '../helpers/postgres.js';
import { redisSkipReason, startRedis, type RedisInstance } from '../helpers/redis.js';
import { captureLogs } from '../helpers/log-capture.js';
import { closedPort } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { Jid } from '@ferry/protocol/jid';
import { loadConfig } from '../../src/server/core/config.js';
import { FerryServer } from '../../src/server/core/server.js';
import { silentLogger } from '../../src/server/core/logger.js';

const skip = postgresSkipReason() ?? redisSkipReason();

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('cluster failures', { skip }, () => {
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let url: string;
  const nodes: TestServer[] = [];
  const clients: TestClient[] = [];
  const logs = captureLogs('info');

  const clusterOverrides = (id: string, redisUrl = redis.url) => ({
    'storage.backend': 'postgres',
    'storage.postgres_url': url,
    'cluster.redis_url': redisUrl,
    'cluster.node_id': id,
    'cluster.heartbeat_seconds': 0.5,
    'cluster.node_timeout_seconds': 2,
    'cluster.redis_timeout_seconds': 1,
  });
  const startNode = async (id: string) => {
    const node = await startTestServer(clusterOverrides(id), { logger: logs.logger });
    nodes.push(node);
    return node;
  };
  const login = async (node: TestServer, username: string, resource: string) => {
    const client = await connectClient({ port: node.ports.c2s, username, resource });
    clients.push(client);
    return client;
  };
  const seesRemote = (node: TestServer, jid: string) => () => {
    const session = node.server.sessions.get(Jid.parse(jid));
    return session !== undefined && !session.isLocal && session.presence !== undefined;
  };

  /** Starts a server that must fail; stops it as `ferry server` does, and returns the error. */
  const failedStart = async (overrides: Record<string, string | number>): Promise<unknown> => {
    const data = tempDir('ferry-cluster-');
    const config = loadConfig({
      env: {},
      overrides: {
        data_dir: data.path,
        'c2s.port': 0,
        'c2s_direct_tls.port': 0,
        'http.port': 0,
        'http.https_port': 0,
        'modules.proxy65.port': 0,
        ...overrides,
      },
    });
    const server = new FerryServer({ config, logger: silentLogger() });
    try {
      await server.start();
    } catch (error) {
      return error;
    } finally {
      await server.stop();
      data.remove();
    }
    throw new Error('the server started');
  };

  let a: TestServer;
  let b: TestServer;
  before(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    url = postgres.url(await postgres.createDatabase());
    a = await startNode('node-a');
    b = await startNode('node-b');
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) await a.addUser(user);
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.stop()));
    for (const node of nodes.reverse()) await node.stop();
    await redis?.stop();
    await postgres?.stop();
  });

  it('refuses to start when Redis cannot be reached, naming cluster.redis_url, never its password', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = (await failedStart(clusterOverrides('node-x', `redis://:hunter2@127.0.0.1:${port}`))) as Error & {
      code?: string;
    };
    assert.ok(
      error.code === 'FERRY_ERR_CLUSTER_CONNECT' &&
        error.message.includes('cluster.redis_url') &&
        error.message.includes(`127.0.0.1:${port}`) &&
        !error.message.includes('hunter2'),
      error.message,
    );
    assert.ok(Date.now() - started < 5_000, 'within cluster.redis_timeout_seconds, plus start-up');
  });

  it('refuses a second node with an id that is alive', async () => {
    const error = (await failedStart(clusterOverrides('node-a'))) as Error;
    assert.match(error.message, /another node with cluster\.node_id "node-a" is alive/);
  });

  it('ignores junk in its Redis channel and inbox, and goes on routing', async () => {
    const raw = new Redis(redis.url);
    try {
      await raw.publish('ferry:{localhost}:events', '{"o":"set","j":"mallory@localhost/x","e":"{}"}');
      await raw.publish('ferry:{localhost}:events', 'not json at all');
      await raw.xadd(
        'ferry:{localhost}:node:node-b:inbox',
        '*',
        'v',
        '1',
        'k',
        'stanza',
        'to',
        'bob@localhost/x',
        's',
        '<junk',
      );
    } finally {
      raw.disconnect();
    }
    const alice = await login(a, 'alice', 'laptop');
    const bob = await login(b, 'bob', 'phone');
    await until(seesRemote(a, 'bob@localhost/phone'), 'node-a sees bob');
    assert.equal(a.server.sessions.get(Jid.parse('mallory@localhost/x')), undefined);
    await alice.xmpp.send(xml('message', { to: 'bob@localhost/phone', id: 'after-junk' }, xml('body', null, 'hi')));
    await bob.waitFor((s) => s.attrs.id === 'after-junk', 'the message');
    assert.ok(logs.lines.some((line) => /malformed session events/.test(line.msg)));
    assert.ok(logs.lines.some((line) => /malformed inbox entries/.test(line.msg)));
  });

  it('with Redis gone: local chat goes on, a stanza for another node bounces at once; routing returns with Redis', async () => {
    const alice = clients.find((c) => c.jid === 'alice@localhost/laptop')!;
    const bob = clients.find((c) => c.jid === 'bob@localhost/phone')!;
    const carol = await login(a, 'carol', 'desk');
    redis.kill();
    await until(() => logs.lines.some((line) => /Redis unreachable/.test(line.msg)), 'the outage logged');
    const line = logs.lines.find((l) => /Redis unreachable/.test(l.msg))!;
    assert.match(line.msg, /cluster\.redis_url/);
    await alice.xmpp.send(xml('message', { to: 'carol@localhost/desk', id: 'local' }, xml('body', null, 'same node')));
    await carol.waitFor((s) => s.attrs.id === 'local', 'a message on the same node');
    const sent = Date.now();
    await alice.xmpp.send(xml('message', { to: 'bob@localhost/phone', id: 'remote' }, xml('body', null, 'other node')));
    const bounce = await alice.waitFor((s) => s.attrs.id === 'remote' && s.attrs.type === 'error', 'the bounce', 2_000);
    assert.ok(Date.now() - sent < 1_000, 'at once, not after a timeout');
    assert.ok(bounce.getChild('error')?.getChild('service-unavailable'), bounce.toString());
    redis = await startRedis({ port: redis.port });
    const isBack = () => a.server.cluster!.isConnected && b.server.cluster!.isConnected;
    await until(isBack, 'both nodes connected again', 10_000);
    // Each node's alive key is written again as soon as its connection is back.
    const raw = new Redis(redis.url);
    try {
      const alive = ['node-a', 'node-b'].map((id) => `ferry:{localhost}:node:${id}:alive`);
      for (let i = 0; (await raw.exists(...alive)) < 2; i++) {
        assert.ok(i < 100, 'both nodes alive again within 2 s of reconnecting');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      raw.disconnect();
    }
    // Redis came back empty: each node announces its sessions again, and reads the other's.
    await until(seesRemote(a, 'bob@localhost/phone'), 'node-a sees bob again', 5_000);
    await until(seesRemote(b, 'alice@localhost/laptop'), 'node-b sees alice again', 5_000);
    await alice.xmpp.send(xml('message', { to: 'bob@localhost/phone', id: 'back' }, xml('body', null, 'again')));
    await bob.waitFor((s) => s.attrs.id === 'back', 'the message after Redis came back');
  });

  it('a node stopped cleanly: the others drop its sessions at once, and its users are seen leaving', async () => {
    const c = await startNode('node-c');
    await c.server.storage.roster.put('dave', { jid: 'erin@localhost', subscription: 'both', groups: [] });
    await c.server.storage.roster.put('erin', { jid: 'dave@localhost', subscription: 'both', groups: [] });
    const erin = await login(a, 'erin', 'home');
    await login(c, 'dave', 'work');
    await erin.waitFor(
      (s) => s.is('presence') && s.attrs.from === 'dave@localhost/work' && !s.attrs.type,
      'dave available',
    );
    const stopping = Date.now();
    await c.stop();
    nodes.splice(nodes.indexOf(c), 1);
    await erin.waitFor((s) => s.attrs.from === 'dave@localhost/work' && s.attrs.type === 'unavailable', 'dave leaving');
    await until(
      () => a.server.sessions.get(Jid.parse('dave@localhost/work')) === undefined,
      'node-a drops dave',
      1_000,
    );
    await until(
      () => b.server.sessions.get(Jid.parse('dave@localhost/work')) === undefined,
      'node-b drops dave',
      1_000,
    );
    assert.ok(Date.now() - stopping < 2_000 + 3_000, 'not by the node timeout');
    const raw = new Redis(redis.url);
    try {
      assert.equal(await raw.sismember('ferry:{localhost}:nodes', 'node-c'), 0);
      assert.equal(
        await raw.exists('ferry:{localhost}:node:node-c:inbox', 'ferry:{localhost}:node:node-c:sessions'),
        0,
      );
    } finally {
      raw.disconnect();
    }
  });
});
