// A private network namespace with only `lo`, and child processes started inside it, for the
// Libervia interop tests. Why a namespace: unconfined, Libervia's backend offers every interface
// address as a SOCKS5 candidate and broadcasts UPnP/SSDP at start. TCP does not cross namespaces
// (Unix sockets do), so the XMPP server, the `ferry` CLI and Libervia all run inside it; the test
// process only starts them, reads their output and checks files. Needs root (`ip netns`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Run } from './cli-process.js';

export const IP = ['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip', '/bin/ip'].find((path) => existsSync(path)) ?? 'ip';

/** Why a namespace cannot be made here, or false when it can. */
export function netnsUnavailable(): string | false {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'ip netns needs root (CI runs as root)';
  // Root is not enough in a container without CAP_SYS_ADMIN: make one and delete it.
  const name = `ferry-probe-${process.pid}`;
  const probe = spawnSync(IP, ['netns', 'add', name], { timeout: 5_000, encoding: 'utf8' });
  spawnSync(IP, ['netns', 'del', name], { timeout: 5_000 });
  if (probe.error || probe.status !== 0)
    return `ip netns is unavailable: ${probe.error?.message ?? probe.stderr.trim()}`;
  return false;
}

export interface Netns {
  name: string;
  /** Starts `command args` inside the namespace; its output is collected. */
  spawn(command: string, args: string[], options?: { env?: NodeJS.ProcessEnv; cwd?: string }): Run;
  /** Stops every process started through it, then deletes the namespace. Safe to call twice. */
  remove(): Promise<void>;
}

export function createNetns(prefix: string): Netns {
  const name = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  for (const args of [
    ['netns', 'add', name],
    ['netns', 'exec', name, IP, 'link', 'set', 'lo', 'up'],
  ]) {
    const result = spawnSync(IP, args, { timeout: 10_000, encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      spawnSync(IP, ['netns', 'del', name], { timeout: 10_000 });
      throw new Error(`ip ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
    }
  }
  const runs: Run[] = [];
  // Whatever happens to the test process, nothing it started outlives it.
  const killAll = (): void => {
    for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    spawnSync(IP, ['netns', 'del', name], { timeout: 10_000 });
  };
  process.once('exit', killAll);
  let isRemoved = false;

  return {
    name,
    spawn(command, args, options = {}) {
      // `ip netns exec` execs the command: the child's PID is the command's own.
      const child = spawn(IP, ['netns', 'exec', name, command, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: options.env ?? process.env,
        cwd: options.cwd,
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const run: Run = { child, stdout: () => stdout, stderr: () => stderr, exited };
      runs.push(run);
      return run;
    },
    async remove() {
      if (isRemoved) return;
      isRemoved = true;
      await Promise.all(runs.map((run) => stopRun(run)));
      process.removeListener('exit', killAll);
      spawnSync(IP, ['netns', 'del', name], { timeout: 10_000 });
    },
  };
}

/** SIGTERM, then SIGKILL after 3 s. */
export async function stopRun(run: Run): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.child.kill('SIGTERM');
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 3_000);
  await run.exited;
  clearTimeout(timer);
}

/** Resolves once `run`'s stdout (or stderr) matches; rejects when it exits first or after `ms`. */
export function printed(run: Run, pattern: RegExp, ms: number, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const matches = () => pattern.test(run.stdout()) || pattern.test(run.stderr());
    const done = (error?: Error) => {
      clearTimeout(timer);
      run.child.stdout!.off('data', check);
      run.child.stderr!.off('data', check);
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      if (matches()) done();
    };
    const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${what}${tails(run)}`)), ms);
    run.child.stdout!.on('data', check);
    run.child.stderr!.on('data', check);
    void run.exited.then((code) => {
      // Output read before 'exit' is already in; a last look decides.
      if (matches()) done();
      else done(new Error(`${what}: the process exited (${String(code)}) first${tails(run)}`));
    });
    check();
  });
}

export function tails(run: Run, chars = 2_000): string {
  return `\n--- stdout ---\n${run.stdout().slice(-chars)}\n--- stderr ---\n${run.stderr().slice(-chars)}`;
}
