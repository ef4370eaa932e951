// The client library in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// never a downloaded browser): examples/web logs in over WebSocket to a Ferry server on loopback,
// sends a picked file to a `ferry receive` process and receives one from `ferry send`, over IBB,
// and by XEP-0363 upload and link (fetch() to the server's https upload service, cross-origin);
// the bytes are checked by SHA-256 on both sides. Skipped when Chromium is not installed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { sha256File, tempDir, writeRandomFile } from '../helpers/files.js';
import { ferry, stop, exitWithin, until, type Run } from '../helpers/cli-process.js';
import { serveWebExample, type WebExample } from '../../examples/web/serve.js';
import { bundleForBrowser } from '../../scripts/bundle-check.js';
import type { ferryTest } from '../helpers/web-client-library.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium); browser tests skipped`;
if (skip) console.log(`# ${skip}`);

const WAIT_MS = 60_000;

describe('the web example in Chromium', { skip }, () => {
  let ts: TestServer;
  let web: WebExample;
  let browser: Browser;
  const files = tempDir();
  const runs: Run[] = [];

  const login = (jid: string) => ['--jid', jid, '--host', '127.0.0.1', '--port', String(ts.ports.c2s), '--insecure'];

  /** A fresh page logged in as alice@localhost/web over the server's loopback wss listener. */
  async function loggedInPage(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    context.setDefaultTimeout(WAIT_MS);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const service = `wss://127.0.0.1:${ts.ports.https}/xmpp-websocket`;
    await page.goto(`${web.url}?service=${encodeURIComponent(service)}`);
    await page.locator('#jid').fill('alice@localhost/web');
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#login-status').getByText('online as alice@localhost/web').waitFor();
    return { page, errors };
  }

  before(async () => {
    // wss with the test server's self-signed certificate, accepted by this loopback-only browser:
    // xmpp.js in a browser logs in with PLAIN, which the server offers on secure streams only.
    ts = await startTestServer();
    await ts.addUser('alice');
    await ts.addUser('bob');
    await ts.addUser('carol');
    web = await serveWebExample();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root (CI) Chromium refuses to start with its sandbox.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--ignore-certificate-errors'],
      timeout: 60_000,
    });
  });

  after(async () => {
    for (const run of runs) await stop(run);
    await browser?.close();
    await web?.close();
    await ts?.stop();
    files.remove();
  });

  it('sends a picked file to `ferry receive` over IBB, verified by SHA-256', async () => {
    const source = join(files.path, 'from-browser.bin');
    const hash = writeRandomFile(source, 300 * 1024);
    const outDir = join(files.path, 'cli-in');
    const receiver = ferry([
      'receive',
      ...login('bob@localhost'),
      '--dir',
      outDir,
      '--accept-all',
      '--once',
      '--resource',
      'cli',
    ]);
    runs.push(receiver);
    await until(
      () => (receiver.stdout().includes('receiving as bob@localhost/cli') ? true : undefined),
      WAIT_MS,
      'ferry receive to be online',
    );
    const { page, errors } = await loggedInPage();
    await page
      .locator('#file')
      .setInputFiles({ name: 'from-browser.bin', mimeType: 'application/octet-stream', buffer: readFileSync(source) });
    await page.getByLabel('To (JID)').fill('bob@localhost/cli');
    await page.getByRole('button', { name: 'Send' }).click();
    const status = page.locator('#send-status');
    await page.locator('#send-status[data-state]').waitFor();
    assert.equal(await status.getAttribute('data-state'), 'sent', (await status.textContent()) ?? '');
    assert.match((await status.textContent()) ?? '', /sent from-browser\.bin \(307200 bytes over (ibb|jingle)/);
    assert.equal(await exitWithin(receiver, WAIT_MS, 'ferry receive --once'), 0, receiver.stderr());
    assert.match(receiver.stdout(), /ibb/);
    assert.equal(await sha256File(join(outDir, 'from-browser.bin')), hash);
    assert.deepEqual(errors, []);
  });

  // SI (XEP-0096) over IBB, and Jingle (XEP-0234) over IBB (XEP-0261): the page offers both.
  for (const { method, size } of [
    { method: 'ibb', size: 200 * 1024 },
    { method: 'jingle', size: 150 * 1024 },
  ]) {
    it(`receives a file from \`ferry send --method ${method}\` with accept, progress and a download link`, async () => {
      const name = `to-browser-${method}.bin`;
      const source = join(files.path, name);
      const hash = writeRandomFile(source, size);
      const { page, errors } = await loggedInPage();
      const sender = ferry(['send', 'alice@localhost/web', source, ...login('bob@localhost'), '--method', method]);
      runs.push(sender);
      const offer = page.locator(`.offer[data-name="${name}"]`);
      await offer.getByRole('button', { name: 'Accept' }).click();
      await page.locator(`.offer[data-name="${name}"][data-state]`).waitFor();
      assert.equal(await offer.getAttribute('data-state'), 'received', (await offer.textContent()) ?? '');
      assert.match((await offer.locator('output').textContent()) ?? '', new RegExp(`received ${size} bytes over ibb`));
      assert.equal(await offer.getAttribute('data-sha256'), hash);
      assert.equal(await offer.locator('a').getAttribute('download'), name);
      assert.equal(
        await offer.locator('progress').evaluate((bar) => (bar as unknown as { value: number }).value),
        size,
      );
      assert.equal(await exitWithin(sender, WAIT_MS, 'ferry send'), 0, sender.stderr());
      assert.match(sender.stdout(), method === 'jingle' ? /jingle|sha-256/ : /over ibb/);
      assert.deepEqual(errors, []);
    });
  }

  it('declines an offer: `ferry send` is told and exits non-zero', async () => {
    const source = join(files.path, 'unwanted.bin');
    writeRandomFile(source, 10 * 1024);
    const { page, errors } = await loggedInPage();
    const sender = ferry(['send', 'alice@localhost/web', source, ...login('bob@localhost'), '--method', 'ibb']);
    runs.push(sender);
    const offer = page.locator('.offer[data-name="unwanted.bin"]');
    await offer.getByRole('button', { name: 'Decline' }).click();
    await offer.getByText('declined').waitFor();
    assert.notEqual(await exitWithin(sender, WAIT_MS, 'ferry send'), 0);
    assert.match(sender.stderr(), /declined/i);
    assert.deepEqual(errors, []);
  });

  it('sends to a contact who is offline by upload; `ferry receive` started afterwards gets the file', async () => {
    // Carol has never logged in: the page uploads with fetch() (PUT of the File, its SHA-256 read
    // chunk by chunk) and sends the link message, which waits in her offline storage.
    const source = join(files.path, 'for-carol.bin');
    const hash = writeRandomFile(source, 250 * 1024);
    const { page, errors } = await loggedInPage();
    await page
      .locator('#file')
      .setInputFiles({ name: 'for-carol.bin', mimeType: 'application/octet-stream', buffer: readFileSync(source) });
    await page.getByLabel('To (JID)').fill('carol@localhost');
    await page.getByRole('button', { name: 'Send' }).click();
    const status = page.locator('#send-status');
    await page.locator('#send-status[data-state]').waitFor();
    assert.equal(await status.getAttribute('data-state'), 'sent', (await status.textContent()) ?? '');
    assert.equal(await status.getAttribute('data-method'), 'upload');
    assert.match(
      (await status.textContent()) ?? '',
      /^for-carol\.bin: uploaded, link sent \(256000 bytes, https:\/\/localhost:\d+\/upload\/[^/\s]+\/for-carol\.bin\)$/,
    );
    assert.equal(
      await page.locator('#send-progress').evaluate((bar) => (bar as unknown as { value: number }).value),
      256000,
    );

    const outDir = join(files.path, 'carol-inbox');
    const receiver = ferry(['receive', ...login('carol@localhost'), '--dir', outDir, '--accept-all', '--once']);
    runs.push(receiver);
    assert.equal(await exitWithin(receiver, WAIT_MS, 'ferry receive --once'), 0, receiver.stderr());
    assert.equal(await sha256File(join(outDir, 'for-carol.bin')), hash);
    assert.deepEqual(errors, []);
  });

  it('accepts a link from `ferry send --method upload`: downloads it with fetch() into a Blob, SHA-256 checked', async () => {
    const name = 'link-to-browser.bin';
    const source = join(files.path, name);
    const size = 180 * 1024;
    const hash = writeRandomFile(source, size);
    const { page, errors } = await loggedInPage();
    const sender = ferry(['send', 'alice@localhost/web', source, ...login('bob@localhost'), '--method', 'upload']);
    runs.push(sender);
    assert.equal(await exitWithin(sender, WAIT_MS, 'ferry send --method upload'), 0, sender.stderr());
    const offer = page.locator(`.offer[data-name="${name}"]`);
    await offer.getByText(`bob@localhost/`).waitFor();
    assert.match(
      (await offer.locator('p').textContent()) ?? '',
      /shares a link to link-to-browser\.bin \(184320 bytes\)/,
    );
    await offer.getByRole('button', { name: 'Accept' }).click();
    await page.locator(`.offer[data-name="${name}"][data-state]`).waitFor();
    assert.equal(await offer.getAttribute('data-state'), 'received', (await offer.textContent()) ?? '');
    assert.match(
      (await offer.locator('output').textContent()) ?? '',
      new RegExp(`received ${size} bytes by link \\(SHA-256 checked\\)`),
    );
    assert.equal(await offer.getAttribute('data-sha256'), hash);
    assert.equal(await offer.locator('a').getAttribute('download'), name);
    assert.equal(await offer.locator('progress').evaluate((bar) => (bar as unknown as { value: number }).value), size);
    assert.deepEqual(errors, []);
  });

  // The library itself on the example's origin (http://127.0.0.1), for what the page does not show:
  // link downloads and an upload with fetch(), cross-origin to the server's https upload service.
  describe('the library driven from the page', () => {
    let url: string;
    let bytes: Buffer;
    let page: Page;

    before(async () => {
      const source = join(files.path, 'ranged.bin');
      writeRandomFile(source, 200 * 1024);
      bytes = readFileSync(source);
      const sender = ferry(['send', 'carol@localhost', source, ...login('bob@localhost'), '--method', 'upload']);
      runs.push(sender);
      assert.equal(await exitWithin(sender, WAIT_MS, 'ferry send --method upload'), 0, sender.stderr());
      url = /https:\/\/localhost:\d+\/upload\/\S+\/ranged\.bin/.exec(sender.stdout())?.[0] ?? '';
      assert.ok(url, sender.stdout());
      const library = await bundleForBrowser(join(import.meta.dirname, '../helpers/web-client-library.ts'));
      assert.deepEqual(library.builtins, []);
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      context.setDefaultTimeout(WAIT_MS);
      page = await context.newPage();
      await page.goto(web.url);
      await page.addScriptTag({ content: library.code, type: 'module' });
      await page.waitForFunction(() => 'ferryTest' in globalThis, undefined, { timeout: WAIT_MS });
    });

    const download = (url: string, offset: number, size: number | undefined) =>
      page.evaluate(
        ({ url, offset, size }) =>
          (globalThis as unknown as { ferryTest: typeof ferryTest }).ferryTest.downloadLink(url, offset, size),
        { url, offset, size },
      );

    it('resumes with a Range request: only the rest is fetched (Content-Range readable across origins)', async () => {
      const offset = 150_000;
      const result = await download(url, offset, bytes.length);
      assert.deepEqual(result, {
        bytes: bytes.length - offset,
        offset,
        received: bytes.length - offset,
        sha256: createHash('sha256').update(bytes.subarray(offset)).digest('hex'),
      });
    });

    it('learns the size of a bare link from Content-Length and fetches it whole', async () => {
      const result = await download(url, 0, undefined);
      assert.deepEqual(result, {
        bytes: bytes.length,
        offset: 0,
        received: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
    });

    it('refuses a plain-http link with the same error as Node', async () => {
      const result = await download(url.replace('https:', 'http:'), 0, undefined);
      assert.equal((result as { code?: string }).code, 'FERRY_ERR_INSECURE_URL');
    });

    it('fails a missing file with FERRY_ERR_HTTP and the status', async () => {
      const result = await download(url.replace(/\/upload\/[^/]+\//, '/upload/no-such-slot/'), 0, undefined);
      assert.equal((result as { code?: string }).code, 'FERRY_ERR_HTTP');
      assert.match((result as { message: string }).message, /cannot download ranged\.bin: HTTP 404/);
    });

    it('fails a size that is not the offered one with FERRY_ERR_SIZE_MISMATCH', async () => {
      const result = await download(url, 0, bytes.length + 1);
      assert.equal((result as { code?: string }).code, 'FERRY_ERR_SIZE_MISMATCH');
    });

    it("cancels an upload by its AbortSignal at its first progress report, with the signal's reason", async () => {
      const login = {
        service: `wss://127.0.0.1:${ts.ports.https}/xmpp-websocket`,
        jid: 'alice@localhost/harness',
        password: PASSWORD,
      };
      const outcome = await page.evaluate(
        ({ login }) =>
          (globalThis as unknown as { ferryTest: typeof ferryTest }).ferryTest.abortedUpload(login, 512 * 1024),
        { login },
      );
      assert.deepEqual(outcome, { name: 'Error', message: 'stopped by the test' });
    });
  });
});
