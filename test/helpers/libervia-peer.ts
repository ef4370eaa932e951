// Libervia 0.9 (Debian 12's libervia-backend + libervia-cli) as a scripted file-transfer peer:
// one backend per test file section, headless, inside the section's network namespace, with one
// profile logged in to the server under test, set up over D-Bus by test/interop/peers/
// libervia_bridge.py, which then prints every stanza. `libervia-cli file send` / `file receive`
// are the steps of each case. Every wait is bounded; every process is ours and stopped by its PID.
//
// What the recipe avoids (each silently changes results):
// - D-Bus service activation: the package installs a session-bus service file, so on a normal
//   session bus a CLI call made before the backend owns its name starts a second backend (with
//   none of our settings) and the first one dies. Hence a private bus whose config has no
//   <servicedir>: until the backend is up, a call fails instead.
// - UPnP and interface enumeration (python3-miniupnpc, python3-netifaces, both Recommends): the
//   shim blocks both imports, leaving 127.0.0.1 as the only direct SOCKS5 candidate.
// - A non-system python3 first on PATH (the launchers are `#!/usr/bin/env python3`).
// - The "may I fetch my public IP from salut-a-toi.org" dialog nobody answers: allow_get_ip off.
// - Without python3-progressbar (a Recommends), the CLI has no --progress option and then never
//   subscribes to the progress signals: `file send` and `file receive` never exit.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWithin, type Run } from './cli-process.js';
import { printed, stopRun, tails, type Netns } from './libervia-netns.js';

export const LIBERVIA_BACKEND = '/usr/bin/libervia-backend';
export const LIBERVIA_CLI = '/usr/bin/libervia-cli';
const DBUS_DAEMON = '/usr/bin/dbus-daemon';
const SHIM = fileURLToPath(new URL('../interop/peers/libervia_sitecustomize.py', import.meta.url));
const BRIDGE = fileURLToPath(new URL('../interop/peers/libervia_bridge.py', import.meta.url));
const RESOURCE = 'libervia';

/** Why Libervia tests cannot run here, or false when they can. */
export function liberviaUnavailable(): string | false {
  const missing = [
    [LIBERVIA_BACKEND, 'libervia-backend'],
    [LIBERVIA_CLI, 'libervia-cli'],
    [DBUS_DAEMON, 'dbus-daemon'],
  ].filter(([path]) => !existsSync(path!));
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import progressbar'], { timeout: 10_000 });
  if (probe.status !== 0) missing.push(['', 'python3-progressbar']);
  if (missing.length === 0) return false;
  return `not installed: ${missing.map(([, pkg]) => pkg).join(', ')} (apt-get install --no-install-recommends libervia-backend libervia-cli python3-progressbar dbus-daemon)`;
}

/** Test-only switches read by the shim (see its header) at each use; {} = stock behaviour. */
export interface LiberviaKnobs {
  /** The Jingle initiator offers IBB (XEP-0261) instead of SOCKS5 (XEP-0260). */
  transport?: 'ibb';
  /** SOCKS5 candidates and streamhosts: the server's proxy only (Jingle and SI). */
  proxyOnly?: boolean;
  /** `file send` uses SI (XEP-0096) instead of Jingle. */
  si?: boolean;
}

export interface LiberviaOptions {
  netns: Netns;
  /** A directory of its own (HOME, config, bus socket, shim, downloads). */
  dir: string;
  account: { username: string; domain: string; password: string };
  /** Where the server's c2s listens inside the namespace (loopback). */
  c2sPort: number;
  /** Settles when the server is up: the profile is made meanwhile, and logs in after it. */
  serverReady?: Promise<unknown>;
}

export interface LiberviaPeer {
  /** Its full JID: USER@DOMAIN/libervia. */
  jid: string;
  /** Switches for the next transfers. */
  setKnobs(knobs: LiberviaKnobs): void;
  /** `libervia-cli file send`, hard-limited to `seconds` (the CLI has no timeout of its own). */
  send(file: string, to: string, seconds: number): Run;
  /** `libervia-cli file receive` of one file from `from` into `dir`, auto-accepted; resolves once it waits. */
  receive(from: string, dir: string, seconds: number): Promise<Run>;
  /** `libervia-cli info disco JID`: the entity's features and identities, as printed. */
  disco(jid: string): Promise<string>;
  /** Every stanza the profile sent or received since start, as XML text ("==== IN|OUT ====" before each). */
  stanzas(): string;
  /** The end of the backend's log (the shim's "[knob]" lines are there). */
  logTail(chars?: number): string;
  /** Its own output and the backend's log, for failure messages. */
  evidence(run?: Run): string;
  stop(): Promise<void>;
}

