// Configuration reload: SIGHUP and `ferry reload` re-read the config; the log level and the TLS
// certificate change live, other changes are named as needing a restart, and a broken config is
// refused while the running one keeps serving.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/server/core/config.js';
import { FerryServer } from '../../src/server/core/server.js';
import { loadOrCreateCertificate } from '../../src/server/transport/certificate.js';
import { ferry, startFerry } from '../helpers/cli.js';
import { connectClient, withTimeout, xml } from '../helpers/xmpp-client.js';
import { iqGet } from '../helpers/http-upload-client.js';
import { PASSWORD } from '../helpers/server.js';
import { NS } from '@ferry/protocol/namespaces';

const PORTS = {
  'c2s.port': 0,
  'c2s_direct_tls.port': 0,
  'http.port': 0,
  'http.https_port': 0,
  'modules.proxy65.port': 0,
};

/** The SHA-256 fingerprint of the certificate a TLS listener presents now. */
function presented(port: number): Promise<string> {
  const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false });
  const fingerprint = new Promise<string>((resolve, reject) => {
    socket.once('secureConnect', () => resolve(socket.getPeerCertificate().fingerprint256));
    socket.once('error', reject);
  });
  return withTimeout(fingerprint, 10_000, `TLS on ${port}`).finally(() => socket.destroy());
}

async function certificateIn(dir: string): Promise<{ cert: string; key: string; fingerprint: string }> {
  const pair = await loadOrCreateCertificate({ dataDir: dir, domain: 'localhost' });
  const { X509Certificate } = await import('node:crypto');
  return {
    cert: join(dir, 'tls/localhost.crt'),
    key: join(dir, 'tls/localhost.key'),
    fingerprint: new X509Certificate(pair.cert).fingerprint256,
  };
}

describe('reload (in process)', () => {
  let dir: string;
  let server: FerryServer;
  let overrides: Record<string, string | number>;
  let first: { cert: string; key: string; fingerprint: string };
  let second: { cert: string; key: string; fingerprint: string };
  const certFile = () => join(dir, 'cert.pem');
  const keyFile = () => join(dir, 'key.pem');
  const port = (name: 'directTls' | 'https' | 'c2s') => server.addresses()[name]!.port;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-reload-'));
    first = await certificateIn(join(dir, 'one'));
    second = await certificateIn(join(dir, 'two'));
    copyFileSync(first.cert, certFile());
    copyFileSync(first.key, keyFile());
    overrides = {
      data_dir: join(dir, 'data'),
      ...PORTS,
      'tls.cert_file': certFile(),
      'tls.key_file': keyFile(),
      'log.level': 'silent',
    };
    const config = () => loadConfig({ env: {}, overrides });
    // The server's own logger (a logger passed in is the caller's to configure): silent, then fatal.
    server = new FerryServer({ config: config(), reloadConfig: config });
    await server.start();
  });

  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a renewed certificate to new connections, on direct TLS and HTTPS', async () => {
    assert.equal(await presented(port('directTls')), first.fingerprint);
    copyFileSync(second.cert, certFile());
    copyFileSync(second.key, keyFile());
    const report = await server.reload();
    assert.deepEqual(report.restartNeeded, []);
    assert.equal(await presented(port('directTls')), second.fingerprint);
    assert.equal(await presented(port('https')), second.fingerprint);
  });

  it('applies the log level, and names what needs a restart without applying it', async () => {
    const c2s = port('c2s');
    overrides = { ...overrides, 'log.level': 'fatal', domain: 'example.org', 'limits.max_connections': 7 };
    const report = await server.reload();
    assert.equal(server.logger.level, 'fatal');
    assert.deepEqual(report.restartNeeded, ['domain', 'limits.max_connections']);
    assert.equal(port('c2s'), c2s);
    assert.equal(server.config.domain, 'localhost');
  });

  it('hands modules the options they take live (upload quotas and size, proxy bandwidth); others need a restart', async () => {
    await server.storage.accounts.create('alice', PASSWORD);
    const alice = await connectClient({ port: port('c2s'), username: 'alice' });
    try {
      const slot = () =>
        iqGet(alice, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'a.bin', size: 100 }));
      assert.equal((await slot()).attrs.type, 'result');
      overrides = {
        ...overrides,
        'modules.http_upload.user_quota_bytes': 10,
        'modules.proxy65.bandwidth_bytes_per_second': 1_000_000,
        'modules.http_upload.max_file_size': 1_000,
        'modules.http_upload.slot_expiry_seconds': 60,
      };
      const report = await server.reload();
      assert.ok(report.applied.includes('modules.http_upload.user_quota_bytes'), report.applied.join());
      assert.ok(report.applied.includes('modules.proxy65.bandwidth_bytes_per_second'), report.applied.join());
      assert.ok(report.applied.includes('modules.http_upload.max_file_size'), report.applied.join());
      assert.deepEqual(report.restartNeeded, [
        'domain',
        'limits.max_connections',
        'modules.http_upload.slot_expiry_seconds',
      ]);
      const refused = await slot();
      assert.equal(refused.attrs.type, 'error', refused.toString());
      // Applied once: the next reload does not name them again.
      const again = await server.reload();
      assert.ok(!again.applied.includes('modules.http_upload.user_quota_bytes'));
    } finally {
      await alice.stop();
    }
  });

  it('refuses a configuration that does not load, and keeps the running one', async () => {
    const running = { ...overrides };
    overrides = { ...overrides, 'log.level': 'loud' };
    await assert.rejects(server.reload(), { code: 'bad-config', message: /log\.level/ });
    assert.equal(server.logger.level, 'fatal');
    overrides = running;
  });

  it('refuses a certificate that cannot be read, and keeps serving the old one', async () => {
    writeFileSync(certFile(), 'not a certificate');
    await assert.rejects(server.reload(), { code: 'bad-config' });
    assert.equal(await presented(port('directTls')), second.fingerprint);
    copyFileSync(second.cert, certFile());
  });
});

