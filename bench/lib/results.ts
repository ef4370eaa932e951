// The benchmark's results as data: what report.ts renders and results.json keeps.
import type { MeasureName, MetricDef, Sample } from '../measure/types.js';

export interface TargetResult {
  name: string;
  label: string;
  samples: Sample[];
  errors: string[];
}

export interface CaseResult {
  id: string;
  measure: MeasureName;
  title: string;
  short: string;
  method: string;
  metrics: readonly MetricDef[];
  chartMetric: string;
  /** Set when the case applies to some servers only (Ferry's end-to-end runs). */
  servers?: readonly string[];
  targets: TargetResult[];
}

export interface ServerInfo {
  name: string;
  label: string;
  notes: readonly string[];
  /** Why it did not run (not installed, failed to start). */
  skipped?: string;
}

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** 1-minute load average when the run started: other work on the machine skews every number. */
  loadAverageAtStart: number;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  mode: 'quick' | 'full';
  repetitions: number;
  commit: string;
  machine: MachineInfo;
  servers: ServerInfo[];
  cases: CaseResult[];
}