export async function startLibervia(options: LiberviaOptions): Promise<LiberviaPeer> {
  const { netns, dir, account } = options;
  const home = join(dir, 'home');
  const localDir = join(home, '.local', 'share', 'libervia');
  const shimDir = join(dir, 'pyshim');
  const knobsFile = join(dir, 'knobs.json');
  const socket = join(dir, 'dbus.sock');
  for (const path of [join(home, '.config', 'libervia'), localDir, shimDir, join(home, 'Downloads')]) {
    mkdirSync(path, { recursive: true });
  }
  copyFileSync(SHIM, join(shimDir, 'sitecustomize.py'));
  writeFileSync(knobsFile, '{}');
  writeFileSync(
    join(home, '.config', 'libervia', 'libervia.conf'),
    [
      '[DEFAULT]',
      // hosts_dict: no SRV/DNS look-up for the test domain.
      `hosts_dict = ${JSON.stringify({ [account.domain]: { host: '127.0.0.1', port: options.c2sPort } })}`,
      'bridge = dbus',
      `local_dir = ${localDir}`,
      `downloads_dir = ${join(home, 'Downloads')}`,
      'log_level = debug',
      'log_fmt = %%(levelname)s [%%(name)s] %%(message)s',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'dbus-session.conf'), busConfig(socket));
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}`,
    LANG: 'C.UTF-8',
    PYTHONPATH: shimDir,
    LV_KNOBS: knobsFile,
    // Output read while the process runs (stanzas, "waiting for…" lines): no block buffering.
    PYTHONUNBUFFERED: '1',
  };
  /** One CLI call, killed by `timeout` after `seconds` (exit 124) if it hangs. */
  const cli = (args: string[], seconds: number): Run =>
    netns.spawn('/usr/bin/timeout', ['-k', '3', String(seconds), LIBERVIA_CLI, ...args], { env });
  const bus = netns.spawn(
    DBUS_DAEMON,
    [`--config-file=${join(dir, 'dbus-session.conf')}`, '--nofork', '--print-address'],
    {
      env,
    },
  );
  const jid = `${account.username}@${account.domain}/${RESOURCE}`;
  let backend: Run | undefined;
  let monitor: Run | undefined;
  const backendTail = (chars = 3_000) =>
    backend
      ? `\n--- libervia-backend (tail) ---\n${backend.stdout().slice(-chars)}${backend.stderr().slice(-chars)}`
      : '';
  const stop = async () => {
    for (const run of [monitor, backend, bus]) if (run) await stopRun(run);
  };
  try {
    await printed(bus, /unix:path=/, 10_000, 'the private D-Bus bus to start');
    backend = netns.spawn(LIBERVIA_BACKEND, ['fg'], { env });
    await options.serverReady;
    // Waits for the backend, makes and logs in the profile, then prints every stanza.
    monitor = netns.spawn('/usr/bin/python3', [BRIDGE, account.username, jid, account.password, '60'], { env });
    await printed(monitor, /^ready$/m, 90_000, `Libervia to start and log in as ${jid}`).catch((error: Error) => {
      throw new Error(`${error.message}${backendTail()}`);
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const peer: LiberviaPeer = {
    jid,
    setKnobs: (knobs) => writeFileSync(knobsFile, JSON.stringify(knobs)),
    send: (file, to, seconds) => cli(['file', 'send', '-p', account.username, '-vv', file, to], seconds),
    async receive(from, target, seconds) {
      mkdirSync(target, { recursive: true });
      const run = cli(['file', 'receive', '-p', account.username, '-vv', '--path', target, from], seconds);
      await printed(run, /waiting for incoming file request/, 20_000, 'libervia-cli file receive to listen');
      return run;
    },
    async disco(target) {
      const run = cli(['info', 'disco', '-p', account.username, target], 20);
      const code = await exitWithin(run, 25_000, `libervia-cli info disco ${target}`);
      if (code !== 0) throw new Error(`libervia-cli info disco ${target} exited ${String(code)}${tails(run)}`);
      return run.stdout();
    },
    // Twisted quotes attributes with '; the cases match "-quoted XML as the XEPs show it.
    stanzas: () => (monitor?.stdout() ?? '').replace(/=(?:'([^']*)')/g, '="$1"'),
    logTail: (chars = 20_000) => (backend ? backend.stdout() + backend.stderr() : '').slice(-chars),
    evidence: (run) =>
      `${run ? `\n--- libervia-cli ---${tails(run)}` : ''}${backendTail()}` +
      `\n--- stanzas (tail) ---\n${(monitor?.stdout() ?? '').replace(/<data [^]*?<\/data>/g, '<data…/>').slice(-4_000)}`,
    stop,
  };
  return peer;
}

/** A session bus of our own, without <servicedir>: no service activation. */
function busConfig(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}
