// What every benchmarked server looks like to the measurements: a private instance on loopback
// with its c2s port, its XEP-0065 proxy, its accounts, and the pid whose CPU and RSS we read.
import type { Account, Endpoint } from '../client/connection.js';

export type ServerName = 'ferry' | 'prosody' | 'ejabberd';

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
  readonly proxy: Streamhost;
  /** The process doing the work (for ejabberd the beam.smp under ejabberdctl); changes on restart(). */
  readonly pid: number;
  readonly logFile: string;
  readonly accounts: readonly Account[];
  /** How this instance deviates from the package defaults, for the report. */
  readonly notes: readonly string[];
  /** Replaces the process with a fresh one on the same config, data and ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
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
