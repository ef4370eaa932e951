// A real Dino 0.4 (Debian 12 `dino-im`, GTK 4) for interop tests: its own Xvfb display, its own
// private D-Bus session bus, a pre-seeded dino.db in a temporary HOME, and its own network and
// mount namespace. COMPAT: Dino has no server host or port setting (it resolves SRV for the
// account's domain, then connects to <domain>:5222) and trusts only the system CA bundle, so it
// runs in a loopback-only namespace (loopback-namespace.ts, needs root) where 127.0.0.1:5222 and
// the proxy65 port lead to the server's c2s and proxy65 ports on the host's loopback, and where
// the CA bundle is mounted over by one that also holds the server's certificate. Dino sees no LAN
// interface to offer as a SOCKS5 candidate: everything stays on loopback.
// What is pre-seeded (Dino creates dino.db on a first start with no account, stopped at once):
// the account (enabled, its password in the database) and a conversation with each contact
// (unencrypted), so that the GAction open-conversation selects it. Dino is driven over its session
// bus (open-conversation) and xdotool (the attach button, GTK's file chooser, "Send").
// Every process is started by us and stopped by its PID (the namespace's by its process group);
// every wait is bounded.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import {
  DBUS_DAEMON,
  XVFB,
  XWD,
  bounded,
  desktopScreenshotDir,
  saveScreenshot,
  startBus,
  startXvfb,
  stopChild,
} from './desktop-session.js';
import {
  loopbackNamespaceUnavailable,
  startInLoopbackNamespace,
  type LoopbackNamespace,
} from './loopback-namespace.js';

const run = promisify(execFile);

export const DINO = '/usr/bin/dino-im';
export const GDBUS = '/usr/bin/gdbus';
export const XDOTOOL = '/usr/bin/xdotool';
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const BUS_NAME = 'im.dino.Dino';
const APP_PATH = '/im/dino/Dino';
/** A conversation seeded besides the contacts' (no such account needed): something to switch away to. */
const SPARE_CHAT = 'spare@localhost';
/**
 * The attach button, from the main window's left and bottom edges: the 300-pixel conversation
 * list, then the message box's first button (Dino 0.4.2, Adwaita, no window manager).
 */
const ATTACH_FROM_LEFT = 337;
const ATTACH_FROM_BOTTOM = 38;

/** Why Dino tests cannot run here, or false when they can. */
export function dinoUnavailable(): string | false {
  const needs: [string, string][] = [
    [DINO, 'dino-im'],
    [XVFB, 'xvfb'],
    [DBUS_DAEMON, 'dbus-daemon'],
    [GDBUS, 'libglib2.0-bin'],
    [XDOTOOL, 'xdotool'],
    [XWD, 'x11-apps'],
    [CA_BUNDLE, 'ca-certificates'],
  ];
  const missing = needs.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    return `not installed: ${[...new Set(missing)].join(', ')} (apt-get install --no-install-recommends dino-im socat iproute2 xvfb dbus-daemon libglib2.0-bin xdotool x11-apps)`;
  }
  const namespace = loopbackNamespaceUnavailable();
  return namespace ? `Dino runs in a loopback-only namespace: ${namespace}` : false;
}

export interface DinoOptions {
  /** Full JID of the account, e.g. dina@localhost/dino (it must exist on the server). */
  jid: string;
  password: string;
  c2sPort: number;
  /** The Ferry server's proxy65 port, reachable at the same number inside the namespace. */
  proxyPort: number;
  /** PEM of the server's certificate (for the account's domain), added to Dino's CA bundle. */
  certificatePem: string;
  /** Bare JIDs to have a conversation with (sendFile() goes to one of these). */
  contacts: string[];
  /** True once the server sees the account available. */
  isOnline: () => boolean;
  /** Bounds start-up until the account is online. Default 40 s. */
  startTimeoutMs?: number;
}

