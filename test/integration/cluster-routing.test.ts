// A cluster of Ferry nodes in one process (distinct ephemeral ports) on one private PostgreSQL and
// one private Redis: clients on different nodes exchange messages, presence, IQs and a file over
// IBB; offline messages reach a user who logs in on another node; a resource bound on two nodes
// keeps the newer session; a session on another node is closed from here.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestServer } from '../helpers/server.js';
import { withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';
import { clusterSkipReason, startClusterNodes, until, type ClusterNodes } from '../helpers/cluster-nodes.js';
import { loginConnection } from '../helpers/connection-pair.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport } from '@ferry/client';
import { Jid } from '@ferry/protocol/jid';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { statusLines } from '../../src/cli/operations-output.js';
import { dashboardBody } from '../../src/server/modules/admin/console/live-pages.js';

describe('cluster routing: nodes sharing PostgreSQL and Redis', { skip: clusterSkipReason() }, () => {
  let cluster: ClusterNodes;
  const login = (node: TestServer, username: string, resource: string): Promise<TestClient> =>
    cluster.login(node, username, resource);
  const seesRemote = (node: TestServer, jid: string) => cluster.seesRemote(node, jid);

  let a: TestServer;
  let b: TestServer;
  before(async () => {
    cluster = await startClusterNodes();
    a = await cluster.start('node-a');
    b = await cluster.start('node-b');
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hal', 'ivan', 'jack'])
      await a.addUser(user);
  });
  after(() => cluster?.stop());

  it('delivers messages to a full JID and to the bare JID on another node, in order', async () => {
    const alice = await login(a, 'alice', 'laptop');
    const bob = await login(b, 'bob', 'phone');
    await until(seesRemote(a, 'bob@localhost/phone'), 'node-a sees bob on node-b');
    for (let i = 0; i < 20; i++) {
      const to = i % 2 === 0 ? 'bob@localhost/phone' : 'bob@localhost';
      await alice.xmpp.send(xml('message', { to, type: 'chat', id: `m${i}` }, xml('body', null, `hello ${i}`)));
    }
    await bob.waitFor((s) => s.is('message') && s.attrs.id === 'm19', 'the last message');
    const ids = bob.received.filter((s) => s.is('message')).map((s) => s.attrs.id as string);
    assert.deepEqual(
      ids,
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
    assert.equal(bob.received.find((s) => s.attrs.id === 'm1')?.attrs.from, 'alice@localhost/laptop');
  });

  it('runs an IQ round trip (ping) to a full JID on another node', async () => {
    const alice = cluster.client('alice@localhost/laptop');
    const result = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: 'bob@localhost/phone', id: 'ping-1' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      5_000,
    );
    assert.equal(result.attrs.type, 'result');
    assert.equal(result.attrs.from, 'bob@localhost/phone');
  });

  it('carries a subscription across nodes, and each side sees the other available', async () => {
    const carol = await login(a, 'carol', 'desk');
    const dave = await login(b, 'dave', 'tablet');
    await until(seesRemote(a, 'dave@localhost/tablet'), 'node-a sees dave');
    await until(seesRemote(b, 'carol@localhost/desk'), 'node-b sees carol');
    await carol.xmpp.send(xml('presence', { to: 'dave@localhost', type: 'subscribe' }));
    const request = await dave.waitFor((s) => s.is('presence') && s.attrs.type === 'subscribe', 'the request');
    assert.equal(request.attrs.from, 'carol@localhost');
    await dave.xmpp.send(xml('presence', { to: 'carol@localhost', type: 'subscribed' }));
    await carol.waitFor((s) => s.is('presence') && s.attrs.type === 'subscribed', 'the approval');
    const available = await carol.waitFor(
      (s) => s.is('presence') && s.attrs.from === 'dave@localhost/tablet' && s.attrs.type === undefined,
      "dave's presence",
    );
    assert.equal(available.attrs.to, 'carol@localhost/desk');
    // dave's next presence reaches his subscriber on the other node.
    await dave.xmpp.send(xml('presence', {}, xml('show', null, 'away')));
    await carol.waitFor((s) => s.is('presence') && s.getChildText('show') === 'away', "dave's away");
    await until(
      () => a.server.sessions.get(Jid.parse('dave@localhost/tablet'))?.presence?.getChildText('show') === 'away',
      'node-a mirrors the new presence',
    );
  });

  it('pushes roster changes to a resource on another node that asked for its roster', async () => {
    const jack = await login(b, 'jack', 'laptop');
    await jack.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })), 5_000);
    await until(
      () => a.server.sessions.get(Jid.parse('jack@localhost/laptop'))?.isRosterRequested === true,
      'node-a knows jack asked',
    );
    const carol = cluster.client('carol@localhost/desk');
    await jack.xmpp.send(xml('presence', { to: 'carol@localhost', type: 'subscribe' }));
    await carol.waitFor((s) => s.attrs.from === 'jack@localhost' && s.attrs.type === 'subscribe', "jack's request");
    // carol's approval is handled on node-a, which changes jack's roster and pushes it to him on node-b.
    await carol.xmpp.send(xml('presence', { to: 'jack@localhost', type: 'subscribed' }));
    const push = await jack.waitFor(
      (s) =>
        s.is('iq') &&
        s.attrs.type === 'set' &&
        s.getChild('query', 'jabber:iq:roster')?.getChild('item')?.attrs.subscription === 'to',
      'a roster push with subscription "to"',
    );
    assert.equal(push.getChild('query')?.getChild('item')?.attrs.jid, 'carol@localhost');
  });

  it('transfers a file over IBB between clients on different nodes, bytes checked by hash', async () => {
    const files = tempDir();
    const source = join(files.path, 'cluster.bin');
    const hash = writeRandomFile(source, 300_000 + 7);
    const sender = await loginConnection(a.ports.c2s, 'gina', 'sender');
    const receiver = await loginConnection(b.ports.c2s, 'hal', 'receiver');
    await until(seesRemote(a, 'hal@localhost/receiver'), 'node-a sees hal');
    await until(seesRemote(b, 'gina@localhost/sender'), 'node-b sees gina');
    const sending = new FileTransferManager(sender, { transports: [createIbbTransport()], acceptTimeoutMs: 10_000 });
    const receiving = new FileTransferManager(receiver, {
      transports: [createIbbTransport()],
      streamTimeoutMs: 10_000,
    });
    try {
      const target = join(files.path, 'received.bin');
      const accepted = new Promise((resolve, reject) =>
        receiving.once('offer', (offer) => offer.accept({ to: target }).then(resolve, reject)),
      );
      const transfer = sending.send('hal@localhost/receiver', source);
      const sent = await transfer.done;
      assert.equal(sent.method, 'ibb');
      await accepted;
      assert.equal(await sha256File(target), hash);
    } finally {
      sending.close();
      receiving.close();
      await sender.stop();
      await receiver.stop();
      files.remove();
    }
  });

  it('stores a message for an offline user, delivered when she logs in on the other node', async () => {
    const alice = cluster.client('alice@localhost/laptop');
    await alice.xmpp.send(
      xml('message', { to: 'erin@localhost', type: 'chat', id: 'off-1' }, xml('body', null, 'later')),
    );
    const reply = await alice.waitFor((s) => s.attrs.id === 'off-1', 'a bounce', 500).catch(() => undefined);
    assert.equal(reply, undefined, 'stored, not bounced');
    const erin = await login(b, 'erin', 'home');
    const stored = await erin.waitFor((s) => s.is('message') && s.attrs.id === 'off-1', 'the offline message');
    assert.equal(stored.getChildText('body'), 'later');
    assert.ok(stored.getChild('delay', 'urn:xmpp:delay'), 'with a delay stamp');
  });

  it('replaces a session when the same resource binds on another node (conflict)', async () => {
    const first = await login(a, 'frank', 'phone');
    const closed = new Promise<string>((resolve) =>
      first.xmpp.on('error', (error: { condition?: string }) => resolve(error.condition ?? String(error))),
    );
    await until(seesRemote(b, 'frank@localhost/phone'), 'node-b sees frank on node-a');
    const second = await login(b, 'frank', 'phone');
    assert.equal(
      await Promise.race([closed, new Promise((r) => setTimeout(() => r('no error in 5 s'), 5_000))]),
      'conflict',
    );
    await until(seesRemote(a, 'frank@localhost/phone'), 'node-a routes frank/phone to node-b');
    const alice = cluster.client('alice@localhost/laptop');
    await alice.xmpp.send(
      xml('message', { to: 'frank@localhost/phone', id: 'after-conflict' }, xml('body', null, 'hi')),
    );
    await second.waitFor((s) => s.attrs.id === 'after-conflict', 'the message on the new session');
    assert.equal(
      first.received.some((s) => s.attrs.id === 'after-conflict'),
      false,
    );
  });

  it('closes a session on another node (an account removed there): the stream ends with the error', async () => {
    const ivan = await login(b, 'ivan', 'pc');
    const ended = new Promise<string>((resolve) =>
      ivan.xmpp.on('error', (error: { condition?: string }) => resolve(error.condition ?? String(error))),
    );
    await until(seesRemote(a, 'ivan@localhost/pc'), 'node-a sees ivan');
    const remote = a.server.sessions.get(Jid.parse('ivan@localhost/pc'))!;
    a.server.sessions.close(remote, new StreamError('not-authorized', 'account removed'));
    assert.equal(await withTimeout(ended, 5_000, 'the stream error'), 'not-authorized');
    await until(() => a.server.sessions.get(Jid.parse('ivan@localhost/pc')) === undefined, 'node-a drops ivan');
  });

  it('each node tells an operator about every node and its sessions (ferry status, the console)', async () => {
    await cluster.login(b, 'carol', 'status');
    await until(seesRemote(a, 'carol@localhost/status'), 'node-a sees carol on node-b');
    const status = a.server.service('operations')!.status();
    assert.equal(status.cluster?.node, 'node-a');
    const nodes = status.cluster?.nodes ?? [];
    assert.deepEqual(
      nodes.map((node) => [node.id, node.isSelf]),
      [
        ['node-a', true],
        ['node-b', false],
      ],
    );
    assert.equal(nodes[0]?.sessions, status.sessions);
    assert.equal(nodes[1]?.sessions, b.server.service('operations')!.status().sessions);
    const line = statusLines(status).find((text) => text.startsWith('cluster'));
    assert.match(line ?? '', /^cluster +node-a of 2 nodes: node-a \d+ sessions?, node-b \d+$/);
    const page = dashboardBody(a.server.service('operations')).text;
    assert.match(page, /<h2 id="cluster-h">Cluster<\/h2>/);
    assert.match(page, /node-a \(this node\)/);
  });
});
