// Resource conflicts and shutdown: the old session is told `conflict`, every stream hears
// `system-shutdown`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { connectClient, withTimeout } from '../helpers/xmpp-client.js';
import type { Element } from '@ferry/protocol/xml/element';

function nextStreamError(client: Awaited<ReturnType<typeof connectClient>>): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve) => {
      client.xmpp.on('nonza', (element: Element) => {
        if (element.name === 'stream:error') resolve(element.getChildElements()[0]?.name ?? 'none');
      });
    }),
    5_000,
    'stream error',
  );
}

describe('sessions', () => {
  it('replaces a session that binds the same resource and tells the old one "conflict"', async () => {
    const ferry = await startTestServer();
    await ferry.addUser('alice');
    const first = await connectClient({ port: ferry.ports.c2s, username: 'alice', resource: 'desk' });
    const conflict = nextStreamError(first);
    const second = await connectClient({ port: ferry.ports.c2s, username: 'alice', resource: 'desk' });
    assert.equal(await conflict, 'conflict');
    assert.equal(second.jid, 'alice@localhost/desk');
    assert.equal(ferry.server.sessions.size, 1);
    await second.stop();
    await ferry.stop();
  });

  it('makes a resource when the client asks for none', async () => {
    const ferry = await startTestServer();
    await ferry.addUser('alice');
    const client = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
    assert.match(client.jid, /^alice@localhost\/.+/);
    await client.stop();
    await ferry.stop();
  });

  it('closes every stream with system-shutdown when the server stops', async () => {
    const ferry = await startTestServer();
    await ferry.addUser('alice');
    const client = await connectClient({ port: ferry.ports.c2s, username: 'alice' });
    const error = nextStreamError(client);
    await ferry.stop();
    assert.equal(await error, 'system-shutdown');
  });
});
