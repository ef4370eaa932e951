// The XMPP servers and the `ferry` CLI for the Libervia interop tests, all inside the test's
// network namespace (TCP does not cross it; see libervia-netns.ts): a Ferry server run as
// `ferry server` with a config file of its own, or a private Prosody 0.12 configured as Libervia's
// reference runs were (STARTTLS required, mod_proxy65, no mod_limits). Listeners use the standard
// ports: the namespace is private, so nothing else is on them. Accounts are created on disk before
// the server starts; every wait is bounded.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import type { Run } from './cli-process.js';
import { printed, stopRun, tails, type Netns } from './libervia-netns.js';
import { PROSODY, PROSODYCTL } from './prosody.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FERRY_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
export const C2S_PORT = 5222;
export const PROXY65_PORT = 7777;

export interface XmppServer {
  kind: 'Ferry' | 'Prosody';
  domain: string;
  proxyJid: string;
  logTail(chars?: number): string;
  stop(): Promise<void>;
}

/**
 * Why the built CLI cannot be used, or false. The CLI runs from dist/ (`npm run build`; `npm ci`
 * builds it too): tsx would compile the whole CLI again in every one of the many child processes.
 */
export function ferryBuildProblem(): string | false {
  if (!existsSync(FERRY_MAIN)) return `${FERRY_MAIN} is missing: run npm run build`;
  const built = statSync(FERRY_MAIN).mtimeMs;
  for (const dir of ['src', 'packages/protocol/src', 'packages/client/src']) {
    const src = join(ROOT, dir);
    const newer = readdirSync(src, { recursive: true, encoding: 'utf8' }).find(
      (path) => path.endsWith('.ts') && statSync(join(src, path)).mtimeMs > built,
    );
    if (newer) return `dist/ is older than ${dir}/${newer}: run npm run build`;
  }
  return false;
}

/** `ferry ARGS` inside the namespace (the password comes from $FERRY_PASSWORD). */
export function ferryCli(netns: Netns, args: string[], password: string): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_CONFIG: '', FERRY_JID: '', FERRY_PASSWORD: password };
  delete env.NODE_TLS_REJECT_UNAUTHORIZED; // --insecure must do it
  return netns.spawn(process.execPath, [FERRY_MAIN, ...args], { env, cwd: ROOT });
}

export async function startFerryServer(
  netns: Netns,
  dir: string,
  domain: string,
  users: Record<string, string>,
): Promise<XmppServer> {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'ferry.toml');
  writeFileSync(
    config,
    [
      `domain = "${domain}"`,
      `data_dir = ${JSON.stringify(join(dir, 'data'))}`,
      '[log]',
      'level = "debug"',
      '[c2s]',
      `port = ${C2S_PORT}`,
      '[c2s_direct_tls]',
      'enabled = false',
      '[http]',
      'enabled = false',
      '[limits]',
      'auth_failure_delay_ms = 0',
      '[modules.proxy65]',
      `port = ${PROXY65_PORT}`,
      '',
    ].join('\n'),
  );
  for (const [username, password] of Object.entries(users)) {
    // Accounts live in data_dir's database: no network needed, so no namespace either.
    const result = spawnSync(process.execPath, [FERRY_MAIN, 'adduser', '-c', config, `${username}@${domain}`], {
      env: { ...process.env, FERRY_CONFIG: '', FERRY_PASSWORD: password },
      timeout: 30_000,
      encoding: 'utf8',
    });
    if (result.status !== 0)
      throw new Error(`ferry adduser ${username}@${domain} failed: ${result.stdout}${result.stderr}`);
  }
  const server = ferryCli(netns, ['server', '-c', config], '');
  try {
    await printed(server, /"msg":"Ferry started"/, 30_000, 'ferry server to start');
  } catch (error) {
    await stopRun(server);
    throw error;
  }
  return {
    kind: 'Ferry',
    domain,
    proxyJid: `proxy.${domain}`,
    logTail: (chars = 4_000) => tails(server, chars),
    stop: () => stopRun(server),
  };
}

export async function startProsodyServer(
  netns: Netns,
  dir: string,
  domain: string,
  users: Record<string, string>,
): Promise<XmppServer> {
  const certs = join(dir, 'certs');
  mkdirSync(join(dir, 'data'), { recursive: true });
  mkdirSync(certs, { recursive: true });
  const pems = await generate([{ name: 'commonName', value: domain }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: domain },
          { type: 2, value: `*.${domain}` },
        ],
      },
    ],
  });
  // Prosody finds a host's certificate by name in `certificates`.
  writeFileSync(join(certs, `${domain}.crt`), pems.cert);
  writeFileSync(join(certs, `${domain}.key`), pems.private, { mode: 0o644 });
  const config = join(dir, 'prosody.cfg.lua');
  const path = (p: string) => JSON.stringify(p);
  writeFileSync(
    config,
    `-- Generated by test/helpers/libervia-servers.ts for one test run.
run_as_root = true
pidfile = ${path(join(dir, 'prosody.pid'))}
data_path = ${path(join(dir, 'data'))}
certificates = ${path(certs)}
admins = { }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { ${C2S_PORT} }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
s2s_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }
proxy65_ports = { ${PROXY65_PORT} }
proxy65_interfaces = { "127.0.0.1" }
-- No "limits": it throttles IBB. stanza_debug: whole stanzas in the debug log.
modules_enabled = { "disco"; "roster"; "saslauth"; "tls"; "ping"; "version"; "posix"; "presence";
  "carbons"; "pep"; "blocklist"; "vcard_legacy"; "smacks"; "stanza_debug" }
modules_disabled = { "s2s"; "offline" }
c2s_require_encryption = true
allow_unencrypted_plain_auth = false
allow_registration = false
authentication = "internal_plain"
storage = "internal"
log = {
  { levels = { min = "info" }, to = "console" };
  { levels = { min = "debug" }, to = "file", filename = ${path(join(dir, 'debug.log'))} };
}

VirtualHost "${domain}"

Component "proxy.${domain}" "proxy65"
  proxy65_address = "127.0.0.1"
  proxy65_acl = { "${domain}" }
`,
  );
  for (const [username, password] of Object.entries(users)) {
    // Writes to data_path only: no namespace needed.
    const result = spawnSync(PROSODYCTL, ['--config', config, 'register', username, domain, password], {
      cwd: dir,
      timeout: 15_000,
      encoding: 'utf8',
    });
    if (result.status !== 0)
      throw new Error(`prosodyctl register ${username} failed: ${result.stdout}${result.stderr}`);
  }
  const server = netns.spawn(PROSODY, ['--config', config, '-F'], { cwd: dir });
  try {
    await printed(
      server,
      new RegExp(`Activated service 'c2s' on \\[127\\.0\\.0\\.1\\]:${C2S_PORT}`),
      20_000,
      'prosody c2s',
    );
    await printed(
      server,
      new RegExp(`Activated service 'proxy65' on \\[127\\.0\\.0\\.1\\]:${PROXY65_PORT}`),
      10_000,
      'prosody proxy65',
    );
  } catch (error) {
    await stopRun(server);
    throw error;
  }
  return {
    kind: 'Prosody',
    domain,
    proxyJid: `proxy.${domain}`,
    logTail: (chars = 4_000) => tails(server, chars),
    stop: () => stopRun(server),
  };
}
