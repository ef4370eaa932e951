// SOCKS5 proxies on a cluster: every node runs its own under proxy.<domain> and answers as
// <node>.proxy.<domain>, the JID its streamhost carries. A client asking proxy.<domain> gets its
// own node's streamhost; a transfer between clients on nodes A and B through node C's proxy works,
// the activation forwarded to C, which holds both connections and relays the bytes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestServer } from '../helpers/server.js';
import { xml } from '../helpers/xmpp-client.js';
import { clusterSkipReason, startClusterNodes, until, type ClusterNodes } from '../helpers/cluster-nodes.js';
import { loginConnection } from '../helpers/connection-pair.js';
import { iqGet } from '../helpers/http-upload-client.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createSocks5Transport } from '@ferry/client';
import { NS } from '@ferry/protocol/namespaces';

describe('SOCKS5 proxies across cluster nodes', { skip: clusterSkipReason() }, () => {
  let cluster: ClusterNodes;
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  before(async () => {
    cluster = await startClusterNodes();
    a = await cluster.start('node-a');
    b = await cluster.start('node-b');
    c = await cluster.start('node-c');
    for (const user of ['alice', 'bob']) await a.addUser(user);
  });
  after(() => cluster?.stop());

  it("proxy.localhost answers with the client's own node's streamhost, whose JID names the node", async () => {
    const alice = await cluster.login(b, 'alice', 'query');
    const reply = await iqGet(alice, 'proxy.localhost', xml('query', { xmlns: NS.BYTESTREAMS }));
    const streamhost = reply.getChild('query')?.getChild('streamhost');
    assert.equal(streamhost?.attrs.jid, 'node-b.proxy.localhost', reply.toString());
    assert.equal(Number(streamhost?.attrs.port), b.server.service('proxy65')?.advertised.port);
    const remote = await iqGet(alice, 'node-c.proxy.localhost', xml('query', { xmlns: NS.BYTESTREAMS }));
    const remoteHost = remote.getChild('query')?.getChild('streamhost');
    assert.equal(remoteHost?.attrs.jid, 'node-c.proxy.localhost', remote.toString());
    assert.equal(Number(remoteHost?.attrs.port), c.server.service('proxy65')?.advertised.port);
  });

  it("a file between clients on node A and node B through node C's proxy, bytes intact", async () => {
    const files = tempDir();
    const source = join(files.path, 'via-c.bin');
    const hash = writeRandomFile(source, 2 * 1024 * 1024 + 3);
    const sender = await loginConnection(a.ports.c2s, 'alice', 'sender');
    const receiver = await loginConnection(b.ports.c2s, 'bob', 'receiver');
    await until(cluster.seesRemote(a, 'bob@localhost/receiver'), 'node-a sees bob');
    await until(cluster.seesRemote(b, 'alice@localhost/sender'), 'node-b sees alice');
    const relayed = new Promise<string>((resolve) =>
      c.server.events.on('proxy65-relay', (record) => resolve(record.sid)),
    );
    const viaC = { proxies: ['node-c.proxy.localhost'], direct: false };
    const sending = new FileTransferManager(sender, {
      transports: [createSocks5Transport(viaC)],
      fallbackToIbb: false,
      acceptTimeoutMs: 20_000,
    });
    const receiving = new FileTransferManager(receiver, {
      transports: [createSocks5Transport(viaC)],
      streamTimeoutMs: 20_000,
    });
    try {
      const target = join(files.path, 'received.bin');
      const accepted = new Promise((resolve, reject) =>
        receiving.once('offer', (offer) => offer.accept({ to: target }).then(resolve, reject)),
      );
      const transfer = sending.send('bob@localhost/receiver', source);
      const sent = await transfer.done;
      assert.equal(sent.method, 'socks5');
      await accepted;
      assert.equal(await sha256File(target), hash);
      assert.equal(await relayed, transfer.sid, "node-c's proxy relayed the stream");
    } finally {
      sending.close();
      receiving.close();
      await sender.stop();
      await receiver.stop();
      files.remove();
    }
  });
});
