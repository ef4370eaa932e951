// The console's pages over HTTPS: redirects to the login page without a session, a strict CSP
// and no inline script on every page, the static files, 404/405, "live view unavailable" without
// the operations module, and hostile text (a login attempt's JID, shown in the logs) escaped.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { consoleRequest, logIn } from '../helpers/admin-console.js';
import { captureLogs } from '../helpers/log-capture.js';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const PAGES = ['dashboard', 'users', 'uploads', 'logs', 'settings'];

describe('admin console pages', () => {
  let ts: TestServer;
  let auth: { cookie: string; csrf: string };
  /** With the session's cookie, or with none for `null`. */
  const get = (path: string, cookie: string | null = auth.cookie) =>
    consoleRequest(ts.ports.https, path, cookie === null ? {} : { cookie });

  before(async () => {
    // A logger that writes (the test default is silent), so the log ring has lines to show.
    // Without the operations module, so the dashboard's "live view unavailable" state is shown.
    ts = await startTestServer(
      { admins: 'alice@localhost', 'modules.operations.enabled': false },
      { logger: captureLogs('info').logger },
    );
    await ts.addUser('alice');
    auth = await logIn(ts.ports.https, 'alice@localhost', PASSWORD);
  });
  after(() => ts.stop());

  it('sends a visitor without a session to the login page', async () => {
    for (const path of ['/admin', '/admin/', ...PAGES.map((page) => `/admin/${page}`)]) {
      const answer = await get(path, null);
      assert.equal(answer.status, 303, path);
      assert.equal(answer.headers.location, '/admin/login', path);
    }
    const login = await get('/admin/login', null);
    assert.equal(login.status, 200);
    assert.match(login.text, /<form[^>]+data-api="login"/);
    assert.doesNotMatch(login.text, /ferry-csrf/);
  });

  it('serves every page with a strict CSP, no inline script, and the CSRF token in a meta tag', async () => {
    for (const page of PAGES) {
      const answer = await get(`/admin/${page}`);
      assert.equal(answer.status, 200, page);
      assert.match(answer.headers['content-type'] ?? '', /^text\/html/);
      assert.match(String(answer.headers['content-security-policy']), /^default-src 'self';/);
      assert.equal(answer.headers['x-frame-options'], 'DENY');
      assert.equal(answer.headers['cache-control'], 'no-store');
      assert.ok(answer.text.includes(`<meta name="ferry-csrf" content="${auth.csrf}"`), page);
      const scripts = [...answer.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      assert.deepEqual(
        scripts.map(([, attributes, inline]) => [attributes?.trim(), inline?.trim()]),
        [['src="/admin/static/console.js" defer', '']],
      );
      assert.doesNotMatch(answer.text, / on[a-z]+=/, 'no inline event handlers');
    }
    assert.equal((await get('/admin/login')).status, 303, 'logged in: the login page sends to the dashboard');
  });

  it('says the live view is unavailable without the operations module', async () => {
    const answer = await get('/admin/dashboard');
    assert.match(answer.text, /<p class="state" data-live-state\s*>\s*Live view unavailable/);
  });

  it('serves the script, the stylesheet and the icon; 404 and 405 elsewhere', async () => {
    const js = await get('/admin/static/console.js', null);
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'] ?? '', /^text\/javascript/);
    assert.match(js.text, /x-csrf-token/);
    assert.match((await get('/admin/static/console.css', null)).headers['content-type'] ?? '', /^text\/css/);
    assert.equal((await get('/admin/static/favicon.svg', null)).status, 200);
    assert.equal((await get('/admin/static/nothing.js', null)).status, 404);
    assert.equal((await get('/admin/nowhere')).status, 404);
    const post = await consoleRequest(ts.ports.https, '/admin/users', { cookie: auth.cookie, json: {} });
    assert.equal(post.status, 405);
  });

  it('escapes hostile text: a login attempt with markup for a JID shows as text in the logs', async () => {
    const hostile = '<img src=x onerror=alert(1)>@localhost';
    await consoleRequest(ts.ports.https, '/admin/api/login', { json: { jid: hostile, password: 'x' } });
    const answer = await get('/admin/logs?level=info');
    assert.equal(answer.status, 200);
    assert.ok(answer.text.includes('&#60;img src=x onerror=alert(1)&#62;'));
    assert.ok(!answer.text.includes('<img'));
    assert.equal((await get('/admin/logs?level=loud')).status, 200, 'a bad level is shown, not a crash');
  });
});
