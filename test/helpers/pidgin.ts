// A real Pidgin 2.14 (libpurple) for interop tests: its own Xvfb display, its own private D-Bus
// session bus and a pre-seeded config dir in a temporary directory, driven through libpurple's
// D-Bus API (im.pidgin.purple.PurpleService). Nothing is clicked:
// - accounts.xml: one XMPP account, connect_server 127.0.0.1 and the test port, require_tls;
// - prefs.xml: the bundled Autoaccept plugin, accepting offers from anyone (stranger = accept),
//   no popup, no per-sender subdirectory, into `receiveDir`; no tray icon (docklet): under Xvfb
//   it waits 5 s for a tray, gives up and hides the buddy list mid-run;
// - certificates/x509/tls_peers/<hostname>: the server's self-signed certificate, so libpurple
//   trusts it without the "accept this certificate?" dialog (see CERT_PEER_NAME).
// Every process is started by us and stopped by its PID; every wait is bounded.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DBUS_DAEMON, XVFB, escapeXml, startBus, startXvfb, stopChild } from './desktop-session.js';

const run = promisify(execFile);

export const PIDGIN = '/usr/bin/pidgin';
export const DBUS_SEND = '/usr/bin/dbus-send';
export const STDBUF = '/usr/bin/stdbuf';
export const AUTOACCEPT = '/usr/lib/x86_64-linux-gnu/purple-2/autoaccept.so';

/** The host Pidgin connects to (accounts.xml connect_server). */
export const CONNECT_SERVER = '127.0.0.1';

/**
 * The file name libpurple looks the server's certificate up under in its tls_peers pool: with
 * connect_server set, the XMPP prpl verifies against that host, not the account's domain (its
 * debug log: "certificate/x509/tls_cached: Starting verify for 127.0.0.1", then "Checking for
 * cached cert..."). So the peer file is tls_peers/127.0.0.1 even for alice@localhost.
 */
export const CERT_PEER_NAME = CONNECT_SERVER;

/** Why Pidgin tests cannot run here, or false when they can. */
export function pidginUnavailable(): string | false {
  const needs: [string, string][] = [
    [PIDGIN, 'pidgin'],
    [AUTOACCEPT, 'pidgin (its Autoaccept plugin)'],
    [XVFB, 'xvfb'],
    [DBUS_DAEMON, 'dbus-daemon'],
    [DBUS_SEND, 'dbus-bin'],
  ];
  const missing = needs.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg);
  if (missing.length === 0) return false;
  return `not installed: ${[...new Set(missing)].join(', ')} (apt-get install --no-install-recommends pidgin xvfb dbus-daemon dbus-bin)`;
}

export interface PidginOptions {
  /** Full JID of the account, e.g. alice@localhost/pidgin (it must exist on the server). */
  jid: string;
  password: string;
  c2sPort: number;
  /** PEM of the server's certificate, trusted by pre-seeding libpurple's certificate store. */
  certificatePem: string;
  /** Bounds start-up until the account is connected. Default 30 s. */
  startTimeoutMs?: number;
}

export interface PidginInstance {
  jid: string;
  /** Where Autoaccept saves received files (named as offered). */
  receiveDir: string;
  /** Offers `path` to `to` (a full JID) with serv_send_file, as the File → Send File menu does. */
  sendFile(to: string, path: string): Promise<void>;
  /** The end of Pidgin's debug log (-d: every stanza), for failure messages. */
  logTail(chars?: number): string;
  /** How much Pidgin has logged so far: a mark for logSince(). */
  logLength(): number;
  /** What Pidgin logged after the mark (kept in full while the instance runs). */
  logSince(mark: number): string;
  stop(): Promise<void>;
}

const PURPLE = ['--dest=im.pidgin.purple.PurpleService', '/im/pidgin/purple/PurpleObject'];
const IFACE = 'im.pidgin.purple.PurpleInterface';

