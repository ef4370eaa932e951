// A command in a private network + mount namespace (`unshare -n -m`, needs root) that sees only
// its own loopback: chosen TCP ports on its 127.0.0.1 are forwarded to ports on the host's
// 127.0.0.1 (socat inside → a Unix socket, which works across namespaces where TCP does not →
// this process → the host port), and files can be mounted over others (in that namespace only:
// unshare makes its mounts private). For clients with no host or port setting (Dino connects to
// <domain>:5222), and so that every address such a client could offer as a streamhost is loopback.
// The command runs in a process group of its own, stopped as a whole (the socat forwarders with it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export const UNSHARE = '/usr/bin/unshare';
export const SOCAT = '/usr/bin/socat';
export const IP = '/usr/bin/ip';

/** Why a loopback namespace cannot be made here, or false when it can. */
export function loopbackNamespaceUnavailable(): string | false {
  const missing = [
    [UNSHARE, 'util-linux'],
    [SOCAT, 'socat'],
    [IP, 'iproute2'],
  ].filter(([path]) => !existsSync(path!));
  if (missing.length > 0) return `not installed: ${missing.map(([, pkg]) => pkg).join(', ')}`;
  if (process.getuid?.() !== 0) return 'needs root for a private network and mount namespace (unshare -n -m)';
  const probe = spawnSync(UNSHARE, ['-n', '-m', '/bin/true'], { encoding: 'utf8', timeout: 5_000 });
  if (probe.status !== 0) {
    return `cannot create a private network and mount namespace: ${probe.stderr.trim() || `unshare exited ${probe.status}`}`;
  }
  return false;
}

export interface LoopbackNamespaceOptions {
  command: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  /** A private folder for the Unix sockets. */
  dir: string;
  /** Port on the namespace's 127.0.0.1 → port on the host's 127.0.0.1. */
  forwards: Record<number, number>;
  /** File inside the namespace → the file mounted over it. */
  mounts?: Record<string, string>;
}

export interface LoopbackNamespace {
  /** The command (unshare execs into it; its stdout and stderr are pipes). */
  child: ChildProcess;
  /** Stops the command and its forwarders (its process group), then the host side. */
  stop(): Promise<void>;
}

export async function startInLoopbackNamespace(options: LoopbackNamespaceOptions): Promise<LoopbackNamespace> {
  const bridges: Server[] = [];
  const sockets = new Set<Socket>();
  const closeBridges = async () => {
    for (const socket of sockets) socket.destroy();
    for (const server of bridges) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const lines = ['set -e', 'ip link set lo up'];
  for (const [target, source] of Object.entries(options.mounts ?? {})) {
    lines.push(`mount --bind ${quote(source)} ${quote(target)}`);
  }
  try {
    for (const [inside, outside] of Object.entries(options.forwards)) {
      const path = join(options.dir, `forward-${inside}.sock`);
      bridges.push(await bridge(path, outside, sockets));
      lines.push(`socat TCP-LISTEN:${inside},bind=127.0.0.1,fork,reuseaddr ${quote(`UNIX-CONNECT:${path}`)} &`);
    }
  } catch (error) {
    await closeBridges();
    throw error;
  }
  // The command may connect at once (Dino does, then waits long before a retry): the forwarders
  // listen first. The probe's connection reaches the host port and is closed at once.
  for (const inside of Object.keys(options.forwards)) {
    lines.push(
      `i=0; until socat -u OPEN:/dev/null TCP:127.0.0.1:${inside} 2>/dev/null; do`,
      `  i=$((i + 1)); [ "$i" -lt 50 ] || { echo 'the forwarder on ${inside} did not start' >&2; exit 1; }; sleep 0.1`,
      'done',
    );
  }
  lines.push('exec "$@"');
  const child = spawn(
    UNSHARE,
    ['-n', '-m', '/bin/sh', '-c', lines.join('\n'), 'sh', options.command, ...(options.args ?? [])],
    {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  return {
    child,
    async stop() {
      await stopGroup(child);
      await closeBridges();
    },
  };
}

/** A Unix socket at `path` whose connections go to the host's 127.0.0.1:`port`. */
async function bridge(path: string, port: number, sockets: Set<Socket>): Promise<Server> {
  const server = createServer((inside) => {
    const outside = connect(port, '127.0.0.1');
    for (const socket of [inside, outside]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        inside.destroy();
        outside.destroy();
      });
    }
    inside.pipe(outside).pipe(inside);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return server;
}

/** Stops a detached child and everything in its process group. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // The group is gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
  // The forwarders may outlive the command by a moment; the group id is still ours to end.
  signal('SIGKILL');
}

/** A shell word for any string. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