describe('reload (ferry server, SIGHUP and ferry reload)', () => {
  let dir: string;
  let file: string;
  let server: ReturnType<typeof startFerry>;
  const write = (extra: string) =>
    writeFileSync(
      file,
      `data_dir = ${JSON.stringify(join(dir, 'data'))}\n${extra}\n[log]\nlevel = "info"\n` +
        '[c2s]\nport = 0\n[c2s_direct_tls]\nport = 0\n[http]\nport = 0\nhttps_port = 0\n[modules.proxy65]\nport = 0\n',
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-reload-cli-'));
    file = join(dir, 'ferry.toml');
    write('');
    server = startFerry(['server', '--config', file]);
    await withTimeout(server.printed(/Ferry started/), 30_000, 'ferry server to start');
  });

  after(async () => {
    server?.kill('SIGTERM');
    await server?.done;
    rmSync(dir, { recursive: true, force: true });
  });

  it('ferry reload applies and names what needs a restart', async () => {
    write('domain = "example.org"');
    const run = await ferry(['reload', '--config', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^reloaded: log\.level, tls/m);
    assert.match(run.stdout, /^restart needed to apply: domain$/m);
    await withTimeout(server.printed(/domain changed: restart ferry to apply it/), 10_000, 'the warning');
  });

  it('SIGHUP reloads instead of stopping the server', async () => {
    server.kill('SIGHUP');
    await withTimeout(server.printed(/configuration reloaded[\s\S]*configuration reloaded/), 10_000, 'the reload');
    const run = await ferry(['status', '--config', file]);
    assert.equal(run.code, 0, run.stderr);
  });

  it('a broken config: ferry reload exits 2 with the error in one line, and the server keeps running', async () => {
    write('[nonsense]\nkey = 1');
    const data = ['--data-dir', join(dir, 'data')]; // the CLI itself would stop at the broken --config
    const run = await ferry(['reload', ...data]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^ferry: the new configuration is refused \(the running one stays\): .*nonsense: unknown key\n$/,
    );
    const status = await ferry(['status', ...data]);
    assert.equal(status.code, 0, status.stderr);
    const own = await ferry(['reload', '--config', file]);
    assert.equal(own.code, 2);
    assert.match(own.stderr, /^ferry: invalid configuration in /);
  });
});
