// Ferry as a private instance: a generated TOML config (no TLS required on c2s, no receive-rate
// limit, log level warn, proxy65 on a free loopback port, HTTP and HTTPS on free loopback ports
// with a self-signed certificate, the XEP-0363 upload module with its limits raised when this
// build has one), accounts made with `ferry adduser`, then `ferry server` run from the sources
// through tsx (or from dist/ with --ferry-dist).
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePorts, LOOPBACK } from '../lib/ports.js';
import { mapLimit } from '../lib/map-limit.js';
import { runCommand, spawnLogged } from '../lib/child.js';
import { launchUntilReady } from './ready.js';
import { ProcessSlot, type Launched } from './process-slot.js';
import { writeSelfSignedCertificate } from './tls.js';
import {
  DOMAIN,
  PROXY_JID,
  UPLOAD_QUOTA,
  UPLOAD_SIZE_LIMIT,
  benchAccounts,
  type BenchServer,
  type ServerDefinition,
  type StartOptions,
} from './types.js';

/** How node runs the ferry CLI: from src/ through tsx, or the build in dist/. */
export function ferryEntry(repoRoot: string, fromDist: boolean | undefined): string[] {
  return fromDist
    ? [join(repoRoot, 'dist/cli/main.js')]
    : ['--conditions=ferry-source', '--import', 'tsx', join(repoRoot, 'src/cli/main.ts')];
}

/** dist/ older than src/ measures old code (and may lack commands): say so before spending minutes. */
function warnIfStale(repoRoot: string, log: (line: string) => void): void {
  const built = join(repoRoot, 'dist/cli/main.js');
  if (!existsSync(built)) throw new Error(`${built} does not exist: run \`npm run build\` first`);
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  if (newest(join(repoRoot, 'src')) > statSync(built).mtimeMs) {
    log('ferry: warning: dist/ is older than src/; run `npm run build` or drop --ferry-dist');
  }
}

/** The environment without FERRY_* variables, which would override the generated config. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FERRY_')));
}

/**
 * Ferry's XEP-0363 module and the options the benchmark raises: the one place their names live.
 * Sizes are bytes; quotas get 1 TiB rather than 0, which is safe whether 0 means "unlimited" or
 * "nothing". Keys this build's module does not know or refuses at these values are left out (and
 * named in the report), so a rename makes the upload rows fail visibly instead of stopping Ferry
 * from starting at all.
 */
export const FERRY_UPLOAD_MODULE = 'http_upload';
export const FERRY_UPLOAD_OPTIONS: Readonly<Record<string, number>> = {
  max_file_size: UPLOAD_SIZE_LIMIT,
  daily_quota_bytes: UPLOAD_QUOTA,
  user_quota_bytes: UPLOAD_QUOTA,
  global_quota_bytes: UPLOAD_QUOTA,
};
/** Where the filesystem blob store keeps the bytes, relative to data_dir. */
export const FERRY_UPLOAD_STORE = 'uploads';

/** The part of a zod safeParse result used here (the bench does not depend on the module's types). */
interface SafeParseLike {
  success: boolean;
  error?: { issues: readonly { code: string; path: readonly PropertyKey[]; keys?: readonly string[] }[] };
}

interface UploadModuleConfig {
  options: Record<string, number>;
  /** FERRY_UPLOAD_OPTIONS keys the module's schema does not have or refuses at these values. */
  ignored: string[];
}

/**
 * The upload options to write, or undefined when this build has no upload module: Ferry refuses to
 * start with a [modules.NAME] section for a module it does not know, which would fail every measure.
 */
