// What the desktop-client interop helpers (Pidgin, Psi+) share: a private X display (Xvfb), a
// private D-Bus session bus, stopping a child politely then firmly, and bounded waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const XVFB = '/usr/bin/Xvfb';
export const DBUS_DAEMON = '/usr/bin/dbus-daemon';

/** Xvfb on a display it picks itself (-displayfd): no race with other test files. */
export async function startXvfb(children: ChildProcess[]): Promise<string> {
  const xvfb = spawn(XVFB, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1024x768x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  children.push(xvfb);
  let stderr = '';
  xvfb.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const fd = xvfb.stdio[3] as NodeJS.ReadableStream;
  return bounded(
    new Promise<string>((resolve, reject) => {
      createInterface({ input: fd }).once('line', (line) => resolve(line.trim()));
      xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${stderr.slice(-1000)}`)));
    }),
    10_000,
    'Xvfb to start',
  );
}

/** A private session bus at `address`, in the foreground (its PID is ours to stop). */
export async function startBus(children: ChildProcess[], address: string): Promise<void> {
  const bus = spawn(DBUS_DAEMON, ['--session', '--nofork', '--nopidfile', `--address=${address}`, '--print-address'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(bus);
  await bounded(
    new Promise<void>((resolve, reject) => {
      createInterface({ input: bus.stdout }).once('line', () => resolve());
      bus.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
    }),
    10_000,
    'dbus-daemon to start',
  );
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // Psi+ stayed up after SIGTERM once, with its first-run "Account setup" dialog open.
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}
