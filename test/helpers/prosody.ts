// A private Prosody instance for interop tests (never the system service): its own config,
// pidfile and data in a temporary directory, c2s and mod_proxy65 on free loopback ports, no TLS
// (c2s_require_encryption = false; SCRAM over loopback), no mod_limits throttling, no s2s.
// Optionally mod_http_file_share (XEP-0363) on an HTTPS port, and mod_offline.
// Started in the foreground, always killed at the end; every wait is bounded.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generate } from 'selfsigned';

export const PROSODY = '/usr/bin/prosody';
export const PROSODYCTL = '/usr/bin/prosodyctl';

/** Why Prosody tests cannot run here, or false when they can. */
export function prosodyUnavailable(): string | false {
  if (!existsSync(PROSODY) || !existsSync(PROSODYCTL)) {
    return 'prosody is not installed (apt-get install prosody)';
  }
  return false;
}

export interface ProsodyOptions {
  domain?: string;
  /** Accounts registered (prosodyctl register) before the server starts. */
  users?: Record<string, string>;
  /** Bounds the start-up (until both c2s and proxy65 listen). Default 15 s. */
  startTimeoutMs?: number;
  /**
   * XEP-0363 by Prosody's mod_http_file_share on upload.DOMAIN, served over HTTPS on a loopback
   * port with a self-signed certificate (for 127.0.0.1; its PEM is `https.certFile`).
   */
  httpFileShare?: { sizeLimit?: number };
  /** Keep mod_offline (stores messages for accounts with no resource online); default off. */
  offline?: boolean;
  /** More configuration, made once the instance's directory exists (see ProsodyExtraConfig). */
  extra?: (dir: string) => ProsodyExtraConfig | Promise<ProsodyExtraConfig>;
}

/** Additions to the generated config, for helpers that need more of Prosody (e.g. prosody-http-upload.ts). */
export interface ProsodyExtraConfig {
  /** Lua lines for the global section (after the defaults, so they override them). */
  global?: string;
  /** Lua lines after the last section: more VirtualHost/Component sections. */
  sections?: string;
  /** More listeners start-up waits for: service name → loopback port (e.g. https). */
  listeners?: Record<string, number>;
}

export interface ProsodyInstance {
  domain: string;
  /** The mod_proxy65 component's JID. */
  proxyJid: string;
  ports: { c2s: number; proxy65: number; https?: number };
  /** With httpFileShare: the upload component's JID and the certificate to trust. */
  https?: { uploadJid: string; certFile: string };
  dir: string;
  addUser(username: string, password: string): void;
  /** The end of Prosody's debug log, for failure messages. */
  logTail(chars?: number): string;
  stop(): Promise<void>;
}

export async function startProsody(options: ProsodyOptions = {}): Promise<ProsodyInstance> {
  const domain = options.domain ?? 'localhost';
  const proxyJid = `proxy.${domain}`;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-prosody-'));
  const config = join(dir, 'prosody.cfg.lua');
  const logFile = join(dir, 'prosody.log');
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'certs')); // empty: no TLS, but certmanager complains when it is missing
  const [c2s, proxy65, httpsPort] = await freePorts(3);
  if (c2s === undefined || proxy65 === undefined || httpsPort === undefined) throw new Error('no free loopback ports');
  const https = options.httpFileShare ? await httpsCertificate(dir) : undefined;
  let extra: ProsodyExtraConfig;
  try {
    extra = (await options.extra?.(dir)) ?? {};
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(
    config,
    prosodyConfig({
      dir,
      domain,
      proxyJid,
      c2s,
      proxy65,
      logFile,
      offline: options.offline === true,
      extra,
      ...(https && options.httpFileShare
        ? { upload: { port: httpsPort, sizeLimit: options.httpFileShare.sizeLimit, ...https } }
        : {}),
    }),
  );

  const addUser = (username: string, password: string): void => {
    const result = spawnSync(PROSODYCTL, ['--config', config, 'register', username, domain, password], {
      cwd: dir,
      timeout: 10_000,
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(
        `prosodyctl register ${username} ${domain} failed (${result.error?.message ?? `exit ${String(result.status)}`}): ` +
          `${result.stdout}${result.stderr}`,
      );
    }
  };
  const logTail = (chars = 4000): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-chars) : '');
  const remove = (): void => rmSync(dir, { recursive: true, force: true });

  try {
    for (const [username, password] of Object.entries(options.users ?? {})) addUser(username, password);
  } catch (error) {
    remove();
    throw error;
  }

  const child = spawn(PROSODY, ['--config', config, '-F'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  // Whatever happens to the test process, the server does not outlive it.
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await settlesWithin(exited, 5_000))) {
        child.kill('SIGKILL');
        await settlesWithin(exited, 2_000);
      }
    }
    process.removeListener('exit', killOnExit);
    remove();
  };

  try {
    await waitUntilListening(
      child,
      exited,
      { c2s, proxy65, ...(https ? { https: httpsPort } : {}), ...extra.listeners },
      options.startTimeoutMs ?? 15_000,
      logTail,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    domain,
    proxyJid,
    ports: { c2s, proxy65, ...(https ? { https: httpsPort } : {}) },
    ...(https ? { https: { uploadJid: `upload.${domain}`, certFile: https.certFile } } : {}),
    dir,
    addUser,
    logTail,
    stop,
  };
}

