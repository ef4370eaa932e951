// Server configuration: one TOML file, validated at start-up; environment variables and CLI flags
// override it. A wrong key or value stops start-up with a message naming the key and what is
// allowed (ejabberd validates at load; Prosody only logs, which hides mistakes).
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { Jid } from '@ferry/protocol/jid';
import { clusterSection, clusterStorageIssue } from './cluster-config.js';

const host = z.string().min(1);
const port = z.number().int().min(0).max(65535);

const listener = (defaultPort: number, defaults: { enabled?: boolean } = {}) =>
  z
    .strictObject({
      enabled: z.boolean().default(defaults.enabled ?? true),
      host: host.default('127.0.0.1'),
      port: port.default(defaultPort),
      /** Refuse authentication until the stream is encrypted. Switch off only for loopback tests/benchmarks. */
      require_tls: z.boolean().default(true),
    })
    .prefault({});

export const configSchema = z.strictObject({
  domain: z.string().min(1).default('localhost'),
  /**
   * Accounts of this server allowed into the admin console (bare JIDs; a comma-separated string is
   * a list too, for FERRY_ADMINS and --set). The console ([modules.admin]) is on when this is not empty.
   */
  admins: z.preprocess(commaList, z.array(z.string())).default([]),
  data_dir: z.string().min(1).default('./data'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Human-readable lines; default: when stdout is a terminal. */
      pretty: z.boolean().optional(),
      /** Append JSON lines to this file instead of stdout; reopened on SIGHUP (log rotation). */
      file: z.string().min(1).optional(),
    })
    .prefault({}),
  c2s: listener(5222),
  c2s_direct_tls: listener(5223),
  http: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: host.default('127.0.0.1'),
      port: port.default(5280),
      https_port: port.default(5281),
      https_enabled: z.boolean().default(true),
      websocket_path: z.string().startsWith('/').default('/xmpp-websocket'),
      /** Applies to WebSocket streams on the plain HTTP port; the HTTPS port is always secure. */
      require_tls: z.boolean().default(true),
      /**
       * The base URL clients reach the HTTPS listener at (behind a reverse proxy: the proxy's
       * address), used in links handed to clients such as upload slots. Default: https://domain:https_port.
       */
      public_url: z.url({ protocol: /^https?$/ }).optional(),
    })
    .prefault({}),
  tls: z
    .strictObject({
      /** PEM files; when both are absent a self-signed pair is generated under data_dir/tls. */
      cert_file: z.string().optional(),
      key_file: z.string().optional(),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Large enough for an IBB block of 65535 bytes (87,380 base64 characters) plus envelope. */
      max_stanza_bytes: z.number().int().min(10_000).default(262_144),
      auth_timeout_seconds: z.number().positive().default(30),
      /** A TLS handshake (direct TLS, STARTTLS, HTTPS/WSS) not done by then is dropped. */
      tls_handshake_timeout_seconds: z.number().positive().max(600).default(10),
      /** An HTTP request (or WebSocket upgrade) whose headers have not all arrived by then is dropped. */
      http_headers_timeout_seconds: z.number().positive().max(600).default(30),
      /**
       * An HTTP connection with no bytes moving either way for this long is closed: a stalled upload
       * body, a download nobody reads, an idle keep-alive. There is no cap on a whole request, so a
       * slow but moving upload of a large file is never cut off.
       */
      http_idle_timeout_seconds: z.number().positive().max(3_600).default(60),
      /**
       * Client streams at once (c2s, direct TLS and WebSocket together). Past it, new ones are
       * refused with resource-constraint (WebSocket upgrades: HTTP 503). Prosody and ejabberd stop
       * only at the descriptor limit; keep this well below `ulimit -n`.
       */
      max_connections: z.number().int().min(1).default(10_000),
      /**
       * Streams not yet authenticated, in total: what a flood of idle or guessing connections can
       * take. Authenticated sessions do not count, so they are served whatever the flood.
       */
      max_unauthenticated_connections: z.number().int().min(1).default(1_000),
      /** Failed logins per connection before the stream is closed. */
      max_auth_failures: z.number().int().min(1).default(3),
      /**
       * Wait before the next login attempt from an address is checked, doubled per failure from
       * it (capped at 10 s); parallel connections from one address queue behind each other. The
       * same doubling applies per account across addresses.
       */
      auth_failure_delay_ms: z.number().int().min(0).default(250),
      /**
       * Failed logins per account (from every address together) within auth_failure_window_seconds;
       * past it, attempts for the account fail with temporary-auth-failure unchecked, except from
       * addresses it has logged in from before. Prosody's mod_limit_auth and ejabberd's
       * mod_fail2ban count per address only.
       */
      max_auth_failures_per_account: z.number().int().min(1).default(10),
      auth_failure_window_seconds: z.number().positive().default(600),
      /** Per-connection receive rate; 0 = unlimited. The default leaves IBB at full speed. */
      receive_rate_bytes_per_second: z
        .number()
        .int()
        .min(0)
        .default(10 * 1024 * 1024),
      receive_burst_bytes: z
        .number()
        .int()
        .min(0)
        .default(2 * 1024 * 1024),
      /**
       * Output a client has not read yet, per connection: past this many bytes the server stops
       * reading from it (so it cannot make more replies for itself) until the output drains.
       */
      output_pause_bytes: z
        .number()
        .int()
        .min(65_536)
        .default(1024 * 1024),
      /** Past this many unread bytes (others keep sending to it) the connection is closed: policy-violation. */
      output_max_bytes: z
        .number()
        .int()
        .min(65_536)
        .default(16 * 1024 * 1024),
    })
    .prefault({}),
  storage: z
    .strictObject({
      /**
       * `sqlite`: one file in data_dir (the default); `postgres`: a PostgreSQL database several
       * Ferry processes can share (needs postgres_url); `memory`: nothing survives a restart (tests, trials).
       */
      backend: z.enum(['sqlite', 'postgres', 'memory']).default('sqlite'),
      /**
       * postgres://user:password@host:5432/database (PGPASSWORD or ~/.pgpass may supply the
       * password instead). The message for a bad value never repeats it: it may hold a password.
       */
      postgres_url: z
        .string()
        .refine(isPostgresUrl, { error: 'must be a URL like postgres://user:password@host:5432/database' })
        .optional(),
      /** Connections each process keeps open at most. */
      postgres_pool_size: z.number().int().min(1).max(1000).default(10),
      /** Opening a connection (TCP, TLS, authentication) that takes longer fails. */
      postgres_connect_timeout_seconds: z.number().positive().max(600).default(10),
      /** A statement, or a wait for a lock, that takes longer is cancelled and fails. */
      postgres_statement_timeout_seconds: z.number().positive().max(3_600).default(30),
    })
    .superRefine((storage, context) => {
      if (storage.backend === 'postgres' && storage.postgres_url === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['postgres_url'],
          message: 'required when storage.backend is "postgres" (postgres://user:password@host:5432/database)',
        });
      }
    })
    .prefault({}),
  scram_iterations: z.number().int().min(4096).default(4096),
  tuning: z
    .strictObject({
      /**
       * After a client read, keep polling instead of sleeping for this long, so an answer that
       * comes back quickly skips the CPU wake-up (see transport/busy-poll.ts); 0 = off.
       */
      busy_poll_microseconds: z.number().int().min(0).max(10_000).default(100),
    })
    .prefault({}),
  /** Several nodes serving one domain (docs/cluster.md); needs storage.backend = "postgres". */
  cluster: clusterSection,
  /** Per-module options, validated by each module's own schema at start-up. */
  modules: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});

