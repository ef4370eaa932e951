// A private Redis for tests: redis-server on 127.0.0.1 on a free port, nothing written to disk,
// its working directory a temporary one; stop() ends it (SIGTERM, then SIGKILL) and removes the
// directory. Started once per test file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './cli.js';

export interface RedisInstance {
  port: number;
  url: string;
  /** Ends the server abruptly (tests of a lost Redis); stop() still cleans up. */
  kill(): void;
  stop(): Promise<void>;
}

/** Why these tests cannot run here, or undefined when they can: for `describe(…, { skip })`. */
export function redisSkipReason(): string | undefined {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return found.status === 0 ? undefined : 'redis-server not installed: apt-get install redis-server';
}

/** `port`: a given one (a Redis started again where the nodes expect it); default a free one. */
export async function startRedis(options: { port?: number } = {}): Promise<RedisInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-redis-'));
  // The free port may be taken by another test file before Redis binds it: try another.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await closedPort());
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const stopAtExit = () => child.kill('SIGKILL');
    process.once('exit', stopAtExit);
    if (await listening(port, child, 10_000)) {
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        kill: () => child.kill('SIGKILL'),
        async stop() {
          process.off('exit', stopAtExit);
          await ended(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    process.off('exit', stopAtExit);
    child.kill('SIGKILL');
    if (attempt >= 3 || options.port !== undefined) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on port ${port}: ${output.slice(-500)}`);
    }
  }
}

/** True once the port accepts connections; false if the process exits or the time runs out. */
async function listening(port: number, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