function prosodyConfig(o: {
  dir: string;
  domain: string;
  proxyJid: string;
  c2s: number;
  proxy65: number;
  logFile: string;
  offline: boolean;
  extra: ProsodyExtraConfig;
  upload?: { port: number; sizeLimit: number | undefined; certFile: string; keyFile: string };
}): string {
  const path = (p: string) => JSON.stringify(p); // a Lua string literal for any path we make
  return `-- Generated by test/helpers/prosody.ts for one interop test run.
run_as_root = true -- CI runs as root; this is a throwaway instance
pidfile = ${path(join(o.dir, 'prosody.pid'))}
data_path = ${path(join(o.dir, 'data'))}
certificates = ${path(join(o.dir, 'certs'))}
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { ${o.c2s} }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
s2s_ports = { }
proxy65_ports = { ${o.proxy65} }
proxy65_interfaces = { "127.0.0.1" }
http_ports = { }
https_ports = { ${o.upload ? o.upload.port : ''} }
https_interfaces = { "127.0.0.1" }
${o.upload ? `https_ssl = { certificate = ${path(o.upload.certFile)}; key = ${path(o.upload.keyFile)} }` : ''}
-- Loopback only: no TLS, so no certificate to make; SCRAM-SHA-1 still protects the password.
c2s_require_encryption = false
authentication = "internal_hashed"
storage = "internal"
-- Deliberately without "limits": its 10 kB/s per connection makes IBB crawl.
modules_enabled = { "roster"; "saslauth"; "disco"; "ping" }
modules_disabled = { "s2s"; "s2s_auth_certs"${o.offline ? '' : '; "offline"'} }
log = {
  { levels = { min = "info" }, to = "console" };
  { levels = { min = "debug" }, to = "file", filename = ${path(o.logFile)} };
}
${o.extra.global ?? ''}

VirtualHost "${o.domain}"

Component "${o.proxyJid}" "proxy65"
  proxy65_address = "127.0.0.1"
${
  o.upload
    ? `
Component "upload.${o.domain}" "http_file_share"
  -- URLs name 127.0.0.1 (the certificate's address), not upload.${o.domain}, which DNS does not know.
  http_host = "127.0.0.1"
  ${o.upload.sizeLimit !== undefined ? `http_file_share_size_limit = ${o.upload.sizeLimit}` : ''}
`
    : ''
}${o.extra.sections ?? ''}`;
}

/** A self-signed certificate for 127.0.0.1, as PEM files in DIR/https (not DIR/certs: c2s stays plain). */
async function httpsCertificate(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  mkdirSync(join(dir, 'https'));
  const certFile = join(dir, 'https', 'https.crt');
  const keyFile = join(dir, 'https', 'https.key');
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  return { certFile, keyFile };
}

/**
 * Resolves when Prosody reports both listeners active ("Activated service 'c2s' on
 * [127.0.0.1]:PORT" on its console log); rejects, with its log, if it exits or takes too long.
 */
function waitUntilListening(
  child: ChildProcess,
  exited: Promise<void>,
  ports: Record<string, number>,
  timeoutMs: number,
  logTail: () => string,
): Promise<void> {
  const pending = new Map(
    Object.entries(ports).map(([name, port]) => [name, `Activated service '${name}' on [127.0.0.1]:${port}`]),
  );
  let output = '';
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        fail(
          `Prosody did not start listening within ${timeoutMs} ms (still waiting for ${[...pending.keys()].join(', ')})`,
        ),
      timeoutMs,
    );
    const lines = [child.stdout, child.stderr].map((stream) => createInterface({ input: stream! }));
    function done(): void {
      clearTimeout(timer);
      for (const reader of lines) reader.removeListener('line', onLine);
    }
    function fail(why: string): void {
      done();
      reject(new Error(`${why}\n--- prosody output ---\n${output.slice(-3000)}\n--- prosody log ---\n${logTail()}`));
    }
    function onLine(line: string): void {
      output += `${line}\n`;
      for (const [name, text] of pending) if (line.includes(text)) pending.delete(name);
      if (pending.size === 0) {
        done();
        resolve();
      }
    }
    for (const reader of lines) reader.on('line', onLine);
    void exited.then(() => {
      if (pending.size > 0) fail(`Prosody exited during start-up (code ${String(child.exitCode)})`);
    });
  });
}

/** Distinct loopback ports nothing listens on: all bound at once (so no repeats), then released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
