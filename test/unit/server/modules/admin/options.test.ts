// [modules.admin]: on only when `admins` lists someone, its defaults pinned, a bad path named.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../../../src/server/core/config.js';
import { resolveModules } from '../../../../../src/server/core/load-modules.js';
import { builtinModules } from '../../../../../src/server/modules/index.js';

function adminModule(overrides: Record<string, string | number | boolean>) {
  const config = loadConfig({ env: {}, overrides });
  return resolveModules(config, builtinModules).find((module) => module.definition.name === 'admin');
}

describe('admin module options', () => {
  it('is off by default, and on with defaults when admins lists someone', () => {
    assert.equal(adminModule({}), undefined);
    assert.deepEqual(adminModule({ admins: 'alice@localhost' })?.options, {
      path: '/admin',
      session_idle_minutes: 30,
      session_lifetime_hours: 12,
      max_sessions: 100,
    });
    assert.equal(adminModule({ admins: 'alice@localhost', 'modules.admin.enabled': false }), undefined);
  });

  it('reads admins as a list, also from one comma-separated value', () => {
    const config = loadConfig({ env: { FERRY_ADMINS: 'alice@localhost, bob@LOCALHOST' } });
    assert.deepEqual(config.admins, ['alice@localhost', 'bob@LOCALHOST']);
  });

  it('names a bad path', () => {
    assert.throws(
      () => adminModule({ admins: 'alice@localhost', 'modules.admin.path': 'admin/' }),
      /modules\.admin\.path/,
    );
  });
});