export type Config = z.infer<typeof configSchema>;

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.host !== '';
  } catch {
    return false;
  }
}
export type ConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Formats zod issues as `key.path: problem` lines, with the allowed values when zod knows them. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: string[] = []): string {
  return issues
    .map((issue) => {
      const path = [...prefix, ...issue.path.map(String)].join('.') || '(top level)';
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((key) => [path === '(top level)' ? '' : `${path}.`, key].join(''));
        return `${keys.join(', ')}: unknown key`;
      }
      return `${path}: ${issue.message}`;
    })
    .join('\n');
}

export interface LoadConfigOptions {
  file?: string;
  /** Nested values as in the TOML file, applied over it (a library caller's config). */
  values?: ConfigInput;
  env?: NodeJS.ProcessEnv;
  /** Dotted keys from the command line, e.g. { 'c2s.port': '5333' }. */
  overrides?: Record<string, string | number | boolean>;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  let raw: Record<string, unknown> = {};
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${options.file}: ${(error as Error).message}`);
    }
    try {
      raw = parseToml(text) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`${options.file}: ${(error as Error).message}`);
    }
  }
  if (options.values) raw = mergeDeep(raw, options.values as Record<string, unknown>);
  for (const [key, value] of Object.entries(envOverrides(options.env ?? {}))) setPath(raw, key, value);
  for (const [key, value] of Object.entries(options.overrides ?? {})) setPath(raw, key, coerce(value));
  const parsed = configSchema.superRefine(checkAdmins).safeParse(raw);
  const where = options.file ? ` in ${options.file}` : '';
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration${where}:\n${describeIssues(parsed.error.issues)}`);
  }
  const clusterIssue = clusterStorageIssue(parsed.data);
  if (clusterIssue !== undefined) throw new ConfigError(`invalid configuration${where}:\n${clusterIssue}`);
  return parsed.data;
}

/** 'a, b' → ['a', 'b'], for list keys given as one environment variable or --set value. */
function commaList(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Admins are accounts of this server, so a typo or another server's user cannot become one. */
function checkAdmins(config: Config, context: z.RefinementCtx): void {
  const domain = Jid.tryParse(config.domain)?.domain;
  config.admins.forEach((entry, index) => {
    const jid = Jid.tryParse(entry);
    if (jid && jid.local !== '' && jid.isBare && jid.domain === domain) return;
    context.addIssue({
      code: 'custom',
      path: ['admins', index],
      message: `"${entry}" is not a bare JID of this server (user@${config.domain})`,
    });
  });
}

/** FERRY_C2S_PORT=5333 → c2s.port; FERRY_DATA_DIR → data_dir; FERRY_MODULES__PROXY65__PORT → modules.proxy65.port. */
function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const sections = new Set(Object.keys(configSchema.shape));
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('FERRY_') || value === undefined) continue;
    const rest = name.slice('FERRY_'.length).toLowerCase();
    if (rest.includes('__')) {
      out[rest.split('__').join('.')] = coerce(value);
      continue;
    }
    if (sections.has(rest)) {
      out[rest] = coerce(value);
      continue;
    }
    // Longest section first: FERRY_C2S_DIRECT_TLS_PORT is c2s_direct_tls.port, not c2s.direct_tls_port.
    const section = [...sections].sort((a, b) => b.length - a.length).find((s) => rest.startsWith(`${s}_`));
    if (section) out[`${section}.${rest.slice(section.length + 1)}`] = coerce(value);
  }
  return out;
}

/** Plain objects merge key by key; anything else (numbers, strings, arrays) replaces. */
function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? mergeDeep(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function coerce(value: string | number | boolean): unknown {
  if (typeof value !== 'string') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}
