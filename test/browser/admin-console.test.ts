// The admin console in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// never a downloaded browser): log in, see a connected session and a live transfer on the
// dashboard, create an account and delete it, and log in with the keyboard alone. The page must
// run under its strict CSP without a single violation. Skipped when Chromium is not installed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { stubOperations } from '../helpers/admin-console.js';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium); browser tests skipped`;
if (skip) console.log(`# ${skip}`);

const WAIT_MS = 15_000;

describe('admin console in Chromium', { skip }, () => {
  let ts: TestServer;
  let bob: TestClient;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  /** A fresh browser profile (no cookie), recording console errors such as CSP violations. */
  async function newPage(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    contexts.push(context);
    context.setDefaultTimeout(WAIT_MS);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    return { page, errors };
  }

  before(async () => {
    ts = await startTestServer({ admins: 'alice@localhost' }, { extraModules: [stubOperations().module] });
    await ts.addUser('alice');
    await ts.addUser('bob');
    bob = await connectClient({ port: ts.ports.c2s, username: 'bob', resource: 'phone' });
    base = `https://127.0.0.1:${ts.ports.https}/admin`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root (CI) Chromium refuses to start with its sandbox.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
      timeout: 60_000,
    });
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await bob?.stop();
    await ts?.stop();
  });

  it('logs in and shows the connected session and the live transfer on the dashboard', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${base}/dashboard`);
    assert.equal(new URL(page.url()).pathname, '/admin/login', 'no session: sent to the login page');
    await page.getByLabel('JID').fill('alice@localhost');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/dashboard`);
    const sessions = page.locator('[data-live="sessions"]');
    await sessions.getByText('bob@localhost/phone').waitFor();
    // After a live refresh (every 2 s) the rows are still there, now drawn by the script.
    await page.waitForResponse((response) => response.url().endsWith('/admin/api/sessions'));
    await page.locator('[data-live="transfers"]').getByText('socks5-relay').waitFor();
    await sessions.getByText('bob@localhost/phone').waitFor();
    assert.equal(await page.locator('[data-field="transfersCompleted"]').textContent(), '7');
    assert.deepEqual(errors, []);
  });

  it('creates an account and deletes it from the users page', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('JID').fill('alice@localhost');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/dashboard`);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.waitForURL(`${base}/users`);

    await page.getByLabel('Username').fill('zoe');
    await page.getByLabel('Password', { exact: true }).fill('zoe has a password');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Create' }).click()]);
    const row = page.locator('tr[data-user="zoe"]');
    await row.waitFor();
    assert.equal(await ts.server.storage.accounts.exists('zoe'), true);

    page.once('dialog', (dialog) => void dialog.accept());
    await Promise.all([page.waitForEvent('load'), row.getByRole('button', { name: 'Delete zoe' }).click()]);
    await row.waitFor({ state: 'detached' });
    assert.equal(await ts.server.storage.accounts.exists('zoe'), false);
    assert.deepEqual(errors, []);
  });

  it('logs in with the keyboard alone (Tab, typing, Enter)', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${base}/login`);
    // The JID field has the focus on arrival; Tab moves to the password, then to the button.
    await page.locator('#jid:focus').waitFor();
    await page.keyboard.type('alice@localhost');
    await page.keyboard.press('Tab');
    await page.locator('#password:focus').waitFor();
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Tab');
    await page.locator('button[type="submit"]:focus').waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/dashboard`);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    assert.deepEqual(errors, []);
  });

  it('shows a wrong password as an alert and stays on the login page', async () => {
    const { page } = await newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('JID').fill('alice@localhost');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .getByRole('alert')
      .getByText(/wrong JID or password/)
      .waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin/login');
  });
});
