// A real Psi+ 1.4.554 (Debian 12, Qt 5) for interop tests: its own Xvfb display, its own private
// D-Bus session bus and a pre-seeded profile in a temporary HOME. Psi+ has no file-transfer API
// (its D-Bus interface org.psi_im.Psi.Main has only openURI, setStatus, raise, sleep and wake;
// xmpp: URIs have no ?sendfile; the ad-hoc "send me this file" server in its source is never
// registered; 1.4.554 has no auto-accept option), so the dialogs are driven with xdotool, every
// step bounded, with a screenshot (xwd, written out as PNG) when a step fails. What is pre-seeded
// so that nothing else needs a click:
// - accounts.xml: the account with host 127.0.0.1 + the test port, ssl = yes (STARTTLS required),
//   the password in Psi's own encoding (encodePassword below), the server's certificate as the
//   account's trusted override certificate (tls.override-certificate), proxy.<domain> as the
//   data-transfer proxy;
// - options.xml: no keyring (else Psi+ moves the password to a keyring there is none of and asks
//   for it), file-transfer offers popped up at once (also from JIDs not in the roster), its own
//   SOCKS5 streamhost on a free port, Ctrl+Shift+F for the chat window's "Send file" action, no
//   tip of the day, no update check, no sounds.
// Every process is started by us and stopped by its PID; every wait is bounded.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DBUS_DAEMON, XVFB, escapeXml, freePort, startBus, startXvfb, stopChild, xwdToPng } from './desktop-session.js';

export { xwdToPng };

const run = promisify(execFile);

export const PSI_PLUS = '/usr/bin/psi-plus';
export const DBUS_SEND = '/usr/bin/dbus-send';
export const XDOTOOL = '/usr/bin/xdotool';
export const XWD = '/usr/bin/xwd';

/** The host Psi+ connects to (the account's `host`, with `use-host`). */
export const CONNECT_SERVER = '127.0.0.1';

/** Keys pressed in the chat window for its "Send file" action (options.shortcuts.alist.chat_file). */
const SEND_FILE_KEYS = 'ctrl+shift+f';

/** Why Psi+ tests cannot run here, or false when they can. */
export function psiPlusUnavailable(): string | false {
  const needs: [string, string][] = [
    [PSI_PLUS, 'psi-plus'],
    [XVFB, 'xvfb'],
    [DBUS_DAEMON, 'dbus-daemon'],
    [DBUS_SEND, 'dbus-bin'],
    [XDOTOOL, 'xdotool'],
    [XWD, 'x11-apps'],
  ];
  const missing = needs.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg);
  if (missing.length === 0) return false;
  return `not installed: ${[...new Set(missing)].join(', ')} (apt-get install --no-install-recommends psi-plus xvfb dbus-daemon dbus-bin xdotool x11-apps)`;
}

/**
 * Psi's stored-password encoding (encodePassword in psi's src/common.cpp): each UTF-16 code unit
 * XORed with the JID's code unit at the same position (the JID repeated), as 4 lowercase hex
 * digits. Not encryption: it only keeps the password out of plain sight in accounts.xml.
 */
export function encodePassword(password: string, key: string): string {
  if (key.length === 0) return password;
  let out = '';
  for (let i = 0; i < password.length; i++) {
    const x = password.charCodeAt(i) ^ key.charCodeAt(i % key.length);
    out += x.toString(16).padStart(4, '0');
  }
  return out;
}

export interface PsiPlusOptions {
  /** Full JID of the account, e.g. psi@localhost/psi (it must exist on the server). */
  jid: string;
  password: string;
  c2sPort: number;
  /** PEM of the server's certificate, trusted as the account's override certificate. */
  certificatePem: string;
  /** True once the server sees the account available (Psi+ logs nothing useful on stdout). */
  isOnline: () => boolean;
  /** Bounds start-up until the account is online. Default 30 s. */
  startTimeoutMs?: number;
}

