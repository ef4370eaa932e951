// The `ferry` CLI as a child process for the desktop-client interop tests (Pidgin, Psi+): its
// output collected, stopped politely then firmly, and bounded waits around it.
import { spawn, type ChildProcess } from 'node:child_process';
import { PASSWORD } from './server.js';

export interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `ferry <args>` as a process (as a user runs it), its output collected. */
export function ferry(args: string[]): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_CONFIG: '', FERRY_PASSWORD: PASSWORD };
  delete env.NODE_TLS_REJECT_UNAUTHORIZED; // --insecure must do it
  const child = spawn(process.execPath, ['--conditions=ferry-source', '--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export async function stop(run: Run): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.child.kill('SIGTERM');
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 3_000);
  await run.exited;
  clearTimeout(timer);
}

/** Polls `check` every 100 ms until it returns a value, or fails after `ms`. */
export async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves with the exit code, or kills the process and fails after `ms`. */
export async function exitWithin(run: Run, ms: number, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not exit within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
    await stop(run);
  }
}
