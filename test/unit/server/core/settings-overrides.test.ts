import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../../src/server/core/config.js';
import { SettingsOverrides, valueAt } from '../../../../src/server/core/settings-overrides.js';
import { coerceSettingValue } from '../../../../src/server/core/settings-service.js';
import { openStorage } from '../../../../src/server/storage/index.js';

describe('settings overrides', () => {
  it('layers overrides over the file without changing it, and stores them', async () => {
    const storage = await openStorage({ backend: 'memory', dataDir: '/nonexistent' });
    try {
      const file = loadConfig({ env: {}, overrides: { 'modules.proxy65.port': 7000 } });
      const overrides = await SettingsOverrides.open(storage);
      const override = { value: false, by: 'admin@example.org', at: '2026-01-01T00:00:00.000Z' };
      await overrides.save('modules.proxy65.active', override);
      const layered = overrides.layer(file);
      assert.equal(valueAt(layered, 'modules.proxy65.active'), false);
      assert.equal(valueAt(layered, 'modules.proxy65.port'), 7000, 'the file value under it stays');
      assert.equal(valueAt(file, 'modules.proxy65.active'), undefined, 'the file config is not changed');
      // A candidate is seen without being stored.
      const candidate = overrides.with('modules.proxy65.port', { ...override, value: 7001 });
      assert.equal(valueAt(overrides.layer(file, candidate), 'modules.proxy65.port'), 7001);
      assert.equal(overrides.values.has('modules.proxy65.port'), false);
      // Read back from the store by a fresh instance.
      const again = await SettingsOverrides.open(storage);
      assert.deepEqual([...again.values], [['modules.proxy65.active', override]]);
      await again.save('modules.proxy65.active', undefined);
      assert.equal((await SettingsOverrides.open(storage)).values.size, 0);
    } finally {
      await storage.close();
    }
  });

  it('reads a typed value as JSON when it parses, else as text', () => {
    assert.equal(coerceSettingValue('7000'), 7000);
    assert.equal(coerceSettingValue('false'), false);
    assert.deepEqual(coerceSettingValue('["a@example.org"]'), ['a@example.org']);
    assert.equal(coerceSettingValue('local'), 'local');
    assert.equal(coerceSettingValue('proxy.example.org'), 'proxy.example.org');
  });
});
