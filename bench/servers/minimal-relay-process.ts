// Starts and stops the minimal Node relay (minimal-relay.ts) as its own process, so its CPU and
// RSS are read from /proc like the servers'.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, trackChild } from '../lib/child.js';

export interface MinimalRelay {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

export function startMinimalRelay(repoRoot: string): Promise<MinimalRelay> {
  const child = spawn(
    process.execPath,
    ['--conditions=ferry-source', '--import', 'tsx', join(repoRoot, 'bench/servers/minimal-relay.ts')],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    },
  );
  trackChild(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error('the minimal relay did not start within 15 s'));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the minimal relay exited with code ${code}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({ pid: child.pid!, port: Number(match[1]), stop: () => stopChild(child) });
    });
  });
}
