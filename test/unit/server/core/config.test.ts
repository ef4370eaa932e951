// Config validation: defaults, overrides, and errors that name the key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../../src/server/core/config.js';
import { resolveModules } from '../../../../src/server/core/load-modules.js';
import { builtinModules } from '../../../../src/server/modules/index.js';

function tomlFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ferry-config-')), 'ferry.toml');
  writeFileSync(path, text);
  return path;
}

describe('config', () => {
  it('has zero-config defaults: localhost, ./data, loopback listeners, TLS required', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.domain, 'localhost');
    assert.equal(config.data_dir, './data');
    assert.equal(config.c2s.host, '127.0.0.1');
    assert.equal(config.c2s.port, 5222);
    assert.equal(config.c2s.require_tls, true);
    assert.equal(config.c2s_direct_tls.port, 5223);
    assert.equal(config.http.websocket_path, '/xmpp-websocket');
    assert.ok(config.limits.max_stanza_bytes > 87_380, 'an IBB block of 65535 bytes fits');
  });

  it('names an unknown key', () => {
    assert.throws(
      () => loadConfig({ file: tomlFile('[c2s]\nprot = 5222\n'), env: {} }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /c2s\.prot: unknown key/);
        return true;
      },
    );
  });

  it('busy-polls 100 µs after client reads by default; 0 switches it off, a negative window is refused', () => {
    assert.equal(loadConfig({ env: {} }).tuning.busy_poll_microseconds, 100);
    const off = loadConfig({ env: { FERRY_TUNING_BUSY_POLL_MICROSECONDS: '0' } });
    assert.equal(off.tuning.busy_poll_microseconds, 0);
    assert.throws(
      () => loadConfig({ file: tomlFile('[tuning]\nbusy_poll_microseconds = -1\n'), env: {} }),
      /tuning\.busy_poll_microseconds/,
    );
  });

  it('names a wrong value and what is allowed', () => {
    assert.throws(() => loadConfig({ file: tomlFile('[log]\nlevel = "loud"\n'), env: {} }), /log\.level: .*"info"/);
  });

  it('lets environment variables and flags override the file, flags last', () => {
    const file = tomlFile('domain = "example.net"\n[c2s]\nport = 5000\n');
    const config = loadConfig({
      file,
      env: { FERRY_C2S_PORT: '6000', FERRY_DOMAIN: 'env.example' },
      overrides: { domain: 'flag.example' },
    });
    assert.equal(config.c2s.port, 6000);
    assert.equal(config.domain, 'flag.example');
  });

  it('maps an environment variable to the longest matching section: FERRY_C2S_DIRECT_TLS_PORT → c2s_direct_tls.port', () => {
    const config = loadConfig({ env: { FERRY_C2S_DIRECT_TLS_PORT: '5999', FERRY_C2S_PORT: '5998' } });
    assert.equal(config.c2s_direct_tls.port, 5999);
    assert.equal(config.c2s.port, 5998);
  });

  it('applies nested values over the file and under environment variables, as a library caller passes them', () => {
    const file = tomlFile('domain = "file.example"\n[c2s]\nport = 5000\nhost = "0.0.0.0"\n');
    const config = loadConfig({
      file,
      values: { domain: 'values.example', c2s: { port: 5100 }, modules: { proxy65: { port: 0 } } },
      env: { FERRY_DOMAIN: 'env.example' },
    });
    assert.equal(config.domain, 'env.example');
    assert.equal(config.c2s.port, 5100);
    assert.equal(config.c2s.host, '0.0.0.0', 'a nested value leaves its siblings from the file alone');
    assert.deepEqual(config.modules.proxy65, { port: 0 });
  });

  it('rejects an unknown module and a bad module option with their keys', () => {
    assert.throws(
      () => resolveModules(loadConfig({ env: {}, overrides: { 'modules.nosuch.enabled': true } }), builtinModules),
      /modules\.nosuch: unknown module/,
    );
    assert.throws(
      () =>
        resolveModules(
          loadConfig({ env: {}, overrides: { 'modules.message.max_offline_per_user': 'lots' } }),
          builtinModules,
        ),
      /modules\.message\.max_offline_per_user/,
    );
  });

  it('leaves in-band registration off unless enabled', () => {
    const names = (overrides: Record<string, boolean>) =>
      resolveModules(loadConfig({ env: {}, overrides }), builtinModules).map((m) => m.definition.name);
    assert.ok(!names({}).includes('register'));
    assert.ok(names({ 'modules.register.enabled': true }).includes('register'));
  });
});
