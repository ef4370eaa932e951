// What every benchmarked server looks like to the measurements: a private instance on loopback
// with its c2s port, its XEP-0065 proxy, its accounts, and the pid whose CPU and RSS we read.
import type { Account, Endpoint } from '../client/connection.js';
import type { MeasureName } from '../measure/types.js';

export type ServerName = 'ferry' | 'prosody' | 'ejabberd' | 'ferry-cluster';

export interface Streamhost {
  /** The proxy component's JID, e.g. proxy.localhost. */
  jid: string;
  host: string;
  port: number;
}

export interface BenchServer {
  readonly name: ServerName;
  /** Name and version for the report: "Prosody 0.12.3". */
  readonly label: string;
  readonly endpoint: Endpoint;
  /** Where the receiving sessions log in, when not `endpoint`: another node of a cluster. */
  readonly receiverEndpoint?: Endpoint;
  readonly proxy: Streamhost;
  /** Every process doing the work when there are several (a cluster's nodes): costs are summed. */
  readonly pids?: readonly number[];
  /** Only these measures run against it (a cluster runs the cross-node rows only). */
  readonly measures?: readonly MeasureName[];
  /** The process doing the work (for ejabberd the beam.smp under ejabberdctl); changes on restart(). */
  readonly pid: number;
  readonly logFile: string;
  readonly accounts: readonly Account[];
  /** XEP-0363 HTTP File Upload as configured for this instance (the measure still discovers it by disco). */
  readonly upload: UploadSetup;
  /** How this instance deviates from the package defaults, for the report. */
  readonly notes: readonly string[];
  /** Replaces the process with a fresh one on the same config, data and ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface UploadSetup {
  /** The HTTPS port the upload slots point at (loopback). */
  httpsPort: number;
  /**
   * Where the server stores uploaded files: the measure deletes the files under it after each run,
   * since XEP-0363 has no delete and a full run uploads tens of GiB. Undefined when unknown.
   */
  storeDir: string | undefined;
}

export interface StartOptions {
  /** A private directory for config, data and logs. */
  dir: string;
  /** The repository root (for Ferry's sources). */
  repoRoot: string;
  accountCount: number;
  log: (line: string) => void;
  /** Ferry only: run dist/cli/main.js (after `npm run build`) instead of src/ through tsx. */
  ferryFromDist?: boolean;
  /** Ferry only: profile the server with node --cpu-prof into this directory. */
  ferryCpuProfileDir?: string | undefined;
  /** Prosody only: network_default_read_size (Prosody's default, 4096, when absent). */
  prosodyReadSize?: number;
}

export interface ServerDefinition {
  readonly name: ServerName;
  /** undefined when it can run here; otherwise why not (e.g. "prosody is not installed"). */
  unavailableReason(): string | undefined;
  start(options: StartOptions): Promise<BenchServer>;
}

export function benchAccounts(count: number): Account[] {
  return Array.from({ length: count }, (_, index) => ({
    username: `bench${index}`,
    password: `bench-password-${index}`,
  }));
}

export const DOMAIN = 'localhost';
export const PROXY_JID = `proxy.${DOMAIN}`;
/** The upload component's JID on every server (Prosody's Component, ejabberd's mod_http_upload host). */
export const UPLOAD_JID = `upload.${DOMAIN}`;
/** The largest upload the servers are configured to accept: above the measure's 1 GiB. */
export const UPLOAD_SIZE_LIMIT = 2 * 1024 * 1024 * 1024;
/** Per-user and global quotas are set to this (1 TiB): a full run uploads ~20 GiB per server. */
export const UPLOAD_QUOTA = 1024 * 1024 * 1024 * 1024;
