// The operator's scenarios in a real Chromium (Debian's /usr/bin/chromium through playwright-core)
// against a real server with the real operations module: throttle the proxy from the settings page
// and watch a `ferry send` through it appear on the dashboard and finish; switch the proxy off in
// the console and see the next `ferry send` fall back to IBB; create a user. One server and one
// browser for the whole file. A screenshot of each page is saved under test-artifacts/ (not
// committed); the directory is printed. Skipped when Chromium is not installed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { withTimeout } from '../helpers/xmpp-client.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium); browser tests skipped`;
if (skip) console.log(`# ${skip}`);

const WAIT_MS = 20_000;
const ARTIFACTS = resolve('test-artifacts', 'admin-console');
/** Big enough, and the proxy throttled enough, that the relay is on the dashboard for seconds. */
const FILE_BYTES = 1536 * 1024;
const THROTTLE_BYTES_PER_SECOND = 256 * 1024;

interface Process {
  child: ChildProcess;
  output: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** The CLI from source, as a person runs it (no TLS override: --insecure does it). */
function ferry(args: string[]): Process {
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_CONFIG: '', FERRY_PASSWORD: PASSWORD };
  delete env.NODE_TLS_REJECT_UNAUTHORIZED;
  const child = spawn(process.execPath, ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.once('exit', (code) => done({ code, stdout, stderr })),
  );
  return { child, output };
}

function firstLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return withTimeout(
    new Promise<string>((found) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (pattern.test(line)) found(line);
      });
    }),
    60_000,
    `a line matching ${String(pattern)}`,
  );
}