export interface DinoInstance {
  jid: string;
  /** The file Dino saved for an offer of `name` (Dino names it <random hex>_<name>), if any. */
  receivedFile(name: string): string | undefined;
  /**
   * Sends `path` to the contact `to` (a bare JID from `contacts`; Dino picks its resource that
   * takes Jingle files) the way a user does: conversation → attach button → file chooser → Send.
   * Resolves with the Jingle sid once Dino sent its session-initiate.
   */
  sendFile(to: string, path: string, timeoutMs?: number): Promise<string>;
  /** The Jingle stanzas Dino printed since the mark (each squeezed onto one line). */
  jingleSince(mark: number): string[];
  /** How much Dino has printed so far: a mark for logSince()/jingleSince(). */
  logLength(): number;
  logSince(mark: number): string;
  logTail(chars?: number): string;
  screenshot(label: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export async function startDino(options: DinoOptions): Promise<DinoInstance> {
  const home = mkdtempSync(join(tmpdir(), 'ferry-dino-'));
  const dataDir = join(home, '.local', 'share', 'dino');
  const database = join(dataDir, 'dino.db');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    LANG: 'C.UTF-8',
    NO_AT_BRIDGE: '1',
    GTK_A11Y: 'none',
    GDK_BACKEND: 'x11',
    // GTK 4's GL renderer needs a GPU Xvfb does not have.
    GSK_RENDERER: 'cairo',
  };
  const children: ChildProcess[] = [];
  let namespace: LoopbackNamespace | undefined;
  let log = '';
  const stopAll = async () => {
    await namespace?.stop();
    // Then the bus, then the display.
    for (const child of [...children].reverse()) await stopChild(child);
  };
  const xdotool = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(XDOTOOL, args, { env, timeout: 5_000 });
    return stdout.trim();
  };
  const visible = async (title: string): Promise<string[]> => {
    try {
      return (await xdotool('search', '--onlyvisible', '--name', `^${title}$`)).split('\n').filter(Boolean);
    } catch {
      return []; // xdotool search exits 1 when nothing matches
    }
  };
  const screenshot = async (label: string): Promise<string | undefined> => {
    // The root dump misses GTK 4's dialogs (alpha visual, no compositor): each window on its own too.
    const shots = [await saveScreenshot(env, desktopScreenshotDir(), `dino-${label}`)];
    for (const id of [...(await visible('Dino')), ...(await visible('Select file'))]) {
      shots.push(await saveScreenshot(env, desktopScreenshotDir(), `dino-${label}-window-${id}`, id));
    }
    const saved = shots.filter(Boolean);
    return saved.length > 0 ? saved.join(', ') : undefined;
  };
  /** One GUI step, bounded; a failure names the step and carries screenshots and the Jingle log. */
  const step = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      const shot = await screenshot(what);
      throw new Error(
        `Dino GUI step failed: ${what}: ${(error as Error).message}\nscreenshots: ${shot ?? '(could not take any)'}` +
          `\n--- dino --print-xmpp=all (Jingle stanzas) ---\n${jingleStanzas(log).slice(-6).join('\n')}`,
        { cause: error },
      );
    }
  };
  const mainWindow = async (): Promise<string> => {
    const [id] = await visible('Dino');
    if (!id) throw new Error('no visible Dino window');
    return id;
  };

  try {
    mkdirSync(env.XDG_CONFIG_HOME!, { recursive: true });
    mkdirSync(env.XDG_CACHE_HOME!, { recursive: true });
    const display = await startXvfb(children);
    env.DISPLAY = `:${display}`;
    env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(home, 'bus')}`;
    await startBus(children, env.DBUS_SESSION_BUS_ADDRESS);

    // 1. A first start with no account, outside any namespace (it connects to nothing), so that
    //    Dino creates dino.db with its own schema; stopped once the account table exists.
    const first = spawn(DINO, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    first.stdout.resume();
    first.stderr.resume();
    try {
      await bounded(waitForAccountTable(database, first), 30_000, 'Dino to create dino.db');
    } finally {
      await stopChild(first);
    }
    const conversations = seedDatabase(database, options);

    // 2. Dino in its namespace, with the CA bundle mounted over; --print-xmpp=all prints every stanza.
    const caBundle = join(home, 'ca.crt');
    writeFileSync(caBundle, `${readFileSync(CA_BUNDLE, 'utf8')}\n${options.certificatePem}`);
    namespace = await startInLoopbackNamespace({
      command: DINO,
      args: ['--print-xmpp=all'],
      env,
      dir: home,
      forwards: { 5222: options.c2sPort, [options.proxyPort]: options.proxyPort },
      mounts: { [CA_BUNDLE]: caBundle },
    });
    const dino = namespace.child;
    // FERRY_DINO_LOG=<file> keeps Dino's whole output (the temporary HOME is removed).
    const keep = process.env.FERRY_DINO_LOG;
    const append = (chunk: Buffer) => {
      if (keep) appendFileSync(keep, chunk);
      log += chunk.toString();
    };
    dino.stdout!.on('data', append);
    dino.stderr!.on('data', append);

    const deadline = Date.now() + (options.startTimeoutMs ?? 40_000);
    while (!options.isOnline()) {
      if (dino.exitCode !== null) throw new Error(`dino-im (in its namespace) exited with ${dino.exitCode}`);
      if (Date.now() > deadline) {
        const shot = await screenshot('start');
        throw new Error(`dino-im did not log in as ${options.jid} in time; screenshots: ${shot ?? '(none)'}`);
      }
      await delay(200);
    }

    const gdbus = (...args: string[]) =>
      run(GDBUS, ['call', '--session', '--dest', BUS_NAME, '--object-path', APP_PATH, '--method', ...args], {
        env,
        timeout: 5_000,
      });
    const openConversation = (jid: string) => {
      const id = conversations.get(jid);
      if (id === undefined) throw new Error(`no seeded conversation with ${jid}`);
      return gdbus('org.gtk.Actions.Activate', 'open-conversation', `[<${id}>]`, '{}');
    };

    return {
      jid: options.jid,
      receivedFile(name) {
        const filesDir = join(dataDir, 'files');
        if (!existsSync(filesDir)) return undefined;
        const found = readdirSync(filesDir).find((entry) => entry.endsWith(`_${name}`));
        return found === undefined ? undefined : join(filesDir, found);
      },
      async sendFile(to, path, timeoutMs = 40_000) {
        const deadline = Date.now() + timeoutMs;
        const staleChoosers = await visible('Select file');
        // COMPAT: Dino shows the attach button only when the contact has a resource online that
        // takes Jingle files, and checks that only when a conversation is selected; so it
        // switches to the spare conversation and back, then clicks where the button is, until
        // the file chooser opens.
        const chooser = await step(`open the file chooser in the conversation with ${to}`, async () => {
          for (;;) {
            await openConversation(SPARE_CHAT);
            await openConversation(to);
            await delay(500);
            const window = await mainWindow();
            const height = Number(/Geometry: \d+x(\d+)/.exec(await xdotool('getwindowgeometry', window))?.[1]);
            await xdotool(
              'mousemove',
              '--window',
              window,
              String(ATTACH_FROM_LEFT),
              String(height - ATTACH_FROM_BOTTOM),
            );
            await xdotool('click', '1');
            const opened = await waitFor(
              async () => (await visible('Select file')).find((id) => !staleChoosers.includes(id)),
              3_000,
            );
            if (opened) return opened;
            if (Date.now() > deadline) throw new Error('the attach button opened no "Select file" dialog');
          }
        });
        await step(`choose ${path} in the file chooser`, async () => {
          await xdotool('windowfocus', '--sync', chooser);
          await xdotool('key', 'ctrl+l');
          await delay(300);
          await xdotool('type', '--delay', '5', path);
          await delay(500);
          // The location entry's completion may take the first Return.
          for (let attempt = 0; attempt < 3; attempt++) {
            if (!(await visible('Select file')).includes(chooser)) return;
            await xdotool('windowfocus', '--sync', chooser).catch(() => undefined);
            await xdotool('key', 'Return');
            await delay(1_000);
          }
          if ((await visible('Select file')).includes(chooser)) throw new Error('the chooser stays open');
        });
        const mark = log.length;
        // The "Send a file" box inside the main window has the focus on its Send button.
        await step('press Send in the "Send a file" box', async () => {
          await delay(500);
          await xdotool('windowfocus', '--sync', await mainWindow());
          await xdotool('key', 'Return');
        });
        return step(`wait for Dino's Jingle session-initiate to ${to}`, async () => {
          const sentBy = Date.now() + 10_000;
          for (;;) {
            const initiate = jingleStanzas(log.slice(mark)).find(
              (stanza) => stanza.startsWith('XMPP OUT') && stanza.includes("action='session-initiate'"),
            );
            const sid = initiate && /:sid='([^']+)'/.exec(initiate)?.[1];
            if (sid) return sid;
            if (Date.now() > sentBy) throw new Error('no session-initiate printed within 10 s');
            await delay(200);
          }
        });
      },
      jingleSince: (mark) => jingleStanzas(log.slice(mark)),
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
    throw new Error(`${(error as Error).message}\n--- dino --print-xmpp=all ---\n${tail}`, { cause: error });
  }
}

