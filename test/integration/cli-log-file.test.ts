// `log.file`: the server appends JSON lines to it; after logrotate moves the file, SIGHUP makes
// the running server reopen its path (where it used to exit with 129), and the lines written
// before exit reach the file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serverArgs } from '../helpers/cli.js';
import { withTimeout } from '../helpers/xmpp-client.js';

/** The file's JSON lines once one of them has this msg; polls for up to 30 s. */
async function linesOnceLogged(file: string, msg: string): Promise<{ msg?: string }[]> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (existsSync(file)) {
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg?: string });
      if (lines.some((line) => line.msg === msg)) return lines;
    }
    await sleep(100);
  }
  throw new Error(`"${msg}" never appeared in ${file}`);
}

describe('ferry server log.file', () => {
  it('writes JSON lines to the file, reopens it on SIGHUP after rotation, and keeps running', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ferry-log-'));
    const logFile = join(dataDir, 'logs', 'ferry.log');
    const child = spawn(
      process.execPath,
      [
        '--conditions=ferry-source',
        '--import',
        'tsx',
        'src/cli/main.ts',
        ...serverArgs(dataDir, `log.file=${logFile}`),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FERRY_CONFIG: '' } },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const first = await linesOnceLogged(logFile, 'Ferry started');
      assert.ok(first.some((line) => line.msg === 'listening'));
      assert.equal(stdout, '', 'with log.file nothing goes to stdout');

      renameSync(logFile, `${logFile}.1`);
      child.kill('SIGHUP');
      await linesOnceLogged(logFile, 'log file reopened');
      assert.equal(child.exitCode, null, 'SIGHUP does not stop the server');

      child.kill('SIGTERM');
      assert.equal(await withTimeout(exited, 15_000, 'exit after SIGTERM'), 0);
      const after = await linesOnceLogged(logFile, 'Ferry stopped');
      assert.ok(!after.some((line) => line.msg === 'Ferry started'), 'the new file starts after the rotation');
      assert.ok(readFileSync(`${logFile}.1`, 'utf8').includes('"msg":"Ferry started"'));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
