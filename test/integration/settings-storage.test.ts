// The settings overrides on each storage backend a server runs on (SQLite, PostgreSQL): a change
// made through the settings service is stored, and a server started again on the same database
// starts with it (the proxy on its overridden bandwidth, switched off).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NS } from '@ferry/protocol/namespaces';
import { postgresSkipReason, startPostgres, type PostgresInstance } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/server.js';
import { iqGet } from '../helpers/http-upload-client.js';
import { connectClient, xml } from '../helpers/xmpp-client.js';

async function changeThenRestart(storage: Record<string, string>): Promise<void> {
  const first = await startTestServer(storage);
  await first.server.service('settings')!.set('modules.proxy65.bandwidth_bytes_per_second', 4096, 'test');
  await first.server.service('settings')!.set('modules.proxy65.active', false, 'test');
  await first.server.stop();
  // Same database (and for SQLite the same data directory); the helper made a new temporary one.
  const again = await startTestServer({
    ...storage,
    ...(storage['storage.backend'] ? {} : { data_dir: first.dataDir }),
  });
  try {
    const proxy = again.server.service('proxy65')!;
    assert.equal(proxy.bandwidthBytesPerSecond, 4096);
    assert.equal(proxy.isActive, false);
    await again.addUser('bob');
    const bob = await connectClient({ port: again.ports.c2s, username: 'bob' });
    try {
      const items = await iqGet(bob, 'localhost', xml('query', { xmlns: NS.DISCO_ITEMS }));
      const jids = items
        .getChild('query')!
        .getChildren('item')
        .map((item) => item.attrs.jid);
      assert.ok(!jids.includes('proxy.localhost'), 'switched off from the start: not in disco#items');
    } finally {
      await bob.stop();
    }
    const views = again.server.service('settings')!.list();
    assert.deepEqual(
      views.filter((view) => view.override).map((view) => [view.key, view.override!.value, view.override!.by]),
      [
        ['modules.proxy65.active', false, 'test'],
        ['modules.proxy65.bandwidth_bytes_per_second', 4096, 'test'],
      ],
    );
  } finally {
    await again.stop();
  }
}

describe('settings overrides on SQLite', () => {
  it('are kept across a restart and applied from the start', async () => {
    await changeThenRestart({});
  });
});

describe('settings overrides on PostgreSQL', { skip: postgresSkipReason() }, () => {
  let postgres: PostgresInstance;
  before(async () => {
    postgres = await startPostgres();
  });
  after(async () => {
    await postgres?.stop();
  });

  it('are kept across a restart and applied from the start', async () => {
    const url = postgres.url(await postgres.createDatabase());
    await changeThenRestart({ 'storage.backend': 'postgres', 'storage.postgres_url': url });
  });
});
