// Runs the `ferry` CLI from source as a person would, and checks the mistakes table: one line on
// stderr, the documented exit code, no stack trace.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { PASSWORD } from './server.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a deadline; stdin is `input` (piped, so never a terminal). */
export function ferry(args: string[], env: Record<string, string> = {}, input = ''): Promise<Run> {
  return startFerry(args, env, input).done;
}

/** Starts the CLI; `printed(re)` settles once stdout matches (or rejects when the process ends first). */
export function startFerry(
  args: string[],
  env: Record<string, string> = {},
  input = '',
): { done: Promise<Run>; printed(pattern: RegExp): Promise<void>; kill(signal: NodeJS.Signals): void } {
  const child = spawn(process.execPath, ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...withoutTlsOverride(process.env), FERRY_CONFIG: '', FERRY_JID: '', FERRY_PASSWORD: PASSWORD, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise<Run>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  const printed = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(stdout)) return;
        child.stdout.off('data', check);
        resolve();
      };
      child.stdout.on('data', check);
      check();
      void done.then((run) =>
        reject(new Error(`ferry exited (${run.code}) before printing ${pattern}: ${run.stderr}`)),
      );
    });
  return { done, printed, kill: (signal) => void child.kill(signal) };
}

function withoutTlsOverride(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_TLS_REJECT_UNAUTHORIZED;
  delete copy.FERRY_PASSWORD;
  return copy;
}

export interface Row {
  mistake: string;
  args: () => string[];
  env?: Record<string, string>;
  stdin?: string;
  line: RegExp;
  code: number;
  skip?: boolean;
}

/** One test per row: the first `ferry:` line on stderr, the exit code, and no stack trace. */
export function itRows(rows: readonly Row[]): void {
  for (const row of rows) {
    it(row.mistake, { skip: row.skip }, async () => {
      const run = await ferry(row.args(), row.env, row.stdin);
      const stderrLines = run.stderr.split('\n').filter((line) => line.startsWith('ferry:'));
      assert.match(stderrLines[0] ?? '', row.line, run.stderr);
      assert.equal(run.code, row.code, run.stderr);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    });
  }
}

/** A loopback port that was free a moment ago: nothing listens there. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The login flags for alice@localhost against a server on loopback (self-signed: --insecure). */
export function loginArgs(port: number): string[] {
  return ['--jid', 'alice@localhost', '--host', '127.0.0.1', '--port', String(port), '--insecure'];
}

/** Arguments for `ferry server` on a data directory, every listener on an ephemeral port, plus `key=value` settings. */
export function serverArgs(dataDir: string, ...settings: string[]): string[] {
  const ephemeral = ['c2s.port', 'c2s_direct_tls.port', 'http.port', 'http.https_port', 'modules.proxy65.port'];
  return [
    'server',
    '--data-dir',
    dataDir,
    ...[...ephemeral.map((key) => `${key}=0`), ...settings].flatMap((setting) => ['--set', setting]),
  ];
}
