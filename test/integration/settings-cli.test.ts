// `ferry settings get | set | reset` against a running server through its control socket: the same
// settings service as the admin console (validation naming the key, applied live, audited as the
// operator), and what a refused change prints.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ferry } from '../helpers/cli.js';

describe('ferry settings', () => {
  let ts: TestServer;
  const at = () => ['--data-dir', ts.dataDir];

  before(async () => {
    ts = await startTestServer();
  });

  after(async () => {
    await ts?.stop();
  });

  it('get lists every live setting with its value and source', async () => {
    const run = await ferry(['settings', 'get', ...at()]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^modules\.proxy65\.active = true {2}\(default\)$/m);
    assert.match(run.stdout, /^modules\.proxy65\.port = 0 {2}\(file\)$/m);
    assert.match(run.stdout, /^modules\.http_upload\.max_file_size = 104857600 {2}\(default\)$/m);
  });

  it('set applies at once and get shows the override; reset goes back to the file', async () => {
    const set = await ferry(['settings', 'set', 'modules.proxy65.active', 'false', ...at()]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, 'modules.proxy65.active: true → false (applied, kept across restarts)\n');
    assert.equal(ts.server.service('proxy65')!.isActive, false);
    const one = await ferry(['settings', 'get', 'modules.proxy65.active', ...at()]);
    assert.match(
      one.stdout,
      /^modules\.proxy65\.active = false {2}\(overridden by operator \(control socket\) at \S+\)$/m,
    );
    const reset = await ferry(['settings', 'reset', 'modules.proxy65.active', ...at()]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(reset.stdout, "modules.proxy65.active: false → true (the file's value)\n");
    assert.equal(ts.server.service('proxy65')!.isActive, true);
  });

  it('refuses a bad value naming the key, and changes nothing', async () => {
    const run = await ferry(['settings', 'set', 'modules.http_upload.expire_after_days', '-1', ...at()]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /modules\.http_upload\.expire_after_days: /);
    assert.equal(ts.server.service('http_upload')!.settings.expire_after_days, 7);
  });
});