export async function startPidgin(options: PidginOptions): Promise<PidginInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-pidgin-'));
  const purpleDir = join(dir, 'purple');
  const receiveDir = join(dir, 'received');
  mkdirSync(receiveDir);
  const domain = options.jid.split('@')[1]?.split('/')[0] ?? 'localhost';
  seedConfig({ ...options, purpleDir, receiveDir, domain });

  const children: ChildProcess[] = [];
  let log = '';
  const stopAll = async () => {
    // Pidgin first (it talks to the bus and the display), then the bus, then the display.
    for (const child of [...children].reverse()) await stopChild(child);
  };
  try {
    const display = await startXvfb(children);
    const busAddress = `unix:path=${join(dir, 'bus')}`;
    await startBus(children, busAddress);
    const env = {
      ...process.env,
      HOME: dir,
      DISPLAY: `:${display}`,
      DBUS_SESSION_BUS_ADDRESS: busAddress,
      NO_AT_BRIDGE: '1',
      GTK_A11Y: 'none',
    };
    // stdbuf: Pidgin's debug log goes through stdio, block-buffered into a pipe; unbuffered,
    // the log shows what Pidgin did as it happens (stdbuf execs Pidgin: same PID).
    const pidgin = spawn(STDBUF, ['-o0', '-e0', PIDGIN, '-c', purpleDir, '-d'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(pidgin);
    // FERRY_PIDGIN_LOG=<file> keeps Pidgin's whole debug log (the temporary dir is removed).
    const keep = process.env.FERRY_PIDGIN_LOG;
    const append = (chunk: Buffer) => {
      if (keep) appendFileSync(keep, chunk);
      log += chunk.toString();
    };
    pidgin.stdout.on('data', append);
    pidgin.stderr.on('data', append);

    const purple = async (method: string, ...args: string[]): Promise<string> => {
      const { stdout } = await run(
        DBUS_SEND,
        ['--session', '--print-reply=literal', ...PURPLE, `${IFACE}.${method}`, ...args],
        { env, timeout: 5_000 },
      );
      return stdout.trim().replace(/^\w+\s+/, ''); // "int32 5" → "5"
    };

    const account = options.jid;
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    let accountId = '';
    for (;;) {
      if (pidgin.exitCode !== null) throw new Error(`pidgin exited with ${pidgin.exitCode}`);
      try {
        accountId = accountId || (await purple('PurpleAccountsFind', `string:${account}`, 'string:prpl-jabber'));
        if (accountId !== '' && accountId !== '0') {
          if ((await purple('PurpleAccountIsConnected', `int32:${accountId}`)) === '1') break;
        }
      } catch {
        // The bus name is not there yet: Pidgin is still starting.
      }
      if (Date.now() > deadline) throw new Error(`pidgin did not connect ${account} in time`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    return {
      jid: account,
      receiveDir,
      async sendFile(to, path) {
        const connection = await purple('PurpleAccountGetConnection', `int32:${accountId}`);
        await purple('ServSendFile', `int32:${connection}`, `string:${to}`, `string:${path}`);
      },
      logTail(chars = 20_000) {
        return log.slice(-chars);
      },
      logLength: () => log.length,
      logSince: (mark) => log.slice(mark),
      async stop() {
        await stopAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    const tail = log.slice(-6_000);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n--- pidgin -d ---\n${tail}`, { cause: error });
  }
}

function seedConfig(o: PidginOptions & { purpleDir: string; receiveDir: string; domain: string }): void {
  const x = escapeXml;
  const peers = join(o.purpleDir, 'certificates', 'x509', 'tls_peers');
  mkdirSync(peers, { recursive: true });
  writeFileSync(join(peers, CERT_PEER_NAME), o.certificatePem);
  writeFileSync(
    join(o.purpleDir, 'accounts.xml'),
    `<?xml version='1.0' encoding='UTF-8' ?>
<account version='1.0'>
 <account>
  <protocol>prpl-jabber</protocol>
  <name>${x(o.jid)}</name>
  <password>${x(o.password)}</password>
  <settings>
   <setting name='connect_server' type='string'>${CONNECT_SERVER}</setting>
   <setting name='port' type='int'>${o.c2sPort}</setting>
   <setting name='connection_security' type='string'>require_tls</setting>
   <setting name='ft_proxies' type='string'>proxy.${x(o.domain)}</setting>
  </settings>
  <settings ui='gtk-gaim'><setting name='auto-login' type='bool'>1</setting></settings>
 </account>
</account>
`,
  );
  writeFileSync(
    join(o.purpleDir, 'prefs.xml'),
    `<?xml version='1.0' encoding='UTF-8' ?>
<pref version='1' name='/'>
 <pref name='plugins'><pref name='core'><pref name='core-plugin_pack-autoaccept'>
  <pref name='path' type='string' value='${x(o.receiveDir)}'/>
  <pref name='stranger' type='int' value='1'/>
  <pref name='notify' type='bool' value='0'/>
  <pref name='newdir' type='bool' value='0'/>
  <pref name='escape' type='bool' value='1'/>
 </pref></pref></pref>
 <pref name='pidgin'>
  <pref name='plugins'><pref name='loaded' type='pathlist'>
   <item value='${AUTOACCEPT}'/>
  </pref></pref>
  <pref name='docklet'><pref name='show' type='string' value='never'/></pref>
 </pref>
</pref>
`,
  );
}
