// The contract between the harness and a measurement: a case names its metrics and runs once
// against one target; the harness repeats it, interleaves the targets, and bounds each run.
import type { BenchServer, ServerName } from '../servers/types.js';
import type { Scope } from '../lib/scope.js';

export type MeasureName = 'relay' | 'ibb' | 'messages' | 'logins' | 'idle' | 'e2e' | 'upload';
export const MEASURE_NAMES: readonly MeasureName[] = ['relay', 'ibb', 'messages', 'logins', 'idle', 'e2e', 'upload'];

export type ReferenceName = 'node-relay' | 'direct';

/** Something a case runs against: one of the servers, or a reference (minimal relay, direct TCP). */
export interface Target {
  name: string;
  label: string;
  /** The process whose CPU and RSS are billed; none for direct TCP. */
  pid?: number;
  server?: BenchServer;
  /** Port of the minimal Node relay. */
  relayPort?: number;
}

export interface MetricDef {
  key: string;
  label: string;
  /** For the chart's axis and the tables: "MiB/s", "s/GiB". */
  unit: string;
  better: 'higher' | 'lower' | 'none';
}

export type Sample = Record<string, number>;

export interface RunContext {
  /** Closed after the run: everything the run opens goes in here. */
  scope: Scope;
  log(line: string): void;
  repoRoot: string;
  /** A scratch directory for files (measure 6), removed with the run's temp dir. */
  workDir: string;
  /** How to run the ferry CLI: [entry...] after process.execPath. */
  ferryEntry: readonly string[];
}

export interface CaseDef {
  id: string;
  measure: MeasureName;
  title: string;
  /** For the headline table: "Proxy relay, 1 GiB". */
  short: string;
  /** What is done and how it is counted, for the report. */
  method: string;
  metrics: readonly MetricDef[];
  /** The metric charted and quoted in the headline. */
  chartMetric: string;
  /** Only these servers (default: every running one). */
  servers?: readonly ServerName[];
  /** Once per target before its first run (e.g. creating accounts), outside the measured process's fresh start. */
  prepare?(target: Target, context: RunContext): Promise<void>;
  /** Restart each server before each run (memory measures start from a clean process). */
  freshServer?: boolean;
  /** Reference targets it also runs against, beside the servers. */
  references: readonly ReferenceName[];
  /** Upper bound for one run; past it the run is abandoned and recorded as failed. */
  deadlineMs: number;
  run(target: Target, context: RunContext): Promise<Sample>;
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export function sizeLabel(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}
