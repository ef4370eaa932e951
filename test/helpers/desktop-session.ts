// What the desktop-client interop helpers (Pidgin, Psi+, Gajim, Dino) share: a private X display (Xvfb), a
// private D-Bus session bus, stopping a child politely then firmly, and bounded waits.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';

export const XVFB = '/usr/bin/Xvfb';
export const DBUS_DAEMON = '/usr/bin/dbus-daemon';
export const XWD = '/usr/bin/xwd';

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

/** A user to run a client as (Gajim refuses root); the bus must then belong to it too. */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * A private session bus at `address`, in the foreground (its PID is ours to stop). With `as`, the
 * daemon runs as that user: a session bus only lets in clients of its own uid.
 */
export async function startBus(children: ChildProcess[], address: string, as?: RunAs): Promise<void> {
  const bus = spawn(DBUS_DAEMON, ['--session', '--nofork', '--nopidfile', `--address=${address}`, '--print-address'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(as ? { uid: as.uid, gid: as.gid } : {}),
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

/** A TCP port nobody listens on right now on 127.0.0.1 (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Saves the display of `env.DISPLAY` (or one window of it) as a PNG named after `label` in `dir`;
 * returns its path, or undefined when it could not be taken. A window alone is worth taking when
 * the root dump misses it (GTK 4 dialogs with an alpha visual, no compositor).
 */
export async function saveScreenshot(
  env: NodeJS.ProcessEnv,
  dir: string,
  label: string,
  windowId?: string,
): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(XWD, [...(windowId ? ['-id', windowId] : ['-root']), '-silent'], {
      env,
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 10_000,
    });
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${label.replace(/\W+/g, '-')}.png`);
    writeFileSync(path, xwdToPng(stdout));
    return path;
  } catch {
    return undefined;
  }
}

/** Where the Gajim and Dino helpers keep failure screenshots (their temporary HOMEs are removed). */
export function desktopScreenshotDir(): string {
  return process.env.FERRY_DESKTOP_SCREENSHOTS || join(tmpdir(), 'ferry-desktop-screenshots');
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}

/**
 * An xwd dump (ZPixmap, 24/32 bits per pixel, as Xvfb's root window is) as an RGB PNG, so that a
 * failure screenshot needs no ImageMagick to be looked at.
 */
export function xwdToPng(xwd: Buffer): Buffer {
  const field = (i: number) => xwd.readUInt32BE(i * 4);
  const [headerSize, width, height, byteOrder, bitsPerPixel, bytesPerLine, colors] = [
    field(0),
    field(4),
    field(5),
    field(7),
    field(11),
    field(12),
    field(19),
  ];
  if (bitsPerPixel !== 32 && bitsPerPixel !== 24) throw new Error(`xwd: ${bitsPerPixel} bits per pixel`);
  const start = headerSize + colors * 12;
  const bytes = bitsPerPixel / 8;
  const row = width * 3 + 1;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = start + y * bytesPerLine + x * bytes;
      const v =
        bytes === 4
          ? byteOrder === 0
            ? xwd.readUInt32LE(p)
            : xwd.readUInt32BE(p)
          : byteOrder === 0
            ? xwd.readUIntLE(p, 3)
            : xwd.readUIntBE(p, 3);
      const o = y * row + 1 + x * 3;
      raw[o] = (v >> 16) & 255;
      raw[o + 1] = (v >> 8) & 255;
      raw[o + 2] = v & 255;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let crc = 0xffffffff;
  for (const byte of typed) crc = CRC_TABLE[(crc ^ byte) & 255]! ^ (crc >>> 8);
  const out = Buffer.alloc(4 + typed.length + 4);
  out.writeUInt32BE(data.length, 0);
  typed.copy(out, 4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 4 + typed.length);
  return out;
}