export async function uploadModuleConfig(
  repoRoot: string,
  fromDist: boolean | undefined,
  log: (line: string) => void,
): Promise<UploadModuleConfig | undefined> {
  const file = join(repoRoot, fromDist ? 'dist/server/modules/index.js' : 'src/server/modules/index.ts');
  let modules: readonly { name: string; options?: unknown }[] | undefined;
  try {
    ({ builtinModules: modules } = (await import(pathToFileURL(file).href)) as {
      builtinModules?: readonly { name: string; options?: unknown }[];
    });
  } catch (error) {
    log(`ferry: could not list the built-in modules from ${file}: ${(error as Error).message}`);
    return undefined;
  }
  const definition = modules?.find((module) => module.name === FERRY_UPLOAD_MODULE);
  if (!definition) return undefined;
  // Ask the module's own schema (whatever wraps it): drop the keys it does not know or refuses.
  const schema = definition.options as { safeParse?: (value: unknown) => SafeParseLike } | undefined;
  const options: Record<string, number> = { ...FERRY_UPLOAD_OPTIONS };
  const ignored: string[] = [];
  for (let attempt = 0; schema?.safeParse && attempt < 3; attempt += 1) {
    const result = schema.safeParse(options);
    if (result.success) break;
    const refused = new Set(
      (result.error?.issues ?? []).flatMap((issue) =>
        issue.code === 'unrecognized_keys' ? (issue.keys ?? []) : issue.path.slice(0, 1).map(String),
      ),
    );
    const ours = [...refused].filter((key) => key in options);
    if (ours.length === 0) break; // something else is wrong: Ferry will say what at start-up
    for (const key of ours) delete options[key];
    ignored.push(...ours);
  }
  if (ignored.length > 0) {
    log(`ferry: warning: modules.${FERRY_UPLOAD_MODULE} does not take ${ignored.join(', ')} as set here; left out`);
  }
  return { options, ignored };
}

/** One `ferry server` process as the benchmark runs it; a cluster node adds its keys (`extraToml`). */
export interface FerryInstance {
  readonly endpoint: { host: string; port: number; domain: string };
  readonly proxyPort: number;
  readonly httpsPort: number;
  readonly dataDir: string;
  readonly logFile: string;
  readonly accounts: ReturnType<typeof benchAccounts>;
  readonly upload: UploadModuleConfig | undefined;
  readonly slot: ProcessSlot;
}

