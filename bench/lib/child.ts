// Child processes of the benchmark: every one has a log file, a bounded stop, and is tracked so
// that Ctrl-C or a crash of the harness still stops it (by its own pid / process group only).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { isAlive } from './proc-stats.js';

const running = new Set<ChildProcess>();

export interface SpawnLoggedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
}

/** Starts a long-running process in its own process group, stdout and stderr appended to logFile. */
export function spawnLogged(command: string, args: readonly string[], options: SpawnLoggedOptions): ChildProcess {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true, // own process group: stop() can reach grandchildren (ejabberdctl → beam.smp)
    });
    return trackChild(child);
  } finally {
    closeSync(fd);
  }
}

/** Registers a detached child so that the harness's exit path can still kill its process group. */
export function trackChild(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
  return child;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * Asks `pid` (the child itself, or the real server under a wrapper) to stop with SIGTERM, waits up
 * to graceMs for the child to exit, then SIGKILLs the child's process group. Never throws.
 */
export async function stopChild(child: ChildProcess, options: { pid?: number; graceMs?: number } = {}): Promise<void> {
  const pid = options.pid ?? child.pid;
  if (pid !== undefined && isAlive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const exited = await waitForExit(child, options.graceMs ?? 10_000);
  if (!exited) {
    killGroup(child, 'SIGKILL');
    await waitForExit(child, 5_000);
  }
  // Stragglers in the group (e.g. erl_child_setup) go with it.
  killGroup(child, 'SIGKILL');
  running.delete(child);
}

/** For the harness's own exit path: SIGKILL whatever is still running, synchronously. */
export function killAllChildrenNow(): void {
  for (const child of running) killGroup(child, 'SIGKILL');
  running.clear();
}

export interface RunResult {
  code: number;
  output: string;
}

/** Runs a short command to completion with a deadline; output is stdout + stderr. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; input?: string },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const killed = error && (error as { killed?: boolean }).killed ? ` (killed after ${options.timeoutMs} ms)` : '';
        resolve({ code, output: `${stdout}${stderr}${killed}` });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** The last lines of a log file, for error messages that point at the cause. */
export function tailOf(file: string, lines = 15): string {
  if (!existsSync(file)) return `(no log file ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}