async function waitForAccountTable(database: string, dino: ChildProcess): Promise<void> {
  for (;;) {
    if (dino.exitCode !== null) throw new Error(`dino-im exited with ${dino.exitCode} on its first start`);
    if (existsSync(database)) {
      try {
        const db = new Database(database, { readonly: true, fileMustExist: true });
        try {
          if (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'account'").get()) return;
        } finally {
          db.close();
        }
      } catch {
        // Being created.
      }
    }
    await delay(200);
  }
}

/** The account and a conversation per contact; returns each contact's conversation id. */
function seedDatabase(database: string, options: DinoOptions): Map<string, number> {
  const [bare = '', resource = 'dino'] = options.jid.split('/');
  const db = new Database(database);
  try {
    const account = db
      .prepare('INSERT INTO account(bare_jid, resourcepart, password, alias, enabled) VALUES (?, ?, ?, ?, 1)')
      .run(bare, resource, options.password, bare.split('@')[0] ?? bare).lastInsertRowid;
    const conversations = new Map<string, number>();
    for (const contact of [...options.contacts, SPARE_CHAT]) {
      const jid = db.prepare('INSERT INTO jid(bare_jid) VALUES (?)').run(contact).lastInsertRowid;
      // type 0 = chat, encryption 0 = none (Dino's enums), active = listed.
      const id = db
        .prepare(
          'INSERT INTO conversation(account_id, jid_id, active, type, encryption, last_active) VALUES (?, ?, 1, 0, 0, ?)',
        )
        .run(account, jid, Math.floor(Date.now() / 1000)).lastInsertRowid;
      conversations.set(contact, Number(id));
    }
    return conversations;
  } finally {
    db.close();
  }
}

/** Dino's --print-xmpp blocks ("XMPP IN|OUT [...]" then the stanza, indented) with Jingle in them. */
function jingleStanzas(log: string): string[] {
  return log
    .split(/\n(?=XMPP (?:IN|OUT) \[)/)
    .filter((block) => block.includes('{urn:xmpp:jingle:1}:jingle'))
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('(dino-im'))
        .map((line) => line.trim())
        .join(' '),
    );
}

async function waitFor<T>(check: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() > deadline) return value;
    await delay(150);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `path` holds `size` bytes (Dino writes a received file as it arrives). */
export function hasSize(path: string | undefined, size: number): boolean {
  return path !== undefined && existsSync(path) && statSync(path).size === size;
}