export async function startFerryInstance(
  options: StartOptions,
  variant: { extraToml?: readonly string[]; createAccounts?: boolean } = {},
): Promise<FerryInstance> {
  const { dir, repoRoot, log } = options;
  mkdirSync(dir, { recursive: true });
  const {
    c2s: c2sPort,
    proxy: proxyPort,
    http: httpPort,
    https: httpsPort,
  } = await freePorts(['c2s', 'proxy', 'http', 'https']);
  const { certFile, keyFile } = await writeSelfSignedCertificate(dir);
  const upload = await uploadModuleConfig(repoRoot, options.ferryFromDist, log);
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'ferry.toml');
  const logFile = join(dir, 'ferry.log');
  writeFileSync(
    configFile,
    [
      `domain = "${DOMAIN}"`,
      `data_dir = "${dataDir}"`,
      '',
      '[log]',
      'level = "warn"',
      'pretty = false',
      '',
      '[c2s]',
      `host = "${LOOPBACK}"`,
      `port = ${c2sPort}`,
      'require_tls = false',
      '',
      '[c2s_direct_tls]',
      'enabled = false',
      '',
      // HTTPS for XEP-0363 upload slots (plain HTTP cannot be switched off on its own).
      '[http]',
      'enabled = true',
      `host = "${LOOPBACK}"`,
      `port = ${httpPort}`,
      `https_port = ${httpsPort}`,
      '',
      '[tls]',
      `cert_file = "${certFile}"`,
      `key_file = "${keyFile}"`,
      '',
      '[limits]',
      'receive_rate_bytes_per_second = 0',
      // The idle measure holds 10,000 sessions, the default limits.max_connections, plus its probes.
      'max_connections = 20000',
      '',
      // In-band registration creates the idle measure's 10,000 accounts (adduser takes ~1 s each).
      '[modules.register]',
      'enabled = true',
      '',
      '[modules.proxy65]',
      `host = "${LOOPBACK}"`,
      `port = ${proxyPort}`,
      // 100 concurrent transfers are 200 pending SOCKS5 connections from 127.0.0.1.
      'max_pending_per_address = 1000',
      '',
      ...(variant.extraToml ?? []),
      '',
      ...(upload
        ? [
            `[modules.${FERRY_UPLOAD_MODULE}]`,
            'enabled = true',
            ...Object.entries(upload.options).map(([key, value]) => `${key} = ${value}`),
            '',
          ]
        : []),
    ].join('\n'),
  );
  const entry = ferryEntry(repoRoot, options.ferryFromDist);
  if (options.ferryFromDist) warnIfStale(repoRoot, log);
  const env = cleanEnv();
  const accounts = benchAccounts(options.accountCount);
  if (variant.createAccounts !== false) {
    log(`ferry: creating ${accounts.length} accounts with \`ferry adduser\``);
    await mapLimit(accounts, 2, async (account) => {
      const result = await runCommand(
        process.execPath,
        [...entry, 'adduser', `${account.username}@${DOMAIN}`, '--password', account.password, '--config', configFile],
        { cwd: repoRoot, env, timeoutMs: 60_000 },
      );
      if (result.code !== 0) throw new Error(`ferry adduser ${account.username} failed: ${result.output}`);
    });
  }
  const endpoint = { host: LOOPBACK, port: c2sPort, domain: DOMAIN };
  const profileDir = options.ferryCpuProfileDir;
  const profileFlags = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const launch = async (): Promise<Launched> => {
    return launchUntilReady(
      () =>
        spawnLogged(process.execPath, [...profileFlags, ...entry, 'server', '--config', configFile], {
          cwd: repoRoot,
          env,
          logFile,
        }),
      endpoint,
      accounts[0]!,
      { name: 'ferry', logFile, timeoutMs: 30_000 },
    );
  };
  const slot = new ProcessSlot(await launch(), launch);
  return { endpoint, proxyPort, httpsPort, dataDir, logFile, accounts, upload, slot };
}

export const ferryServer: ServerDefinition = {
  name: 'ferry',
  unavailableReason: () => undefined,
  async start(options: StartOptions): Promise<BenchServer> {
    const { endpoint, proxyPort, httpsPort, dataDir, logFile, accounts, upload, slot } =
      await startFerryInstance(options);
    const { repoRoot } = options;
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    return {
      name: 'ferry',
      label: `Ferry ${version}`,
      endpoint,
      proxy: { jid: PROXY_JID, host: LOOPBACK, port: proxyPort },
      get pid() {
        return slot.pid;
      },
      logFile,
      accounts,
      upload: { httpsPort, storeDir: upload ? join(dataDir, FERRY_UPLOAD_STORE) : undefined },
      notes: [
        'c2s.require_tls = false (plain TCP, SCRAM-SHA-1)',
        'limits.receive_rate_bytes_per_second = 0 (default 10 MiB/s per connection)',
        'limits.max_connections = 20000 (default 10000)',
        'modules.proxy65.max_pending_per_address = 1000 (default 20)',
        "modules.register.enabled = true (in-band registration, for the idle measure's accounts)",
        upload
          ? `modules.${FERRY_UPLOAD_MODULE}: ${Object.entries(upload.options)
              .map(([key, value]) => `${key} = ${value}`)
              .join(
                ', ',
              )}${upload.ignored.length > 0 ? ` (left out, not accepted by this build: ${upload.ignored.join(', ')})` : ''}; ` +
            'http.https_port on loopback with a self-signed ECDSA P-256 certificate (tls.cert_file)'
          : `no modules.${FERRY_UPLOAD_MODULE} in this build (no XEP-0363 upload)`,
        options.ferryFromDist
          ? 'run from dist/ (node dist/cli/main.js)'
          : 'run from src/ through tsx (node --import tsx)',
      ],
      restart: () => slot.restart(),
      stop: () => slot.stop(),
    };
  },
};
