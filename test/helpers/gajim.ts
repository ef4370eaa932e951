// A real Gajim 1.7 (Debian 12, GTK 3, nbxmpp) for interop tests: its own Xvfb display, its own
// private D-Bus session bus and a pre-seeded profile in a temporary HOME. Gajim sends files with
// Jingle file transfer only (XEP-0234 :5 over XEP-0260 SOCKS5, or XEP-0261 IBB when the peer's
// disco#info lists no SOCKS5) and cannot receive them at all (see gajim.test.ts), so this helper
// only sends. What is pre-seeded so that nothing else needs a click:
// - settings.sqlite (created with Gajim's own schema, gajim.common.settings.CREATE_SQL): the
//   account with custom host 127.0.0.1 + the test port (STARTTLS), its password in the database
//   (no keyring), no update check, no start-chat help; an open chat with each contact, so that the
//   GAction open-chat selects it instead of opening the "Start / Join Chat" dialog;
// - cert_store/: the server's certificate (Gajim trusts any PEM there), so no certificate dialog;
// - for SOCKS5 (once the peer advertises it): no LAN addresses offered (ft_send_local_ips off),
//   127.0.0.1 on a free port as its own streamhost, proxy.<domain> as its proxy.
// Gajim is driven over its session bus (GActions open-chat, send-file-jingle) and xdotool for
// the send page's buttons. COMPAT: Gajim exits at once when run as root ("You must not launch
// gajim as root, it is insecure"), so as root it runs as nobody, and so does its bus.
// Every process is started by us and stopped by its PID; every wait is bounded.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  lstatSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
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

const run = promisify(execFile);

export const GAJIM = '/usr/bin/gajim';
export const GDBUS = '/usr/bin/gdbus';
export const PYTHON = '/usr/bin/python3';
export const XDOTOOL = '/usr/bin/xdotool';

