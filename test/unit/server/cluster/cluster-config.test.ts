// [cluster]: defaults pinned, mistakes refused at load naming the key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../../src/server/core/config.js';
import { nodeIdFor } from '../../../../src/server/cluster/keys.js';

const postgres = { 'storage.backend': 'postgres', 'storage.postgres_url': 'postgres://ferry@db:5432/ferry' };

function load(overrides: Record<string, string | number>) {
  return loadConfig({ env: {}, overrides });
}

describe('[cluster] configuration', () => {
  it('is absent unless configured', () => {
    assert.equal(load({}).cluster, undefined);
  });

  it('has pinned defaults', () => {
    const { cluster } = load({ ...postgres, 'cluster.redis_url': 'redis://redis:6379' });
    assert.deepEqual(cluster, {
      redis_url: 'redis://redis:6379',
      heartbeat_seconds: 2,
      node_timeout_seconds: 6,
      redis_timeout_seconds: 5,
      max_inbox_stanzas: 10_000,
    });
  });

  for (const backend of ['sqlite', 'memory']) {
    it(`refuses storage.backend = "${backend}": nodes must share their storage`, () => {
      assert.throws(
        () => load({ 'storage.backend': backend, 'cluster.redis_url': 'redis://redis:6379' }),
        (error: Error) =>
          error instanceof ConfigError && /storage\.backend: must be "postgres" when \[cluster\]/.test(error.message),
      );
    });
  }

  it('refuses a redis_url that is not redis:// or rediss://, without repeating it', () => {
    assert.throws(
      () => load({ ...postgres, 'cluster.redis_url': 'http://user:s3cret@redis:6379' }),
      (error: Error) =>
        /cluster\.redis_url: must be a URL like redis:/.test(error.message) && !error.message.includes('s3cret'),
    );
  });

  it('refuses a node_id that cannot be part of a key name', () => {
    assert.throws(
      () => load({ ...postgres, 'cluster.redis_url': 'redis://r', 'cluster.node_id': 'a b/c' }),
      /cluster\.node_id: letters, digits/,
    );
  });

  it('refuses a node timeout shorter than two heartbeats', () => {
    assert.throws(
      () =>
        load({
          ...postgres,
          'cluster.redis_url': 'redis://r',
          'cluster.heartbeat_seconds': 5,
          'cluster.node_timeout_seconds': 6,
        }),
      /cluster\.node_timeout_seconds: must be at least twice cluster\.heartbeat_seconds/,
    );
  });

  it('derives a node id from the host name and the c2s port, or the pid for an ephemeral port', () => {
    const { cluster } = load({ ...postgres, 'cluster.redis_url': 'redis://r' });
    assert.match(nodeIdFor(cluster!, 5222), /^[A-Za-z0-9][A-Za-z0-9._-]*-5222$/);
    assert.match(nodeIdFor(cluster!, 0), new RegExp(`-pid${process.pid}$`));
    assert.equal(nodeIdFor({ ...cluster!, node_id: 'eu-1' }, 5222), 'eu-1');
  });
});
