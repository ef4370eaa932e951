// A real Gajim 1.7 (Debian 12, GTK 3, nbxmpp) for interop tests: its own Xvfb display, its own
// private D-Bus session bus and a pre-seeded profile (gajim-profile.ts) in a temporary HOME,
// driven by its GActions and xdotool (gajim-actions.ts), its `--verbose` log kept for the cases
// (gajim-log.ts). Gajim sends files with Jingle file transfer only (XEP-0234 :5 over XEP-0260
// SOCKS5, or XEP-0261 IBB when the peer's disco#info lists no SOCKS5) and cannot receive them at
// all (see gajim.test.ts), so this helper only sends. This file: the processes.
// COMPAT: Gajim exits at once when run as root ("You must not launch gajim as root, it is
// insecure"), so as root it runs as nobody, and so does its bus.
// Every process is started by us and stopped by its PID; every wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DBUS_DAEMON,
  XVFB,
  XWD,
  desktopScreenshotDir,
  freePort,
  saveScreenshot,
  startBus,
  startXvfb,
  stopChild,
  type RunAs,
} from './desktop-session.js';
import { GDBUS, GajimActions, XDOTOOL, delay } from './gajim-actions.js';
import { GajimLog } from './gajim-log.js';
import { seedProfile } from './gajim-profile.js';

export const GAJIM = '/usr/bin/gajim';

/** Why Gajim tests cannot run here, or false when they can. */
export function gajimUnavailable(): string | false {
  const needs: [string, string][] = [
    [GAJIM, 'gajim'],
    [XVFB, 'xvfb'],
    [DBUS_DAEMON, 'dbus-daemon'],
    [GDBUS, 'libglib2.0-bin'],
    [XDOTOOL, 'xdotool'],
    [XWD, 'x11-apps'],
  ];
  const missing = needs.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    return `not installed: ${[...new Set(missing)].join(', ')} (apt-get install --no-install-recommends gajim xvfb dbus-daemon libglib2.0-bin xdotool x11-apps)`;
  }
  if (process.getuid?.() === 0 && !nobody()) return 'running as root and there is no user "nobody" to run Gajim as';
  return false;
}

/** The unprivileged user Gajim runs as when we are root; undefined when we are not. */
function gajimUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return nobody();
}

function nobody(): RunAs | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

export interface GajimOptions {
  /** Full JID of the account, e.g. gajim@localhost/gajim (it must exist on the server). */
  jid: string;
  password: string;
  c2sPort: number;
  /** PEM of the server's certificate, put into Gajim's cert_store. */
  certificatePem: string;
  /** Bare JIDs to open a chat with at start (sendFile() goes to one of these). */
  contacts: string[];
  /** True once the server sees the account available. */
  isOnline: () => boolean;
  /** Bounds start-up until the account is online. Default 40 s. */
  startTimeoutMs?: number;
}

export interface GajimInstance {
  jid: string;
  /** A folder Gajim's user can read: files to send go here. */
  outbox: string;
  /** See GajimActions.sendFile: resolves with the Jingle sid of Gajim's session-initiate. */
  sendFile(to: string, path: string, timeoutMs?: number): Promise<string>;
  /** The Jingle stanzas (one line each) Gajim logged since the mark, sent and received. */
  jingleSince(mark: number): string[];
  /** How much Gajim has logged so far: a mark for logSince()/jingleSince(). */
  logLength(): number;
  logSince(mark: number): string;
  logTail(chars?: number): string;
  screenshot(label: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export async function startGajim(options: GajimOptions): Promise<GajimInstance> {
  const user = gajimUser();
  const home = mkdtempSync(join(tmpdir(), 'ferry-gajim-'));
  const outbox = join(home, 'outbox');
  const [account = 'gajim', host = 'localhost'] = options.jid.split('@');
  const [domain = 'localhost', resource = 'gajim'] = host.split('/');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: join(home, 'runtime'),
    LANG: 'C.UTF-8',
    NO_AT_BRIDGE: '1',
    GTK_A11Y: 'none',
  };
  const children: ChildProcess[] = [];
  const log = new GajimLog();
  const stopAll = async () => {
    // Gajim first (it talks to the bus and the display), then the bus, then the display.
    for (const child of [...children].reverse()) await stopChild(child);
  };
  const screenshot = (label: string) => saveScreenshot(env, desktopScreenshotDir(), `gajim-${label}`);

  try {
    mkdirSync(outbox);
    mkdirSync(env.XDG_RUNTIME_DIR!, { mode: 0o700 });
    await seedProfile({ ...options, env, account, domain, resource, fileTransfersPort: await freePort() });
    if (user) chownTree(home, user);

    env.DISPLAY = `:${await startXvfb(children)}`;
    env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(home, 'bus')}`;
    await startBus(children, env.DBUS_SESSION_BUS_ADDRESS, user);
    // --verbose: every stanza sent and received, one per line, with nbxmpp's debug log.
    const gajim = spawn(GAJIM, ['--verbose'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    children.push(gajim);
    log.follow(gajim.stdout);
    log.follow(gajim.stderr);

    const deadline = Date.now() + (options.startTimeoutMs ?? 40_000);
    while (!options.isOnline()) {
      if (gajim.exitCode !== null) throw new Error(`gajim exited with ${gajim.exitCode}`);
      if (Date.now() > deadline) {
        const shot = await screenshot('start');
        throw new Error(`gajim did not log in as ${options.jid} in time; screenshot: ${shot ?? '(none)'}`);
      }
      await delay(200);
    }

    const actions = new GajimActions({ env, user, account, log, screenshot });
    return {
      jid: options.jid,
      outbox,
      sendFile: (to, path, timeoutMs) => actions.sendFile(to, path, timeoutMs),
      jingleSince: (mark) => log.jingleSince(mark),
      logLength: () => log.length,
      logSince: (mark) => log.since(mark),
      logTail: (chars) => log.tail(chars),
      screenshot,
      async stop() {
        await stopAll();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    rmSync(home, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n--- gajim --verbose ---\n${log.tail(4_000)}`, { cause: error });
  }
}

function chownTree(path: string, user: RunAs): void {
  chownSync(path, user.uid, user.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), user);
}