const BUS_NAME = 'org.gajim.Gajim';
const APP_PATH = '/org/gajim/Gajim';
/** A chat seeded besides the contacts' (no such account needed): something to switch away to. */
const SPARE_CHAT = 'spare@localhost';
/** The main GtkApplicationWindow's actions (send-file-jingle, …). */
const WINDOW_PATH = '/org/gajim/Gajim/window/1';

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
  /**
   * Sends `path` (in `outbox`) to the contact `to` (a bare JID from `contacts`, with one resource
   * that advertises Jingle file transfer) the way a user does: chat → send-file-jingle → Send →
   * "Choose Device" → Send. Resolves with the Jingle sid once Gajim sent its session-initiate.
   */
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
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  const home = mkdtempSync(join(tmpdir(), 'ferry-gajim-'));
  const outbox = join(home, 'outbox');
  const account = options.jid.split('@')[0] ?? 'gajim';
  const domain = options.jid.split('@')[1]?.split('/')[0] ?? 'localhost';
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
  let log = '';
  const stopAll = async () => {
    // Gajim first (it talks to the bus and the display), then the bus, then the display.
    for (const child of [...children].reverse()) await stopChild(child);
  };
  const screenshot = (label: string) => saveScreenshot(env, desktopScreenshotDir(), `gajim-${label}`);
  const xdotool = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(XDOTOOL, args, { env, timeout: 5_000 });
    return stdout.trim();
  };
  const gdbus = async (objectPath: string, method: string, ...args: string[]): Promise<string> => {
    const { stdout } = await run(
      GDBUS,
      ['call', '--session', '--dest', BUS_NAME, '--object-path', objectPath, '--method', method, ...args],
      { env, timeout: 5_000, ...ids },
    );
    return stdout.trim();
  };
  /** One GUI step, bounded; a failure names the step and carries a screenshot and the log's end. */
  const step = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      const shot = await screenshot(what);
      throw new Error(
        `Gajim GUI step failed: ${what}: ${(error as Error).message}\nscreenshot: ${shot ?? '(could not take one)'}` +
          `\n--- gajim --verbose (Jingle lines) ---\n${jingleLines(log).slice(-10).join('\n')}`,
        { cause: error },
      );
    }
  };
  const mainWindow = async (): Promise<string> => {
    const found = (await xdotool('search', '--onlyvisible', '--name', 'Gajim$')).split('\n').filter(Boolean);
    if (found.length === 0) throw new Error('no visible Gajim window');
    return found[0]!;
  };
  const pressKeys = async (...keys: string[]) => {
    await xdotool('windowfocus', '--sync', await mainWindow());
    for (const key of keys) {
      await xdotool('key', key);
      // The page switches and list selection happen on GTK's main loop: give it a moment.
      await delay(600);
    }
  };

  try {
    mkdirSync(outbox);
    mkdirSync(env.XDG_RUNTIME_DIR!, { mode: 0o700 });
    const fileTransfersPort = await freePort();
    await seedProfile({ ...options, env, account, domain, fileTransfersPort });
    if (user) chownTree(home, user);

    const display = await startXvfb(children);
    env.DISPLAY = `:${display}`;
    env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(home, 'bus')}`;
    await startBus(children, env.DBUS_SESSION_BUS_ADDRESS, user);
    // --verbose: every stanza sent and received, one per line, with nbxmpp's debug log.
    const gajim = spawn(GAJIM, ['--verbose'], { env, stdio: ['ignore', 'pipe', 'pipe'], ...ids });
    children.push(gajim);
    // FERRY_GAJIM_LOG=<file> keeps Gajim's whole log (the temporary HOME is removed).
    const keep = process.env.FERRY_GAJIM_LOG;
    const append = (chunk: Buffer) => {
      if (keep) appendFileSync(keep, chunk);
      log += chunk.toString();
    };
    gajim.stdout.on('data', append);
    gajim.stderr.on('data', append);

    const deadline = Date.now() + (options.startTimeoutMs ?? 40_000);
    while (!options.isOnline()) {
      if (gajim.exitCode !== null) throw new Error(`gajim exited with ${gajim.exitCode}`);
      if (Date.now() > deadline) {
        const shot = await screenshot('start');
        throw new Error(`gajim did not log in as ${options.jid} in time; screenshot: ${shot ?? '(none)'}`);
      }
      await delay(200);
    }

    return {
      jid: options.jid,
      outbox,
      async sendFile(to, path, timeoutMs = 30_000) {
        if (/['"\\]/.test(path)) throw new Error(`sendFile: quotes in ${path} would break the GVariant text`);
        const deadline = Date.now() + timeoutMs;
        const select = (jid: string) =>
          gdbus(APP_PATH, 'org.gtk.Actions.Activate', 'open-chat', `[<['${account}', '${jid}']>]`, '{}');
        // send-file-jingle is enabled when the selected contact has a resource online whose caps list
        // urn:xmpp:jingle:apps:file-transfer:5; the caps query runs seconds after the presence.
        // COMPAT: Gajim re-checks only when another chat is selected (ChatStack._update_base_actions),
        // so it goes to the seeded spare chat and back until the action is enabled. The chats were
        // opened at start (seeded), so open-chat only selects them.
        await step(`select the chat with ${to} until send-file-jingle is enabled`, async () => {
          for (;;) {
            await select(SPARE_CHAT);
            await select(to);
            const state = await gdbus(WINDOW_PATH, 'org.gtk.Actions.Describe', 'send-file-jingle');
            if (state.startsWith('((true,')) return;
            if (Date.now() > deadline) throw new Error(`still disabled: ${state}`);
            await delay(500);
          }
        });
        const mark = log.length;
        await step('open the send page (GAction send-file-jingle with the file)', () =>
          gdbus(
            WINDOW_PATH,
            'org.gtk.Actions.Activate',
            'send-file-jingle',
            `[<['${pathToFileURL(path).href}']>]`,
            '{}',
          ),
        );
        await delay(600);
        // Return = the page's default button "Send Files", which switches to "Choose Device" with
        // the one Jingle-capable resource selected but "Send Files" disabled (COMPAT: Gajim
        // disables it on every switch to that page and enables it on the next row selection):
        // Ctrl+Space twice unselects and selects the row again, then Return sends.
        await step('press Send Files, reselect the device, press Send Files', () =>
          pressKeys('Return', 'ctrl+space', 'ctrl+space', 'Return'),
        );
        const sentBy = Date.now() + 10_000;
        return step(`wait for Gajim's Jingle session-initiate to ${to}`, async () => {
          for (;;) {
            const initiate = jingleLines(log.slice(mark)).find((line) => /action=["']session-initiate["']/.test(line));
            const sid = initiate && /\bsid=["']([^"']+)["']/.exec(initiate)?.[1];
            if (sid) return sid;
            if (Date.now() > sentBy) throw new Error('no session-initiate in its log within 10 s');
            await delay(200);
          }
        });
      },
      jingleSince: (mark) => jingleLines(log.slice(mark)),
      logLength: () => log.length,
      logSince: (mark) => log.slice(mark),
      logTail: (chars = 6_000) => log.slice(-chars),
      screenshot,
      async stop() {
        await stopAll();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    const tail = log.slice(-4_000);
    rmSync(home, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n--- gajim --verbose ---\n${tail}`, { cause: error });
  }
}

/**
 * Gajim's verbose log prints each stanza on one line, as sent or received: its own with double
 * quotes, Prosody's with single ones. These are the Jingle ones.
 */
function jingleLines(log: string): string[] {
  return log.split('\n').filter((line) => /xmlns=["']urn:xmpp:jingle:1["']/.test(line));
}

const SEED = `
import json, sqlite3, sys, uuid
from gajim.common.settings import CREATE_SQL
path, app, account, account_settings, chats = sys.argv[1:]
con = sqlite3.connect(path)
con.executescript(CREATE_SQL)
con.execute("UPDATE settings SET settings = ? WHERE name = 'app'", (app,))
con.execute("UPDATE settings SET settings = ? WHERE name = 'workspaces'",
            (json.dumps({str(uuid.uuid4()): {'chats': json.loads(chats)}}),))
con.execute('INSERT INTO account_settings(account, settings) VALUES (?, ?)', (account, account_settings))
con.commit()
con.close()
`;

async function seedProfile(
  o: GajimOptions & {
    env: NodeJS.ProcessEnv;
    account: string;
    domain: string;
    fileTransfersPort: number;
  },
): Promise<void> {
  const configDir = join(o.env.XDG_CONFIG_HOME!, 'gajim');
  const certStore = join(o.env.XDG_DATA_HOME!, 'gajim', 'cert_store');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(certStore, { recursive: true });
  mkdirSync(o.env.XDG_CACHE_HOME!, { recursive: true });
  writeFileSync(join(certStore, 'ferry-test.pem'), o.certificatePem);
  const resource = o.jid.split('/')[1] ?? 'gajim';
  const app = {
    use_keyring: false,
    check_for_update: false,
    show_help_start_chat: false,
    // SOCKS5: its own streamhost on loopback only, on a port nothing else uses.
    file_transfers_port: o.fileTransfersPort,
    ft_add_hosts_to_send: '127.0.0.1',
  };
  const accountSettings = {
    account: {
      name: o.account,
      hostname: o.domain,
      password: o.password,
      resource,
      active: true,
      use_custom_host: true,
      custom_host: '127.0.0.1',
      custom_port: o.c2sPort,
      custom_type: 'START TLS',
      ft_send_local_ips: false,
      use_ft_proxies: true,
      file_transfer_proxies: `proxy.${o.domain}`,
    },
    contact: {},
    group_chat: {},
  };
  const chats = [...o.contacts, SPARE_CHAT].map((jid, position) => ({
    account: o.account,
    jid: { __type: 'JID', value: jid },
    type: 'contact',
    pinned: false,
    position,
  }));
  await run(
    PYTHON,
    [
      '-c',
      SEED,
      join(configDir, 'settings.sqlite'),
      JSON.stringify(app),
      o.account,
      JSON.stringify(accountSettings),
      JSON.stringify(chats),
    ],
    { env: o.env, timeout: 20_000 },
  );
}

function chownTree(path: string, user: RunAs): void {
  chownSync(path, user.uid, user.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), user);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
