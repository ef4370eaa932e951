import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../../src/server/core/config.js';
import { adopt, changedKeys } from '../../../../src/server/core/reload.js';

const config = (overrides: Record<string, string | number | boolean>) => loadConfig({ env: {}, overrides });

describe('reload: what changed', () => {
  it('names changed keys by their dotted path, module tables key by key even when new', () => {
    const running = config({ 'c2s.port': 5222, 'modules.proxy65.port': 7777 });
    const next = config({
      'c2s.port': 5333,
      'modules.proxy65.port': 7777,
      'modules.proxy65.bandwidth_bytes_per_second': 100,
      'modules.http_upload.user_quota_bytes': 10,
      'log.level': 'debug',
    });
    assert.deepEqual(changedKeys(running, next), [
      'c2s.port',
      'log.level',
      'modules.http_upload.user_quota_bytes',
      'modules.proxy65.bandwidth_bytes_per_second',
    ]);
    assert.deepEqual(changedKeys(running, running), []);
  });

  it('names a key removed from the file', () => {
    assert.deepEqual(changedKeys(config({ 'modules.proxy65.acl': 'any' }), config({})), ['modules.proxy65.acl']);
    assert.deepEqual(
      changedKeys(
        config({ 'modules.proxy65.acl': 'any', 'modules.proxy65.port': 1 }),
        config({ 'modules.proxy65.port': 1 }),
      ),
      ['modules.proxy65.acl'],
    );
  });

  it('adopts only the applied keys into the running configuration', () => {
    const running = config({ 'c2s.port': 5222 });
    const next = config({ 'c2s.port': 5333, 'log.level': 'debug', 'modules.http_upload.user_quota_bytes': 10 });
    const adopted = adopt(running, next, ['log.level', 'modules.http_upload.user_quota_bytes']);
    assert.deepEqual(changedKeys(adopted, next), ['c2s.port']);
    assert.equal(running.log.level, 'info', 'the running object itself is not changed');
  });
});
