// Whether a server is running on a data directory: its control socket answers. Commands that
// must not run beside a server (restore) ask this; a stale socket file from a crash answers nothing.
import { connect } from 'node:net';
import { join } from 'node:path';

export const CONTROL_SOCKET_NAME = 'ferry.sock';

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET_NAME);
}

export function isServerRunning(dataDir: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(controlSocketPath(dataDir));
    const done = (isRunning: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(isRunning);
    };
    // A socket that accepts but stays silent is still a live process holding the directory.
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
