// contrib/systemd/ferry.service passes `systemd-analyze verify` and keeps its hardening: an
// offline security audit must rate its exposure 2.0 or lower (threshold 20 on its 0–100 scale) ("OK"), and neither tool may warn
// about a line it could not parse (systemd ignores those silently at run time).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const skip = analyze.status === 0 ? false : 'systemd-analyze is not installed';

describe('systemd unit', { skip }, () => {
  it('verifies and audits clean', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-unit-'));
    try {
      // verify checks that ExecStart exists and is executable: point it at this checkout.
      const unit = readFileSync('contrib/systemd/ferry.service', 'utf8').replace(
        /^ExecStart=\S+/m,
        `ExecStart=${process.execPath} ${resolve('src/cli/main.ts')}`,
      );
      const path = join(dir, 'ferry.service');
      writeFileSync(path, unit);
      const verify = spawnSync('systemd-analyze', ['verify', '--man=no', path], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(verify.status, 0, verify.stderr);
      assert.equal(verify.stderr.trim(), '');
      const audit = spawnSync('systemd-analyze', ['security', '--offline=true', '--threshold=20', path], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(audit.status, 0, `exposure above 2.0:\n${audit.stdout.split('\n').slice(-3).join('\n')}`);
      assert.equal(audit.stderr.trim(), '', 'a directive systemd could not parse');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