export interface PsiPlusInstance {
  jid: string;
  /** Where acceptFile() saves by default (also Psi's last-used save path). */
  receiveDir: string;
  /** The port of Psi's own SOCKS5 streamhost (options.p2p.bytestreams.listen-port). */
  streamhostPort: number;
  /**
   * Waits for the next "Receive File" dialog, presses Accept, and saves as `savePath` in the
   * "Save As" dialog. Resolves once the save dialog is confirmed (the transfer then runs). Call it
   * before the offer can arrive: dialogs already open are taken for leftovers of a failed case.
   */
  acceptFile(savePath: string, timeoutMs?: number): Promise<void>;
  /**
   * Opens a chat with `to` (a bare JID in the roster, available: Psi+ addresses its highest
   * priority resource) over D-Bus, presses the chat's "Send file" keys, picks `path` in the file
   * dialog and presses Send. Resolves once Send is pressed.
   */
  sendFile(to: string, path: string, timeoutMs?: number): Promise<void>;
  /** Saves a screenshot of the whole display as a PNG; returns its path (undefined if that failed). */
  screenshot(label: string): Promise<string | undefined>;
  /** The titles of the visible windows, for failure messages. */
  windows(): Promise<string[]>;
  /** The end of Psi's stderr (Qt warnings), for failure messages. */
  logTail(chars?: number): string;
  stop(): Promise<void>;
}

/** Screenshots of failed GUI steps go here (kept: the temporary HOME is removed). */
export function screenshotDir(): string {
  return process.env.FERRY_PSI_SCREENSHOTS || join(tmpdir(), 'ferry-psi-plus-screenshots');
}