describe('admin console scenarios in Chromium', { skip }, () => {
  let ts: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  const errors: string[] = [];
  const files = tempDir();
  const running: ChildProcess[] = [];

  const login = (jid: string) => ['--jid', jid, '--host', '127.0.0.1', '--port', String(ts.ports.c2s), '--insecure'];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  /** `ferry receive --once` as bob/<resource>, then `ferry send` of a fresh file to it; both outputs. */
  async function sendThrough(resource: string): Promise<{ sent: string; received: string; matches: boolean }> {
    const source = join(files.path, `${resource}.bin`);
    const hash = writeRandomFile(source, FILE_BYTES);
    const outDir = join(files.path, `out-${resource}`);
    const receiver = ferry([
      'receive',
      ...login('bob@localhost'),
      '--dir',
      outDir,
      '--accept-all',
      '--once',
      '--resource',
      resource,
    ]);
    running.push(receiver.child);
    await firstLine(receiver.child, /^receiving as /);
    // --no-direct: the bytes go through the server's proxy (or, with it off, in-band).
    const sender = ferry(['send', `bob@localhost/${resource}`, source, ...login('alice@localhost'), '--no-direct']);
    running.push(sender.child);
    const sent = await withTimeout(sender.output, 120_000, 'ferry send');
    assert.equal(sent.code, 0, sent.stderr);
    const received = await withTimeout(receiver.output, 60_000, 'ferry receive --once');
    assert.equal(received.code, 0, received.stderr);
    return {
      sent: sent.stdout,
      received: received.stdout,
      matches: (await sha256File(join(outDir, `${resource}.bin`))) === hash,
    };
  }

  /** Sets one live setting through its form on the settings page; the page reloads with it. */
  async function setSetting(key: string, value: string): Promise<void> {
    const row = page.locator(`tr[data-setting="${key}"]`);
    const field = row.locator('[name="value"]');
    if ((await field.evaluate((element) => element.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
    await Promise.all([page.waitForEvent('load'), row.getByRole('button', { name: 'Save' }).click()]);
  }

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    console.log(`# screenshots of every console page: ${ARTIFACTS}`);
    ts = await startTestServer({ admins: 'alice@localhost' });
    await ts.addUser('alice');
    await ts.addUser('bob');
    base = `https://127.0.0.1:${ts.ports.https}/admin`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root (CI) Chromium refuses to start with its sandbox.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
      timeout: 60_000,
    });
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(WAIT_MS);
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
  });

  after(async () => {
    for (const child of running) child.kill('SIGKILL');
    await browser?.close();
    await ts?.stop();
    files.remove();
  });

  it('logs in', async () => {
    await page.goto(`${base}/login`);
    await shot('login');
    await page.getByLabel('JID').fill('alice@localhost');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/dashboard`);
    assert.deepEqual(errors, []);
  });

  it('throttles the proxy in the settings page, then watches a ferry send appear on the dashboard and finish', async () => {
    await page.goto(`${base}/settings`);
    await setSetting('modules.proxy65.bandwidth_bytes_per_second', String(THROTTLE_BYTES_PER_SECOND));
    const source = page.locator('tr[data-setting="modules.proxy65.bandwidth_bytes_per_second"] [data-source]');
    assert.match((await source.textContent()) ?? '', /overridden by alice@localhost/);
    assert.equal(ts.server.service('proxy65')!.bandwidthBytesPerSecond, THROTTLE_BYTES_PER_SECOND);
    // The start-up SOCKS5 self-test, run again at the advertised address.
    const check = page.locator('form[data-api="settings/proxy/check"]');
    await check.getByRole('button', { name: 'Check reachability' }).click();
    await check
      .locator('output')
      .filter({ hasText: /^reachable$/ })
      .waitFor();
    await shot('settings');

    await page.goto(`${base}/dashboard`);
    const transfers = page.locator('[data-live="transfers"]');
    const sending = sendThrough('throttled');
    // Drawn by the dashboard's live refresh while the relay runs, then gone once it has finished.
    await transfers.getByText('socks5-relay').waitFor({ timeout: 60_000 });
    await transfers.getByText('alice@localhost/', { exact: false }).first().waitFor();
    await shot('dashboard-transfer');
    const { sent, received, matches } = await sending;
    assert.match(sent, /over socks5 via proxy\.localhost/);
    assert.match(received, /over socks5 via proxy\.localhost/);
    assert.ok(matches, 'the received file has the sent bytes');
    await transfers.getByText('socks5-relay').waitFor({ state: 'detached', timeout: 30_000 });
    await page
      .locator('[data-field="transfersCompleted"]')
      .filter({ hasText: /^[1-9]/ })
      .waitFor();
    await shot('dashboard');
    assert.deepEqual(errors, []);
  });

  it('switches the proxy off in the console; the next ferry send falls back to IBB', async () => {
    await page.goto(`${base}/settings`);
    await setSetting('modules.proxy65.active', 'false');
    await page.locator('[data-field="proxy-status"]').filter({ hasText: /^off,/ }).waitFor();
    assert.equal(ts.server.service('proxy65')!.isActive, false);
    await shot('settings-proxy-off');
    const { sent, received, matches } = await sendThrough('fallback');
    assert.match(sent, /over ibb/);
    assert.match(received, /over ibb/);
    assert.ok(matches, 'the received file has the sent bytes');

    // Back to the file's value with the reset button.
    const row = page.locator('tr[data-setting="modules.proxy65.active"]');
    await Promise.all([page.waitForEvent('load'), row.getByRole('button', { name: 'Reset to file value' }).click()]);
    await page.locator('[data-field="proxy-status"]').filter({ hasText: /^on,/ }).waitFor();
    assert.equal(ts.server.service('proxy65')!.isActive, true);
    assert.deepEqual(errors, []);
  });

  it('creates a user, and every page renders (screenshots kept)', async () => {
    await page.goto(`${base}/users`);
    await page.getByLabel('Username').fill('zoe');
    await page.getByLabel('Password', { exact: true }).fill('zoe has a password');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Create' }).click()]);
    await page.locator('tr[data-user="zoe"]').waitFor();
    assert.equal(await ts.server.storage.accounts.exists('zoe'), true);
    await shot('users');
    for (const name of ['uploads', 'logs']) {
      await page.goto(`${base}/${name}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await shot(name);
    }
    assert.deepEqual(errors, []);
  });
});
