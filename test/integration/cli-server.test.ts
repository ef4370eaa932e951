// `ferry server` as a process: zero-config start on a fresh data directory (self-signed
// certificate generated and kept), and SIGTERM closing streams with system-shutdown.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { serverArgs } from '../helpers/cli.js';
import { openRawStream, STREAM_OPEN } from '../helpers/raw-stream.js';
import { withTimeout } from '../helpers/xmpp-client.js';

describe('ferry server process', () => {
  it('starts with defaults on a fresh data dir and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
    const child = spawn(
      process.execPath,
      ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...serverArgs(dataDir, 'log.pretty=false')],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FERRY_CONFIG: '' } },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const c2sPort = await withTimeout(
        new Promise<number>((resolve) => {
          createInterface({ input: child.stdout }).on('line', (line) => {
            const entry = JSON.parse(line) as { msg?: string; listener?: string; address?: string };
            if (entry.msg === 'listening' && entry.listener === 'c2s') resolve(Number(entry.address?.split(':').pop()));
          });
        }),
        30_000,
        'the c2s listener',
      );
      assert.ok(existsSync(join(dataDir, 'ferry.sqlite')), 'creates the SQLite database');
      assert.ok(existsSync(join(dataDir, 'tls', 'localhost.crt')), 'generates a self-signed certificate');

      const raw = await openRawStream(c2sPort);
      raw.write(STREAM_OPEN);
      await raw.waitForText('</stream:features>');
      child.kill('SIGTERM');
      await raw.waitForText(/<system-shutdown xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]\/>/);
      assert.equal(await withTimeout(exited, 10_000, 'exit after SIGTERM'), 0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
