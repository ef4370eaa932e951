// Live settings through the admin API on a real server: who may change them (session, CSRF, a
// non-admin), a bad value refused with its key and nothing applied, a change applied at once (the
// proxy's bandwidth without dropping a session, the proxy switched off and on, its port moved, a
// port in use refused with the old listener kept), the audit line, reset to the file's value, and
// the overrides kept across a restart (the proxy starts on its overridden port).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { NS } from '@ferry/protocol/namespaces';
import { connectSocks5, dstAddrHash } from '@ferry/protocol/socks5';
import { loadConfig } from '../../src/server/core/config.js';
import { FerryServer } from '../../src/server/core/server.js';
import { builtinModules } from '../../src/server/modules/index.js';
import { checkStreamhost } from '../../src/server/modules/proxy65/advertised-host.js';
import { consoleRequest, logIn, type ConsoleAnswer } from '../helpers/admin-console.js';
import { https, iqGet, readSlot } from '../helpers/http-upload-client.js';
import { captureLogs } from '../helpers/log-capture.js';
import { PASSWORD } from '../helpers/server.js';
import { connectClient, withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';

const ADMIN = 'alice@localhost';

interface Running {
  server: FerryServer;
  https: number;
  c2s: number;
}

async function start(dataDir: string, logger = captureLogs('info').logger): Promise<Running> {
  const config = loadConfig({
    env: {},
    overrides: {
      data_dir: dataDir,
      admins: ADMIN,
      'c2s.port': 0,
      'c2s_direct_tls.port': 0,
      'http.port': 0,
      'http.https_port': 0,
      'limits.auth_failure_delay_ms': 0,
      'modules.proxy65.port': 0,
      'modules.operations.enabled': false,
    },
  });
  // Reloads read the same configuration again: an override must outlive them.
  const server = new FerryServer({ config, modules: builtinModules, logger, reloadConfig: () => config });
  await server.start();
  const addresses = server.addresses();
  return { server, https: addresses.https!.port, c2s: addresses.c2s!.port };
}

/** A port nobody listens on now (the kernel's pick, released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

function errorOf(answer: ConsoleAnswer): { code: string; message: string } {
  return (answer.json as { error: { code: string; message: string } }).error;
}

describe('settings API', () => {
  let dataDir: string;
  let running: Running;
  let auth: { cookie: string; csrf: string };
  let bob: TestClient;
  const logs = captureLogs('info');

  const set = (key: string, value: unknown, as = auth) =>
    consoleRequest(running.https, `/admin/api/settings/${key}`, { json: { value }, cookie: as.cookie, csrf: as.csrf });
  const reset = (key: string) =>
    consoleRequest(running.https, `/admin/api/settings/${key}`, {
      method: 'DELETE',
      cookie: auth.cookie,
      csrf: auth.csrf,
    });
  const proxy = () => running.server.service('proxy65')!;
  const discoItems = async () => {
    const reply = await iqGet(bob, 'localhost', xml('query', { xmlns: NS.DISCO_ITEMS }));
    return reply
      .getChild('query')!
      .getChildren('item')
      .map((item) => item.attrs.jid as string);
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ferry-settings-'));
    running = await start(dataDir, logs.logger);
    await running.server.storage.accounts.create('alice', PASSWORD);
    await running.server.storage.accounts.create('bob', PASSWORD);
    auth = await logIn(running.https, ADMIN, PASSWORD);
    bob = await connectClient({ port: running.c2s, username: 'bob', resource: 'desk' });
  });

  after(async () => {
    await bob?.stop();
    await running?.server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('needs a session, the CSRF token and an administrator', async () => {
    const path = '/admin/api/settings/modules.proxy65.bandwidth_bytes_per_second';
    const anonymous = await consoleRequest(running.https, path, { json: { value: 1 } });
    assert.equal(anonymous.status, 401);
    const tokenless = await consoleRequest(running.https, path, { json: { value: 1 }, cookie: auth.cookie });
    assert.equal(tokenless.status, 403);
    assert.equal(errorOf(tokenless).code, 'csrf_token');
    const crossSite = await consoleRequest(running.https, path, {
      json: { value: 1 },
      cookie: auth.cookie,
      csrf: auth.csrf,
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(crossSite.status, 403);
    // bob is not in `admins`: he gets no session at all.
    const login = await consoleRequest(running.https, '/admin/api/login', {
      json: { jid: 'bob@localhost', password: PASSWORD },
    });
    assert.equal(login.status, 401);
    assert.equal(proxy().bandwidthBytesPerSecond, 0, 'nothing applied');
  });

  it('refuses a bad value with its key named, and applies nothing', async () => {
    const before = proxy().listening.port;
    const tooBig = await set('modules.proxy65.port', 70_000);
    assert.equal(tooBig.status, 400, tooBig.text);
    assert.equal(errorOf(tooBig).code, 'invalid_setting');
    assert.match(errorOf(tooBig).message, /^modules\.proxy65\.port: /);
    const word = await set('modules.http_upload.max_file_size', 'large');
    assert.equal(word.status, 400);
    assert.match(errorOf(word).message, /modules\.http_upload\.max_file_size/);
    const unknown = await set('modules.proxy65.jid', 'p.localhost');
    assert.equal(unknown.status, 400);
    assert.equal(errorOf(unknown).code, 'unknown_setting');
    assert.equal(proxy().listening.port, before);
    const list = (await consoleRequest(running.https, '/admin/api/settings', { cookie: auth.cookie })).json as {
      settings: { key: string; override?: unknown }[];
    };
    assert.deepEqual(
      list.settings.filter((view) => view.override !== undefined),
      [],
    );
  });

  it('changes the bandwidth live without dropping a session, audited (who, key, old → new)', async () => {
    const answer = await set('modules.proxy65.bandwidth_bytes_per_second', '65536');
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { key: 'modules.proxy65.bandwidth_bytes_per_second', old: 0, new: 65_536 });
    assert.equal(proxy().bandwidthBytesPerSecond, 65_536);
    const ping = await iqGet(bob, 'localhost', xml('ping', { xmlns: NS.PING }));
    assert.equal(ping.attrs.type, 'result', 'bob is still connected');
    const audit = logs.lines.find(
      (line) => line.audit === true && line.target === 'modules.proxy65.bandwidth_bytes_per_second',
    );
    assert.deepEqual(audit && { admin: audit.admin, action: audit.action, old: audit.old, new: audit.new }, {
      admin: ADMIN,
      action: 'setting.set',
      old: 0,
      new: 65_536,
    });
  });

  it('switches the proxy off (disco item gone, listener closed, streamhost query refused) and on again', async () => {
    const port = proxy().listening.port;
    assert.ok((await discoItems()).includes('proxy.localhost'));
    const off = await set('modules.proxy65.active', 'false');
    assert.equal(off.status, 200, off.text);
    assert.equal(proxy().isActive, false);
    assert.ok(!(await discoItems()).includes('proxy.localhost'), 'gone from disco#items');
    assert.equal(await refusesConnections(port), true, 'the listener is closed');
    const query = await iqGet(bob, 'proxy.localhost', xml('query', { xmlns: NS.BYTESTREAMS }));
    assert.equal(query.attrs.type, 'error');
    assert.ok(query.getChild('error')?.getChild('service-unavailable'), query.toString());

    const on = await reset('modules.proxy65.active');
    assert.equal(on.status, 200, on.text);
    assert.equal(proxy().isActive, true);
    assert.ok((await discoItems()).includes('proxy.localhost'));
    const { host, port: now } = proxy().advertised;
    assert.deepEqual(await checkStreamhost(host, now, { timeoutMs: 5_000 }), { ok: true });
  });

  it('switched off, lets a running relay finish; "close running relays" cuts one', async () => {
    const carol = await connectClient({ port: running.c2s, username: 'alice', resource: 'relay' });
    /** Two SOCKS5 connections paired and activated: bob → carol. */
    const relay = async () => {
      const sid = `s-${randomBytes(4).toString('hex')}`;
      const hash = dstAddrHash(sid, bob.jid, carol.jid);
      const at = { host: '127.0.0.1', port: proxy().listening.port, hash, timeoutMs: 10_000 };
      const target = await connectSocks5(at);
      const initiator = await connectSocks5(at);
      const activate = xml('query', { xmlns: NS.BYTESTREAMS, sid }, xml('activate', {}, carol.jid));
      await bob.xmpp.iqCaller.request(xml('iq', { type: 'set', to: 'proxy.localhost' }, activate), 10_000);
      const digest = createHash('sha256');
      let bytes = 0;
      target.on('data', (chunk: Buffer) => {
        digest.update(chunk);
        bytes += chunk.length;
      });
      const ended = new Promise<string>((resolve) => {
        target.once('close', () => resolve(digest.digest('hex')));
      });
      // A cut relay resets both sides: that is the outcome checked, not an accident.
      target.on('error', () => {});
      initiator.on('error', () => {});
      target.resume();
      return { initiator, ended, received: () => bytes };
    };
    try {
      const first = await relay();
      const half = randomBytes(64 * 1024);
      const rest = randomBytes(64 * 1024);
      first.initiator.write(half);
      assert.equal((await set('modules.proxy65.active', false)).status, 200);
      first.initiator.end(rest);
      const digest = await withTimeout(first.ended, 10_000, 'the relay switched off mid-way to end');
      assert.equal(digest, createHash('sha256').update(half).update(rest).digest('hex'), 'every byte arrived');
      assert.equal((await reset('modules.proxy65.active')).status, 200);

      const second = await relay();
      second.initiator.write(randomBytes(1024));
      const cut = await consoleRequest(running.https, '/admin/api/settings/proxy/close-relays', {
        json: {},
        cookie: auth.cookie,
        csrf: auth.csrf,
      });
      assert.equal(cut.status, 200, cut.text);
      assert.deepEqual(cut.json, { closed: 1 });
      await withTimeout(second.ended, 10_000, 'the cut relay to close');
    } finally {
      await carol.stop();
    }
  });

  it('moves the proxy to another port; a port in use is refused and the old listener stays', async () => {
    const old = proxy().listening.port;
    const wanted = await freePort();
    const moved = await set('modules.proxy65.port', String(wanted));
    assert.equal(moved.status, 200, moved.text);
    assert.equal(proxy().listening.port, wanted);
    assert.equal(proxy().advertised.port, wanted, 'advertised follows the listening port');
    assert.equal(await refusesConnections(old), true);
    assert.deepEqual(await checkStreamhost('127.0.0.1', wanted, { timeoutMs: 5_000 }), { ok: true });

    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const taken = (squatter.address() as AddressInfo).port;
      const refused = await set('modules.proxy65.port', taken);
      assert.equal(refused.status, 409, refused.text);
      assert.match(errorOf(refused).message, /modules\.proxy65\.port: .*EADDRINUSE/);
      assert.equal(proxy().listening.port, wanted, 'the old listener stays');
      assert.deepEqual(await checkStreamhost('127.0.0.1', wanted, { timeoutMs: 5_000 }), { ok: true });
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it('changes the largest upload live: slots, the disco form and the PUT route follow', async () => {
    const slot = (size: number) =>
      iqGet(bob, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'a.bin', size }));
    const announced = async () => {
      const info = await iqGet(bob, 'upload.localhost', xml('query', { xmlns: NS.DISCO_INFO }));
      const field = info
        .getChild('query')!
        .getChildren('x')
        .flatMap((form) => form.getChildren('field'))
        .find((candidate) => candidate.attrs.var === 'max-file-size');
      return field?.getChildText('value');
    };
    assert.equal((await set('modules.http_upload.max_file_size', 1000)).status, 200);
    const refused = await slot(2000);
    assert.ok(refused.getChild('error')?.getChild('file-too-large', NS.HTTP_UPLOAD), refused.toString());
    assert.equal(await announced(), '1000');
    assert.equal((await reset('modules.http_upload.max_file_size')).status, 200);
    assert.equal(await announced(), String(100 * 1024 * 1024));
    const { putUrl, authorization } = readSlot(await slot(2000));
    const put = await https(putUrl, {
      method: 'PUT',
      headers: { authorization, 'content-length': 2000, 'content-type': 'application/octet-stream' },
      body: randomBytes(2000),
    });
    assert.equal(put.status, 201, put.body.toString());
  });

  it('applies two changes made at once, and a reload keeps both', async () => {
    const [daily, user] = await Promise.all([
      set('modules.http_upload.daily_quota_bytes', 5_000_000),
      set('modules.http_upload.user_quota_bytes', 4_000_000),
    ]);
    assert.equal(daily.status, 200, daily.text);
    assert.equal(user.status, 200, user.text);
    const upload = () => running.server.service('http_upload')!.settings;
    assert.deepEqual([upload().daily_quota_bytes, upload().user_quota_bytes], [5_000_000, 4_000_000]);
    await running.server.reload();
    assert.deepEqual([upload().daily_quota_bytes, upload().user_quota_bytes], [5_000_000, 4_000_000]);
    assert.equal(proxy().bandwidthBytesPerSecond, 65_536, 'a reload re-applies the overrides over the file');
    for (const key of ['modules.http_upload.daily_quota_bytes', 'modules.http_upload.user_quota_bytes']) {
      assert.equal((await reset(key)).status, 200);
    }
    assert.deepEqual([upload().daily_quota_bytes, upload().user_quota_bytes], [1024 ** 3, 0]);
  });

  it('keeps overrides across a restart, and resets a key to the file value', async () => {
    const port = proxy().listening.port;
    await bob.stop();
    await running.server.stop();
    running = await start(dataDir, logs.logger);
    auth = await logIn(running.https, ADMIN, PASSWORD);
    bob = await connectClient({ port: running.c2s, username: 'bob', resource: 'desk' });
    assert.equal(proxy().listening.port, port, 'the proxy started on its overridden port');
    assert.equal(proxy().bandwidthBytesPerSecond, 65_536);
    const list = (await consoleRequest(running.https, '/admin/api/settings', { cookie: auth.cookie })).json as {
      settings: { key: string; file: unknown; effective: unknown; override?: { by: string } }[];
    };
    const bandwidth = list.settings.find((view) => view.key === 'modules.proxy65.bandwidth_bytes_per_second');
    assert.deepEqual(bandwidth && { ...bandwidth, override: bandwidth.override?.by }, {
      // No `file`: the configuration file does not set it (the default applies under the override).
      key: 'modules.proxy65.bandwidth_bytes_per_second',
      effective: 65_536,
      override: ADMIN,
      isAvailable: true,
    });
    const back = await reset('modules.proxy65.bandwidth_bytes_per_second');
    assert.equal(back.status, 200, back.text);
    assert.equal(proxy().bandwidthBytesPerSecond, 0);
    const portBack = await reset('modules.proxy65.port');
    assert.equal(portBack.status, 200, portBack.text);
    assert.notEqual(proxy().listening.port, port, 'port 0 from the file: a new ephemeral port');
  });
});
