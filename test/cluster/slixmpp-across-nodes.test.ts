// The slixmpp file-transfer suite (test/helpers/slixmpp-file-suite.ts) with its two accounts on
// different nodes of a cluster: slixmpp logs in to node B, Ferry's client to node A. IBB crosses
// the nodes through Redis; SOCKS5 goes through the proxy of the node the sending side is on,
// whose JID both nodes answer for, so the case also checks that node relayed the bytes.
import assert from 'node:assert/strict';
import { loginConnection } from '../helpers/connection-pair.js';
import { hasPythonModule } from '../helpers/python-peer.js';
import { describeSlixmppFileTransfer } from '../helpers/slixmpp-file-suite.js';
import { clusterSkipReason, startClusterNodes } from '../helpers/cluster-nodes.js';

describeSlixmppFileTransfer({
  name: 'slixmpp ⇄ Ferry client: file transfer between two nodes of a cluster',
  skip: hasPythonModule('slixmpp')
    ? (clusterSkipReason() ?? false)
    : 'python3-slixmpp is not installed (apt-get install python3-slixmpp)',
  proxyName: "the proxy of the sender's node",
  withDirect: true,
  async start() {
    const cluster = await startClusterNodes();
    const a = await cluster.start('node-a');
    const b = await cluster.start('node-b');
    await a.addUser('bob');
    await a.addUser('sly');
    const bob = await loginConnection(a.ports.c2s, 'bob', 'ferry');
    const relayed = new Set<string>();
    const stops = [a, b].map((node) => node.server.events.on('proxy65-relay', (record) => relayed.add(record.sid)));
    return {
      domain: 'localhost',
      c2sPort: b.ports.c2s,
      bob,
      async assertRelayed(sid) {
        // The proxy accounts a relay once both of its sockets closed: wait for it, bounded.
        for (let i = 0; i < 100 && !relayed.has(sid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
        assert.ok(relayed.has(sid), `a node's proxy relayed ${sid}`);
      },
      async stop() {
        for (const stop of stops) stop();
        await bob.stop();
        await cluster.stop();
      },
    };
  },
});
