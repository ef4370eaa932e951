// The password prompt at a real terminal (a pseudo-terminal made by util-linux `script`): Ctrl-C
// typed the moment "Password:" shows is one line, "cancelled", and exit 130 — not a silent SIGINT
// death and not a stack trace.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { tempDir } from '../helpers/files.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the CLI on a pseudo-terminal; `onOutput` may type into it. */
function onTerminal(
  args: string[],
  onOutput: (output: string, type: (keys: string) => void) => void,
): Promise<{ code: number | null; output: string }> {
  const command = ['node', '--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...args].join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_CONFIG: '' };
  delete env.FERRY_PASSWORD;
  // -e: script exits with the command's code; -f: flush output at once; -q: no banner.
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let output = '';
  const type = (keys: string) => void child.stdin.write(keys);
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    onOutput(output, type);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe('ferry at a terminal prompt', { skip: hasScript ? false : 'util-linux script is not installed' }, () => {
  const data = tempDir('ferry-terminal-');
  after(() => data.remove());

  it('Ctrl-C at the password prompt: "cancelled", exit 130, no account', async () => {
    let isTyped = false;
    const run = await onTerminal(['adduser', 'carol@localhost', '--data-dir', data.path], (output, type) => {
      if (isTyped || !output.includes('Password:')) return;
      isTyped = true;
      type('\u0003');
    });
    assert.equal(run.code, 130, run.output);
    const lines = run.output.split(/\r?\n/).filter((line) => line.trim() !== '');
    assert.deepEqual(lines, ['Password: ', 'ferry: cancelled']);
  });

  it('a typed password is asked twice and never echoed', async () => {
    let step = 0;
    const run = await onTerminal(['adduser', 'dave@localhost', '--data-dir', data.path], (output, type) => {
      if (step === 0 && output.includes('Password:')) {
        step = 1;
        type('s3cret-typed\r');
      } else if (step === 1 && output.includes('Again, to confirm:')) {
        step = 2;
        type('s3cret-typed\r');
      }
    });
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /created dave@localhost/);
    assert.ok(!run.output.includes('s3cret-typed'), 'the password is not echoed');
  });
});
