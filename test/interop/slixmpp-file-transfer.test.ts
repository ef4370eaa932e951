// Interop: file transfer between slixmpp (Debian python3-slixmpp 1.8.3, its own XEP-0096/0095,
// XEP-0047 and XEP-0065 plugins) and Ferry's client library, over a Ferry server and its
// proxy.localhost. The cases live in test/helpers/slixmpp-file-suite.ts.
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { loginConnection } from '../helpers/connection-pair.js';
import { hasPythonModule } from '../helpers/python-peer.js';
import { describeSlixmppFileTransfer } from '../helpers/slixmpp-file-suite.js';

describeSlixmppFileTransfer({
  name: 'slixmpp ⇄ Ferry client: file transfer over a Ferry server',
  skip: hasPythonModule('slixmpp') ? false : 'python3-slixmpp is not installed (apt-get install python3-slixmpp)',
  proxyName: 'proxy.localhost',
  withDirect: true,
  async start() {
    const ferry = await startTestServer();
    await ferry.addUser('bob');
    await ferry.addUser('sly');
    const bob = await loginConnection(ferry.ports.c2s, 'bob', 'ferry');
    const relayed = new Set<string>();
    const stopListening = ferry.server.events.on('proxy65-relay', (record) => relayed.add(record.sid));
    return {
      domain: 'localhost',
      c2sPort: ferry.ports.c2s,
      bob,
      async assertRelayed(sid) {
        // The proxy accounts a relay once both of its sockets closed: wait for it, bounded.
        for (let i = 0; i < 100 && !relayed.has(sid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
        assert.ok(relayed.has(sid), `proxy.localhost relayed ${sid}`);
      },
      async stop() {
        stopListening();
        await bob.stop();
        await ferry.stop();
      },
    };
  },
});