export async function startPsiPlus(options: PsiPlusOptions): Promise<PsiPlusInstance> {
  const home = mkdtempSync(join(tmpdir(), 'ferry-psi-plus-'));
  const receiveDir = join(home, 'received');
  mkdirSync(receiveDir);
  const domain = options.jid.split('@')[1]?.split('/')[0] ?? 'localhost';
  // COMPAT: Psi+ listens for its own SOCKS5 streamhost on 8010 by default; two instances (or
  // anything else on 8010) would collide, so each gets a free port.
  const streamhostPort = await freePort();
  seedProfile({ ...options, home, receiveDir, domain, streamhostPort });

  const children: ChildProcess[] = [];
  let log = '';
  const stopAll = async () => {
    // Psi+ first (it talks to the bus and the display), then the bus, then the display.
    for (const child of [...children].reverse()) await stopChild(child);
  };
  let env: NodeJS.ProcessEnv = {};
  const screenshot = async (label: string): Promise<string | undefined> => {
    try {
      const { stdout } = await run(XWD, ['-root', '-silent'], {
        env,
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10_000,
      });
      const dir = screenshotDir();
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${label.replace(/\W+/g, '-')}.png`);
      writeFileSync(path, xwdToPng(stdout));
      return path;
    } catch {
      return undefined;
    }
  };
  const xdotool = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(XDOTOOL, args, { env, timeout: 5_000 });
    return stdout.trim();
  };
  const windows = async (): Promise<string[]> => {
    let ids: string[] = [];
    try {
      ids = (await xdotool('search', '--onlyvisible', '--name', '.')).split('\n').filter(Boolean);
    } catch {
      return []; // xdotool search exits 1 when nothing matches
    }
    const names: string[] = [];
    for (const id of ids) names.push(await xdotool('getwindowname', id).catch(() => '?'));
    return names;
  };
  /** The visible windows titled exactly `title`. */
  const visible = async (title: string): Promise<string[]> => {
    const pattern = `^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
    try {
      return (await xdotool('search', '--onlyvisible', '--name', pattern)).split('\n').filter(Boolean);
    } catch {
      return []; // xdotool search exits 1 when nothing matches
    }
  };
  /**
   * A visible window titled exactly `title` that is not in `stale` (the ones left open by an
   * earlier, failed case), waited for up to `ms`.
   */
  const waitWindow = async (title: string, ms: number, stale: string[] = []): Promise<string> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const id = (await visible(title)).find((candidate) => !stale.includes(candidate));
      if (id) return id;
      if (Date.now() > deadline) {
        const left = stale.length > 0 ? ` (${stale.length} older one(s) left open)` : '';
        throw new Error(`no new "${title}" window within ${ms} ms${left}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  };
  /**
   * One GUI step, bounded; on failure the error names the step, the visible windows and a
   * screenshot. No window manager runs, so focus is set directly (XSetInputFocus) before keys
   * are typed (XTEST: real key events, which Qt takes; it ignores XSendEvent's synthetic ones).
   */
  const step = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      const shot = await screenshot(what);
      const open = await windows();
      throw new Error(
        `Psi+ GUI step failed: ${what}: ${(error as Error).message}\n` +
          `visible windows: ${open.map((name) => JSON.stringify(name)).join(', ') || 'none'}\n` +
          `screenshot: ${shot ?? '(could not take one)'}\n--- psi-plus stderr ---\n${log.slice(-3_000)}`,
        { cause: error },
      );
    }
  };
  const focus = (id: string) => xdotool('windowfocus', '--sync', id);

  try {
    const display = await startXvfb(children);
    const busAddress = `unix:path=${join(home, 'bus')}`;
    await startBus(children, busAddress);
    env = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      DISPLAY: `:${display}`,
      DBUS_SESSION_BUS_ADDRESS: busAddress,
      QT_QPA_PLATFORM: 'xcb',
      NO_AT_BRIDGE: '1',
    };
    const psi = spawn(PSI_PLUS, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(psi);
    // FERRY_PSI_LOG=<file> keeps Psi's whole stderr (the temporary HOME is removed).
    const keep = process.env.FERRY_PSI_LOG;
    const append = (chunk: Buffer) => {
      if (keep) appendFileSync(keep, chunk);
      log += chunk.toString();
      if (log.length > 200_000) log = log.slice(-100_000);
    };
    psi.stdout.on('data', append);
    psi.stderr.on('data', append);

    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    while (!options.isOnline()) {
      if (psi.exitCode !== null) throw new Error(`psi-plus exited with ${psi.exitCode}`);
      if (Date.now() > deadline) {
        const shot = await screenshot('start');
        throw new Error(
          `psi-plus did not log in as ${options.jid} in time; visible windows: ` +
            `${(await windows()).join(', ') || 'none'}; screenshot: ${shot ?? '(none)'}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const openUri = (uri: string) =>
      run(
        DBUS_SEND,
        [
          '--session',
          '--print-reply',
          '--dest=org.psi-im.Psi',
          '/Main',
          'org.psi_im.Psi.Main.openURI',
          `string:${uri}`,
        ],
        { env, timeout: 5_000 },
      );

    return {
      jid: options.jid,
      receiveDir,
      streamhostPort,
      async acceptFile(savePath, timeoutMs = 20_000) {
        const [staleOffers, staleSaves] = [await visible('Receive File'), await visible('Save As')];
        const dialog = await step('wait for the "Receive File" dialog', () =>
          waitWindow('Receive File', timeoutMs, staleOffers),
        );
        await step('press Accept (Alt+A)', async () => {
          await focus(dialog);
          await xdotool('key', 'alt+a');
        });
        const save = await step('wait for the "Save As" dialog', () => waitWindow('Save As', 10_000, staleSaves));
        await step(`save as ${savePath}`, async () => {
          await focus(save);
          // The file-name field has the focus, prefilled with the offered name in receiveDir.
          await xdotool('key', 'ctrl+a');
          await xdotool('type', '--delay', '2', savePath);
          await xdotool('key', 'Return');
        });
      },
      async sendFile(to, path, timeoutMs = 20_000) {
        // COMPAT: openURI with a full JID adds a "not in list" item under the full JID and then
        // finds no user for the bare one ("not in userlist"): no chat opens. With the bare JID
        // of an available roster contact, the chat and its "Send file" address the contact's
        // highest-priority resource.
        await step(`open a chat with ${to} (D-Bus openURI)`, () => openUri(`xmpp:${to}?message;type=chat`));
        const chat = await step(`wait for the chat window "${to}"`, () => waitWindow(to, timeoutMs));
        const [staleChoosers, staleDialogs] = [await visible('Choose a file'), await visible('Send File')];
        await step(`press ${SEND_FILE_KEYS} (Send file) in the chat`, async () => {
          await focus(chat);
          await xdotool('key', SEND_FILE_KEYS);
        });
        const chooser = await step('wait for the "Choose a file" dialog', () =>
          waitWindow('Choose a file', 10_000, staleChoosers),
        );
        await step(`choose ${path}`, async () => {
          await focus(chooser);
          await xdotool('type', '--delay', '2', path);
          await xdotool('key', 'Return');
        });
        const dialog = await step('wait for the "Send File" dialog', () =>
          waitWindow('Send File', 10_000, staleDialogs),
        );
        await step('press Send (Alt+S)', async () => {
          await focus(dialog);
          await xdotool('key', 'alt+s');
        });
      },
      screenshot,
      windows,
      logTail(chars = 6_000) {
        return log.slice(-chars);
      },
      async stop() {
        await stopAll();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    const tail = log.slice(-4_000);
    rmSync(home, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n--- psi-plus stderr ---\n${tail}`, { cause: error });
  }
}

function seedProfile(
  o: PsiPlusOptions & { home: string; receiveDir: string; domain: string; streamhostPort: number },
): void {
  const x = escapeXml;
  const [bare = '', resource = 'psi'] = o.jid.split('/');
  const profile = join(o.home, '.config', 'psi+', 'profiles', 'default');
  mkdirSync(profile, { recursive: true });
  // COMPAT: the self-signed certificate raises "certificate failed the authenticity test" unless
  // its DER equals the account's tls.override-certificate (what "Trust this certificate" stores:
  // CertificateHelpers::checkCertificate). A PEM in ~/.local/share/psi+/certs would be a CA to
  // QCA instead, and the host name must then match too.
  const der = pemToDer(o.certificatePem);
  // Psi's options-tree XML: nested elements named after the option path, each with its type.
  // Options not given keep Psi's defaults (options/default.xml in its source).
  writeFileSync(
    join(profile, 'accounts.xml'),
    `<!DOCTYPE accounts>
<accounts xmlns="http://psi-im.org/options" version="1.4.554">
 <accounts>
  <a0>
   <id type="QString">{ferry-test-account}</id>
   <name type="QString">${x(bare)}</name>
   <jid type="QString">${x(bare)}</jid>
   <password type="QString">${encodePassword(o.password, bare)}</password>
   <enabled type="bool">true</enabled>
   <auto type="bool">true</auto>
   <resource type="QString">${x(resource)}</resource>
   <priority type="int">5</priority>
   <use-host type="bool">true</use-host>
   <host type="QString">${CONNECT_SERVER}</host>
   <port type="int">${o.c2sPort}</port>
   <ssl type="QString">yes</ssl>
   <allow-plain type="QString">never</allow-plain>
   <reconn type="bool">false</reconn>
   <bytestreams-proxy type="QString">proxy.${x(o.domain)}</bytestreams-proxy>
   <ibb-only type="bool">false</ibb-only>
   <tls>
    <override-certificate type="QByteArray">${der.toString('base64')}</override-certificate>
    <override-domain type="QString"></override-domain>
   </tls>
  </a0>
 </accounts>
 <order type="QStringList"><item>{ferry-test-account}</item></order>
</accounts>
`,
  );
  // COMPAT (options.xml): with options.keychain.enabled (the default) Psi+ moves the password out
  // of accounts.xml into a keyring, and with no keyring daemon it then prompts for it. A file
  // offer is only queued as an event (the roster entry blinks) unless ui.file-transfer.auto-popup
  // is on, and even then suppressed for senders outside the roster unless
  // ui.notifications.popup-dialogs.suppress-when-not-on-roster is off (the CLI is not in it).
  // 1.4.554 has no option to accept files without the dialog.
  writeFileSync(
    join(profile, 'options.xml'),
    `<!DOCTYPE options>
<options xmlns="http://psi-im.org/options" version="1.4.554">
 <options>
  <keychain><enabled type="bool">false</enabled></keychain>
  <auto-update><check-on-startup type="bool">false</check-on-startup></auto-update>
  <ui>
   <tip><show type="bool">false</show></tip>
   <notifications>
    <popup-dialogs>
     <suppress-when-not-on-roster type="bool">false</suppress-when-not-on-roster>
     <suppress-while-away type="bool">false</suppress-while-away>
    </popup-dialogs>
    <sounds><enable type="bool">false</enable></sounds>
   </notifications>
   <file-transfer><auto-popup type="bool">true</auto-popup></file-transfer>
   <last-used-save-path type="QString">${x(o.receiveDir)}</last-used-save-path>
   <last-used-open-path type="QString">${x(o.home)}</last-used-open-path>
  </ui>
  <p2p><bytestreams><listen-port type="int">${o.streamhostPort}</listen-port></bytestreams></p2p>
  <shortcuts><alist><chat_file type="QKeySequence">Ctrl+Shift+F</chat_file></alist></shortcuts>
 </options>
</options>
`,
  );
}

function pemToDer(pem: string): Buffer {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (!body) throw new Error('no certificate in the PEM given to startPsiPlus');
  return Buffer.from(body.replace(/\s+/g, ''), 'base64');
}
