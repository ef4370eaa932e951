// A Ferry server with two logged-in client-library connections (alice/sender, bob/receiver),
// for client transport and transfer tests.
import { client } from '@xmpp/client';
import { wrapClient, type XmppConnection } from '@ferry/client/internal/connection';
import { startTestServer, PASSWORD, type TestServer } from './server.js';
import { withTimeout } from './xmpp-client.js';
import { xml } from '@ferry/protocol/xml/element';

export interface ConnectionPair {
  ferry: TestServer;
  alice: XmppConnection;
  bob: XmppConnection;
  stop(): Promise<void>;
}

export async function loginConnection(port: number, username: string, resource: string): Promise<XmppConnection> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${port}`,
    domain: 'localhost',
    username,
    password: PASSWORD,
    resource,
  });
  xmpp.reconnect.stop();
  // xmpp.js waits 2 s for each stream answer by default: too short on a loaded test machine.
  (xmpp as unknown as { timeout: number }).timeout = 10_000;
  xmpp.on('error', () => {});
  await withTimeout(xmpp.start(), 10_000, `login of ${username}`);
  await xmpp.send(xml('presence'));
  return wrapClient(xmpp);
}

export async function startConnectionPair(
  overrides: Record<string, string | number | boolean> = {},
): Promise<ConnectionPair> {
  const ferry = await startTestServer(overrides);
  await ferry.addUser('alice');
  await ferry.addUser('bob');
  const alice = await loginConnection(ferry.ports.c2s, 'alice', 'sender');
  const bob = await loginConnection(ferry.ports.c2s, 'bob', 'receiver');
  return {
    ferry,
    alice,
    bob,
    async stop() {
      await alice.stop();
      await bob.stop();
      await ferry.stop();
    },
  };
}
