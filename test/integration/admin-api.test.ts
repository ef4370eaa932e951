// The admin API on a real server over HTTPS: configuration, login (right and wrong passwords,
// non-admins, throttling, cookie flags), CSRF (no token, a cross-site Origin or Sec-Fetch-Site),
// each endpoint's happy path and error statuses, the audit lines, an account's uploads going
// with it, and garbage bodies. The live view comes from a stand-in `operations` module.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NS } from '@ferry/protocol/namespaces';
import { startServer } from '../../src/server/index.js';
import { silentLogger } from '../../src/server/core/logger.js';
import { FIXED_TRANSFER, consoleRequest, logIn, stubOperations } from '../helpers/admin-console.js';
import { https, iqGet, readSlot } from '../helpers/http-upload-client.js';
import { captureLogs, type LogLine } from '../helpers/log-capture.js';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';

const ADMIN = 'alice@localhost';

interface ErrorBody {
  error: { code: string; message: string };
}

function errorCode(json: unknown): string | undefined {
  return (json as ErrorBody | undefined)?.error?.code;
}

describe('admin API: configuration', () => {
  it('is off without admins: no /admin route', async () => {
    const ts = await startTestServer();
    try {
      assert.equal((await consoleRequest(ts.ports.https, '/admin/api/status')).status, 404);
    } finally {
      await ts.stop();
    }
  });

  it('refuses an admin that is not a bare JID of this domain, naming the key', async () => {
    await assert.rejects(startTestServer({ admins: 'alice@elsewhere.example' }), /admins\.0: .*not a bare JID/);
    await assert.rejects(startTestServer({ admins: 'alice@localhost/phone' }), /admins\.0/);
    await assert.rejects(startTestServer({ admins: 'localhost' }), /admins\.0/);
  });

  it('refuses to start when enabled by hand with nobody in admins', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ferry-admin-'));
    try {
      // startServer, which stops what it started when start-up fails (the test helper does not).
      await assert.rejects(
        startServer({
          config: {
            data_dir: dataDir,
            storage: { backend: 'memory' },
            c2s: { port: 0 },
            c2s_direct_tls: { port: 0 },
            http: { port: 0, https_port: 0 },
            modules: { proxy65: { port: 0 }, admin: { enabled: true } },
          },
          logger: silentLogger(),
        }),
        /modules\.admin is enabled but `admins` lists nobody/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('answers on HTTPS only', async () => {
    const ts = await startTestServer({ admins: ADMIN });
    try {
      const plain = await fetch(`http://127.0.0.1:${ts.ports.http}/admin/login`);
      assert.equal(plain.status, 403);
    } finally {
      await ts.stop();
    }
  });
});

describe('admin API: login', () => {
  let ts: TestServer;
  let logs: LogLine[];

  before(async () => {
    const capture = captureLogs('info');
    logs = capture.lines;
    ts = await startTestServer(
      { admins: `${ADMIN},carol@localhost`, 'limits.max_auth_failures_per_account': 2 },
      { logger: capture.logger },
    );
    await ts.addUser('alice');
    await ts.addUser('bob');
    await ts.addUser('carol');
  });
  after(() => ts.stop());

  it('logs an admin in with the XMPP password: a Secure, HttpOnly, SameSite=Strict cookie on the console path', async () => {
    const answer = await consoleRequest(ts.ports.https, '/admin/api/login', {
      json: { jid: 'Alice@LOCALHOST', password: PASSWORD },
    });
    assert.equal(answer.status, 200, answer.text);
    const body = answer.json as { jid: string; csrfToken: string };
    assert.equal(body.jid, ADMIN);
    assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    const cookie = answer.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, /^ferry_admin=[A-Za-z0-9_-]{43}; /);
    const flags = cookie.split('; ').slice(1);
    assert.deepEqual(flags.sort(), ['HttpOnly', 'Path=/admin', 'SameSite=Strict', 'Secure']);
    assert.ok(logs.some((line) => line.audit === true && line.action === 'login' && line.admin === ADMIN));
    assert.ok(!JSON.stringify(logs).includes(PASSWORD), 'the password is never logged');
  });

  it('answers a wrong password, a non-admin and an unknown account alike: 401 login_failed', async () => {
    const wrong = await consoleRequest(ts.ports.https, '/admin/api/login', { json: { jid: ADMIN, password: 'nope' } });
    const notAdmin = await consoleRequest(ts.ports.https, '/admin/api/login', {
      json: { jid: 'bob@localhost', password: PASSWORD },
    });
    const unknown = await consoleRequest(ts.ports.https, '/admin/api/login', {
      json: { jid: 'nobody@localhost', password: PASSWORD },
    });
    for (const answer of [wrong, notAdmin, unknown]) {
      assert.equal(answer.status, 401);
      assert.equal(answer.text, wrong.text);
      assert.equal(answer.headers['set-cookie'], undefined);
    }
    assert.equal(errorCode(wrong.json), 'login_failed');
    assert.ok(
      logs.some((line) => line.audit === true && line.action === 'login.failed' && line.admin === 'nobody@localhost'),
    );
  });

  it('throttles guesses per account: past the failures allowed, 429 even with the right password', async () => {
    for (let i = 0; i < 2; i++) {
      const answer = await consoleRequest(ts.ports.https, '/admin/api/login', {
        json: { jid: 'carol@localhost', password: `guess ${i}` },
      });
      assert.equal(answer.status, 401);
    }
    const refused = await consoleRequest(ts.ports.https, '/admin/api/login', {
      json: { jid: 'carol@localhost', password: PASSWORD },
    });
    assert.equal(refused.status, 429);
    assert.equal(errorCode(refused.json), 'too_many_attempts');
    assert.ok(refused.headers['retry-after']);
  });

  it('refuses a login posted from another site', async () => {
    const answer = await consoleRequest(ts.ports.https, '/admin/api/login', {
      json: { jid: ADMIN, password: PASSWORD },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(answer.status, 403);
    assert.equal(errorCode(answer.json), 'cross_site');
  });

  it('answers garbage bodies with 400, 413 and 415 as JSON errors', async () => {
    const port = ts.ports.https;
    const badJson = await consoleRequest(port, '/admin/api/login', {
      raw: { body: '{"jid":', type: 'application/json' },
    });
    assert.equal(badJson.status, 400);
    assert.equal(errorCode(badJson.json), 'bad_json');
    const notUtf8 = await consoleRequest(port, '/admin/api/login', {
      raw: { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), type: 'application/json' },
    });
    assert.equal(notUtf8.status, 400);
    const array = await consoleRequest(port, '/admin/api/login', { json: [1, 2] });
    assert.equal(array.status, 400);
    assert.equal(errorCode(array.json), 'invalid_request');
    const missing = await consoleRequest(port, '/admin/api/login', { json: { jid: ADMIN } });
    assert.equal(missing.status, 400);
    assert.match((missing.json as ErrorBody).error.message, /password/);
    const form = await consoleRequest(port, '/admin/api/login', {
      raw: { body: 'jid=a&password=b', type: 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415);
    const big = await consoleRequest(port, '/admin/api/login', {
      json: { jid: ADMIN, password: 'x'.repeat(20_000) },
    });
    assert.equal(big.status, 413);
    assert.equal(errorCode(big.json), 'payload_too_large');
    assert.ok(!badJson.text.includes('at '), 'no stack trace');
  });
});

describe('admin API: endpoints', () => {
  let ts: TestServer;
  let logs: LogLine[];
  let auth: { cookie: string; csrf: string };
  let bob: TestClient | undefined;
  const operations = stubOperations();

  const call = (path: string, options: Parameters<typeof consoleRequest>[2] = {}) =>
    consoleRequest(ts.ports.https, `/admin/api/${path}`, { cookie: auth.cookie, csrf: auth.csrf, ...options });
  const audited = (action: string, target: string) =>
    logs.some(
      (line) => line.audit === true && line.admin === ADMIN && line.action === action && line.target === target,
    );

  before(async () => {
    const capture = captureLogs('info');
    logs = capture.lines;
    ts = await startTestServer({ admins: ADMIN }, { logger: capture.logger, extraModules: [operations.module] });
    await ts.addUser('alice');
    await ts.addUser('bob');
    auth = await logIn(ts.ports.https, ADMIN, PASSWORD);
  });
  after(async () => {
    await bob?.stop();
    await ts.stop();
  });

  it('answers 401 without a session or with a made-up one', async () => {
    for (const cookie of [undefined, `ferry_admin=${'A'.repeat(43)}`, 'ferry_admin=garbage']) {
      const answer = await consoleRequest(ts.ports.https, '/admin/api/users', cookie ? { cookie } : {});
      assert.equal(answer.status, 401);
      assert.equal(errorCode(answer.json), 'unauthenticated');
    }
  });

  it('answers 404 for an unknown endpoint and 405 with Allow for a wrong method', async () => {
    const unknown = await call('nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown.json), 'not_found');
    const wrong = await call('status', { method: 'DELETE' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET');
  });

  it('refuses a state change without the CSRF token, with a wrong one, or from another site', async () => {
    const body = { username: 'mallory', password: 'pw-of-mallory' };
    const noToken = await consoleRequest(ts.ports.https, '/admin/api/users', { cookie: auth.cookie, json: body });
    assert.equal(noToken.status, 403);
    assert.equal(errorCode(noToken.json), 'csrf_token');
    const wrongToken = await call('users', { json: body, csrf: 'x'.repeat(43) });
    assert.equal(wrongToken.status, 403);
    const crossOrigin = await call('users', { json: body, headers: { origin: 'https://evil.example' } });
    assert.equal(crossOrigin.status, 403);
    assert.equal(errorCode(crossOrigin.json), 'cross_site');
    const crossSite = await call('users', { json: body, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
    assert.equal((await call('users')).text.includes('mallory'), false, 'nothing was created');
    const sameOrigin = await call('users', {
      json: body,
      headers: { origin: `https://127.0.0.1:${ts.ports.https}`, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(sameOrigin.status, 201, sameOrigin.text);
  });

  it('reads the live view from the operations service: status, sessions, transfers', async () => {
    bob = await connectClient({ port: ts.ports.c2s, username: 'bob', resource: 'laptop' });
    const status = await call('status');
    assert.equal(status.status, 200);
    assert.equal((status.json as { totals: { transfersCompleted: number } }).totals.transfersCompleted, 7);
    const sessions = (await call('sessions')).json as { sessions: { jid: string }[] };
    assert.ok(sessions.sessions.some((session) => session.jid === 'bob@localhost/laptop'));
    const transfers = (await call('transfers')).json as { transfers: unknown[] };
    assert.deepEqual(transfers.transfers, [FIXED_TRANSFER]);
  });

  it('kicks a session through the operations service, audited', async () => {
    bob ??= await connectClient({ port: ts.ports.c2s, username: 'bob', resource: 'laptop' });
    const answer = await call('sessions/kick', { json: { jid: 'bob@localhost' } });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { closed: 1 });
    assert.equal(operations.kicked.at(-1)?.jid, 'bob@localhost');
    assert.ok(audited('session.kick', 'bob@localhost'));
    const bad = await call('sessions/kick', { json: { jid: '@@' } });
    assert.equal(bad.status, 400);
    await bob.stop();
    bob = undefined;
  });

  it('lists accounts a page at a time (?after=&limit=, next), refusing a bad limit', async () => {
    const names = async (query: string) => {
      const answer = await call(`users${query}`);
      assert.equal(answer.status, 200, answer.text);
      const page = answer.json as { users: { name: string }[]; next?: string };
      return { names: page.users.map((user) => user.name), next: page.next };
    };
    const all = await names('');
    assert.equal(all.next, undefined);
    assert.deepEqual(all.names, [...all.names].sort());
    const first = await names('?limit=1');
    assert.deepEqual(first, { names: all.names.slice(0, 1), next: all.names[0] });
    const rest = await names(`?after=${encodeURIComponent(first.next!)}&limit=500`);
    assert.deepEqual(rest, { names: all.names.slice(1), next: undefined });
    assert.equal((await call('users?limit=0')).status, 400);
    assert.equal((await call('users?limit=501')).status, 400);
  });

  it('lists, creates, resets and deletes accounts, each change audited', async () => {
    const list = (await call('users')).json as { users: { name: string; isAdmin: boolean }[] };
    assert.deepEqual(
      list.users.filter((user) => ['alice', 'bob'].includes(user.name)).map((user) => [user.name, user.isAdmin]),
      [
        ['alice', true],
        ['bob', false],
      ],
    );
    const created = await call('users', { json: { username: 'dave', password: 'first password' } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json, { name: 'dave', jid: 'dave@localhost' });
    assert.ok(audited('user.create', 'dave'));
    assert.equal((await call('users', { json: { username: 'dave', password: 'again' } })).status, 409);
    assert.equal((await call('users', { json: { username: 'a b', password: 'pw' } })).status, 400);
    assert.equal((await call('users', { json: { username: 'eve@other.example', password: 'pw' } })).status, 400);

    const reset = await call('users/dave/password', { json: { password: 'second password' } });
    assert.equal(reset.status, 200);
    assert.ok(audited('user.password', 'dave'));
    const dave = await connectClient({ port: ts.ports.c2s, username: 'dave', password: 'second password' });
    await dave.stop();
    assert.equal((await call('users/nobody/password', { json: { password: 'pw' } })).status, 404);
    assert.equal((await call('users/dave/password', { json: { password: '' } })).status, 400);

    assert.equal((await call('users/dave', { method: 'DELETE' })).status, 200);
    assert.ok(audited('user.delete', 'dave'));
    assert.equal((await call('users/dave', { method: 'DELETE' })).status, 404);
    assert.equal(await ts.server.storage.accounts.exists('dave'), false);
  });

  it("deletes an account's uploads with it", async () => {
    await ts.addUser('frank');
    const frank = await connectClient({ port: ts.ports.c2s, username: 'frank' });
    let getUrl: string;
    try {
      const size = 1500;
      const slot = readSlot(
        await iqGet(frank, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'f.bin', size })),
      );
      const put = await https(slot.putUrl, {
        method: 'PUT',
        headers: { authorization: slot.authorization, 'content-length': size },
        body: randomBytes(size),
      });
      assert.equal(put.status, 201);
      getUrl = slot.getUrl;
    } finally {
      await frank.stop();
    }
    const before = (await call('uploads?owner=frank')).json as { uploads: { id: string; name: string }[] };
    assert.deepEqual(
      before.uploads.map((upload) => upload.name),
      ['f.bin'],
    );
    assert.equal((await call('users/frank', { method: 'DELETE' })).status, 200);
    const after = (await call('uploads')).json as { uploads: { owner: string }[] };
    assert.equal(after.uploads.filter((upload) => upload.owner === 'frank').length, 0);
    assert.equal((await https(getUrl, { method: 'GET' })).status, 404);
  });

  it('lists and deletes uploads, audited; an unknown id is 404', async () => {
    const size = 700;
    const alice = await connectClient({ port: ts.ports.c2s, username: 'alice' });
    try {
      const slot = readSlot(
        await iqGet(alice, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: 'a.txt', size })),
      );
      await https(slot.putUrl, {
        method: 'PUT',
        headers: { authorization: slot.authorization, 'content-length': size },
        body: randomBytes(size),
      });
    } finally {
      await alice.stop();
    }
    const list = (await call('uploads')).json as { uploads: { id: string; owner: string; size: number }[] };
    const upload = list.uploads.find((entry) => entry.owner === 'alice');
    assert.equal(upload?.size, size);
    assert.equal((await call(`uploads/${upload.id}`, { method: 'DELETE' })).status, 200);
    assert.ok(audited('upload.delete', upload.id));
    assert.equal((await call(`uploads/${upload.id}`, { method: 'DELETE' })).status, 404);
  });

  it('serves the last log lines, filtered by level', async () => {
    ts.server.logger.warn('a warning for the console');
    const warn = (await call('logs?level=warn')).json as { lines: { level: string; msg: string }[] };
    assert.ok(warn.lines.some((line) => line.msg === 'a warning for the console'));
    assert.ok(warn.lines.every((line) => ['warn', 'error', 'fatal'].includes(line.level)));
    const all = (await call('logs')).json as { lines: { level: string; fields: { action?: string } }[] };
    assert.ok(all.lines.some((line) => line.fields.action === 'user.create'));
    assert.equal((await call('logs?level=loud')).status, 400);
    assert.equal((await call('logs?limit=0')).status, 400);
  });

  it('shows the effective settings and runs the proxy reachability check', async () => {
    const settings = (await call('settings')).json as {
      proxy: { enabled: boolean; advertised: { port: number }; acl: string; bandwidthBytesPerSecond: number };
      upload: { enabled: boolean; max_file_size: number; expire_after_days: number; s3?: unknown };
      settings: { key: string; effective: unknown; isAvailable: boolean }[];
    };
    assert.equal(settings.proxy.enabled, true);
    assert.equal(settings.proxy.acl, 'local');
    assert.ok(settings.proxy.advertised.port > 0);
    assert.equal(settings.upload.max_file_size, 100 * 1024 * 1024);
    assert.equal(settings.upload.expire_after_days, 7);
    assert.equal(settings.upload.s3, undefined);
    const port = settings.settings.find((view) => view.key === 'modules.proxy65.port');
    assert.deepEqual(port && { effective: port.effective, isAvailable: port.isAvailable }, {
      effective: 0,
      isAvailable: true,
    });
    const check = await call('settings/proxy/check', { json: {} });
    assert.equal(check.status, 200, check.text);
    assert.equal((check.json as { ok: boolean }).ok, true);
    assert.ok(audited('proxy.check', `127.0.0.1:${settings.proxy.advertised.port}`));
  });

  it('logs out: the session is gone and the cookie cleared', async () => {
    const own = await logIn(ts.ports.https, ADMIN, PASSWORD);
    const current = await consoleRequest(ts.ports.https, '/admin/api/session', { cookie: own.cookie });
    assert.deepEqual(current.json, { jid: ADMIN, csrfToken: own.csrf });
    const out = await consoleRequest(ts.ports.https, '/admin/api/logout', {
      cookie: own.cookie,
      csrf: own.csrf,
      json: {},
    });
    assert.equal(out.status, 200);
    assert.match(out.headers['set-cookie']?.[0] ?? '', /^ferry_admin=; .*Max-Age=0/);
    assert.equal((await consoleRequest(ts.ports.https, '/admin/api/status', { cookie: own.cookie })).status, 401);
    assert.equal((await call('status')).status, 200, 'other sessions stay');
  });
});

describe('admin API: without the operations module', () => {
  it('answers the live view with 503 unavailable, and the rest still works', async () => {
    const ts = await startTestServer({ admins: ADMIN, 'modules.operations.enabled': false });
    try {
      await ts.addUser('alice');
      const auth = await logIn(ts.ports.https, ADMIN, PASSWORD);
      const status = await consoleRequest(ts.ports.https, '/admin/api/status', { cookie: auth.cookie });
      assert.equal(status.status, 503);
      assert.equal(errorCode(status.json), 'unavailable');
      const users = await consoleRequest(ts.ports.https, '/admin/api/users', { cookie: auth.cookie });
      assert.equal(users.status, 200);
    } finally {
      await ts.stop();
    }
  });
});
