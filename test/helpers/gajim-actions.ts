// Driving a running test Gajim the way a user does: its GActions over its private session bus
// (gdbus) and, for what has no action, keys pressed into its main window (xdotool). Every step is
// bounded; a failed step names itself and carries a screenshot and Gajim's last Jingle lines.
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { RunAs } from './desktop-session.js';
import type { GajimLog } from './gajim-log.js';
import { SPARE_CHAT } from './gajim-profile.js';

const run = promisify(execFile);

export const GDBUS = '/usr/bin/gdbus';
export const XDOTOOL = '/usr/bin/xdotool';

const BUS_NAME = 'org.gajim.Gajim';
const APP_PATH = '/org/gajim/Gajim';
/** The main GtkApplicationWindow's actions (send-file-jingle, …). */
const WINDOW_PATH = '/org/gajim/Gajim/window/1';

export interface GajimDesktop {
  /** DISPLAY and DBUS_SESSION_BUS_ADDRESS of that Gajim. */
  env: NodeJS.ProcessEnv;
  /** The user Gajim and its bus run as (gdbus must too), if not us. */
  user: RunAs | undefined;
  /** Gajim's account name (the local part of its JID). */
  account: string;
  log: GajimLog;
  screenshot(label: string): Promise<string | undefined>;
}

export class GajimActions {
  readonly #desktop: GajimDesktop;

  constructor(desktop: GajimDesktop) {
    this.#desktop = desktop;
  }

  /**
   * Sends `path` to the contact `to` (a bare JID with an open chat, with one resource that
   * advertises Jingle file transfer): chat → send-file-jingle → Send → "Choose Device" → Send.
   * Resolves with the Jingle sid once Gajim sent its session-initiate.
   */
  async sendFile(to: string, path: string, timeoutMs = 30_000): Promise<string> {
    if (/['"\\]/.test(path)) throw new Error(`sendFile: quotes in ${path} would break the GVariant text`);
    const { account, log } = this.#desktop;
    const deadline = Date.now() + timeoutMs;
    const select = (jid: string) =>
      this.#gdbus(APP_PATH, 'org.gtk.Actions.Activate', 'open-chat', `[<['${account}', '${jid}']>]`, '{}');
    // send-file-jingle is enabled when the selected contact has a resource online whose caps list
    // urn:xmpp:jingle:apps:file-transfer:5; the caps query runs seconds after the presence.
    // COMPAT: Gajim re-checks only when another chat is selected (ChatStack._update_base_actions),
    // so it goes to the seeded spare chat and back until the action is enabled. The chats were
    // opened at start (seeded), so open-chat only selects them.
    await this.#step(`select the chat with ${to} until send-file-jingle is enabled`, async () => {
      for (;;) {
        await select(SPARE_CHAT);
        await select(to);
        const state = await this.#gdbus(WINDOW_PATH, 'org.gtk.Actions.Describe', 'send-file-jingle');
        if (state.startsWith('((true,')) return;
        if (Date.now() > deadline) throw new Error(`still disabled: ${state}`);
        await delay(500);
      }
    });
    const mark = log.length;
    await this.#step('open the send page (GAction send-file-jingle with the file)', () =>
      this.#gdbus(
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
    await this.#step('press Send Files, reselect the device, press Send Files', () =>
      this.#pressKeys('Return', 'ctrl+space', 'ctrl+space', 'Return'),
    );
    const sentBy = Date.now() + 10_000;
    return this.#step(`wait for Gajim's Jingle session-initiate to ${to}`, async () => {
      for (;;) {
        const initiate = log.jingleSince(mark).find((line) => /action=["']session-initiate["']/.test(line));
        const sid = initiate && /\bsid=["']([^"']+)["']/.exec(initiate)?.[1];
        if (sid) return sid;
        if (Date.now() > sentBy) throw new Error('no session-initiate in its log within 10 s');
        await delay(200);
      }
    });
  }

  async #gdbus(objectPath: string, method: string, ...args: string[]): Promise<string> {
    const { env, user } = this.#desktop;
    const { stdout } = await run(
      GDBUS,
      ['call', '--session', '--dest', BUS_NAME, '--object-path', objectPath, '--method', method, ...args],
      { env, timeout: 5_000, ...(user ? { uid: user.uid, gid: user.gid } : {}) },
    );
    return stdout.trim();
  }

  async #xdotool(...args: string[]): Promise<string> {
    const { stdout } = await run(XDOTOOL, args, { env: this.#desktop.env, timeout: 5_000 });
    return stdout.trim();
  }

  async #mainWindow(): Promise<string> {
    const found = (await this.#xdotool('search', '--onlyvisible', '--name', 'Gajim$')).split('\n').filter(Boolean);
    if (found.length === 0) throw new Error('no visible Gajim window');
    return found[0]!;
  }

  async #pressKeys(...keys: string[]): Promise<void> {
    await this.#xdotool('windowfocus', '--sync', await this.#mainWindow());
    for (const key of keys) {
      await this.#xdotool('key', key);
      // The page switches and list selection happen on GTK's main loop: give it a moment.
      await delay(600);
    }
  }

  /** One GUI step, bounded; a failure names the step and carries a screenshot and the log's end. */
  async #step<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const shot = await this.#desktop.screenshot(what);
      throw new Error(
        `Gajim GUI step failed: ${what}: ${(error as Error).message}\nscreenshot: ${shot ?? '(could not take one)'}` +
          `\n--- gajim --verbose (Jingle lines) ---\n${this.#desktop.log.jingleSince(0).slice(-10).join('\n')}`,
        { cause: error },
      );
    }
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
