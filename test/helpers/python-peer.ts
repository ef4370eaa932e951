// Runs a Python interop peer (Debian's /usr/bin/python3 with python3-slixmpp) as a child process
// that talks line by line on stdin/stdout, and is always killed at the end.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const DEBIAN_PYTHON = '/usr/bin/python3';

export function hasPythonModule(module: string): boolean {
  if (!existsSync(DEBIAN_PYTHON)) return false;
  const { status } = spawnSync(DEBIAN_PYTHON, ['-c', `import ${module}`]);
  return status === 0;
}

export interface PythonPeer {
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  send(line: string): void;
  stop(): Promise<void>;
}

export function startPythonPeer(script: string, args: string[]): PythonPeer {
  const child = spawn(DEBIAN_PYTHON, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const listener of [...listeners]) listener();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    lines,
    waitForLine(pattern, timeoutMs = 15_000) {
      const found = () => lines.find((line) => pattern.test(line));
      const seen = found();
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `peer never printed ${String(pattern)}; stdout: ${lines.join(' | ')}; stderr: ${stderr.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        const check = () => {
          const line = found();
          if (!line) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(line);
        };
        listeners.add(check);
      });
    },
    send(line) {
      if (child.stdin.writable) child.stdin.write(`${line}\n`);
    },
    async stop() {
      if (child.exitCode === null) {
        this.send('QUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
