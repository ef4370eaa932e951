// The headline: one row per key number, the three servers side by side, and the targets
// for Ferry checked against the medians (ratio to a named target, or an absolute bound).
import { formatNumber, formatSummary, summarize, type Summary } from './stats.js';
import type { BenchResults, CaseResult } from './results.js';
import type { MetricDef } from '../measure/types.js';

type Goal =
  | { kind: 'ratio'; of: string; ofLabel: string; factor: number }
  | { kind: 'max'; value: number; unit: string }
  /** Better than the best of several targets, in the metric's own direction (higher or lower). */
  | { kind: 'ahead'; of: readonly string[]; ofLabel: string };

/** XEP-0363 uploads: ahead of the faster of Prosody and ejabberd, with memory flat while streaming. */
const AHEAD_OF_BOTH: Goal = { kind: 'ahead', of: ['prosody', 'ejabberd'], ofLabel: 'Prosody/ejabberd' };
/** "Flat": the peak RSS growth over a 1 GiB PUT + GET, and over 100 concurrent PUTs (100 TLS connections). */
// Not 0: a garbage-collected server's heap breathes while it streams (ejabberd: ~23 MiB over 1 GiB);
// buffering a file shows up as hundreds of MiB (Prosody: ~500 MiB for 100 × 4 MiB bodies it buffers).
export const UPLOAD_RSS_FLAT_SINGLE_MIB = 32;
export const UPLOAD_RSS_FLAT_CONCURRENT_MIB = 64;

interface HeadlineRow {
  caseId: string;
  /** A metric key, or a prefix ending in '*' for a family (kibPerConnection2000, …10000). */
  metric: string;
  goal?: Goal;
}

const ROWS: readonly HeadlineRow[] = [
  {
    caseId: 'relay-single',
    metric: 'mibps',
    goal: { kind: 'ratio', of: 'node-relay', ofLabel: 'minimal Node relay', factor: 0.9 },
  },
  { caseId: 'relay-single', metric: 'cpuPerGiB' },
  { caseId: 'relay-concurrent', metric: 'mibps' },
  { caseId: 'relay-concurrent', metric: 'fairness' },
  {
    caseId: 'ibb-4096-acked',
    metric: 'mibps',
    goal: { kind: 'ratio', of: 'ejabberd', ofLabel: 'ejabberd', factor: 2 },
  },
  {
    caseId: 'ibb-65535-window16',
    metric: 'mibps',
    goal: { kind: 'ratio', of: 'ejabberd', ofLabel: 'ejabberd', factor: 2 },
  },
  {
    caseId: 'messages-1-pair',
    metric: 'perSecond',
    goal: { kind: 'ratio', of: 'ejabberd', ofLabel: 'ejabberd', factor: 2 },
  },
  {
    caseId: 'messages-50-pairs',
    metric: 'perSecond',
    goal: { kind: 'ratio', of: 'ejabberd', ofLabel: 'ejabberd', factor: 2 },
  },
  { caseId: 'logins', metric: 'perSecond', goal: { kind: 'ratio', of: 'ejabberd', ofLabel: 'ejabberd', factor: 1.5 } },
  { caseId: 'idle', metric: 'kibPerConnection*', goal: { kind: 'max', value: 19, unit: 'KiB' } },
  { caseId: 'e2e-direct', metric: 'mibps' },
  { caseId: 'e2e-proxy', metric: 'mibps' },
  { caseId: 'e2e-ibb', metric: 'mibps' },
  { caseId: 'upload-single', metric: 'putMibps', goal: AHEAD_OF_BOTH },
  { caseId: 'upload-single', metric: 'getMibps', goal: AHEAD_OF_BOTH },
  {
    caseId: 'upload-single',
    metric: 'rssGrowthMiB',
    goal: { kind: 'max', value: UPLOAD_RSS_FLAT_SINGLE_MIB, unit: 'MiB' },
  },
  { caseId: 'upload-concurrent', metric: 'mibps', goal: AHEAD_OF_BOTH },
  { caseId: 'upload-concurrent', metric: 'fairness' },
  {
    caseId: 'upload-concurrent',
    metric: 'rssGrowthMiB',
    goal: { kind: 'max', value: UPLOAD_RSS_FLAT_CONCURRENT_MIB, unit: 'MiB' },
  },
];

const SERVER_ORDER = ['ferry', 'prosody', 'ejabberd'];

function summaryOf(result: CaseResult, target: string, metric: string): Summary | undefined {
  const found = result.targets.find((t) => t.name === target);
  if (!found) return undefined;
  return summarize(found.samples.map((sample) => sample[metric] ?? Number.NaN));
}

function cell(result: CaseResult, target: string, metric: string): string {
  const found = result.targets.find((t) => t.name === target);
  if (!found) return result.servers && !result.servers.includes(target) ? 'n/a' : 'not run';
  const summary = summaryOf(result, target, metric)!;
  if (summary.n === 0) return found.errors.length > 0 ? 'failed' : '–';
  return formatSummary(summary);
}

function goalCells(result: CaseResult, metricDef: MetricDef, goal: Goal | undefined): [string, string] {
  if (!goal) return ['', ''];
  const metric = metricDef.key;
  const ferry = summaryOf(result, 'ferry', metric);
  if (goal.kind === 'ahead') return aheadCells(result, metricDef, goal, ferry);
  if (goal.kind === 'max') {
    const text = `≤ ${goal.value} ${goal.unit}`;
    if (!ferry || ferry.n === 0) return [text, '–'];
    return [text, ferry.median <= goal.value ? 'yes' : '**no**'];
  }
  const reference = summaryOf(result, goal.of, metric);
  if (!reference || reference.n === 0) return [`≥ ${goal.factor} × ${goal.ofLabel}`, '–'];
  const threshold = reference.median * goal.factor;
  const text = `≥ ${goal.factor} × ${goal.ofLabel} = ${formatNumber(threshold)}`;
  if (!ferry || ferry.n === 0) return [text, '–'];
  const ratio = ferry.median / reference.median;
  return [text, `${ferry.median >= threshold ? 'yes' : '**no**'} (${formatNumber(ratio)} ×)`];
}

/** Ferry's median beyond the best median among `goal.of` (the highest, or the lowest for "lower is better"). */
function aheadCells(
  result: CaseResult,
  metric: MetricDef,
  goal: Extract<Goal, { kind: 'ahead' }>,
  ferry: Summary | undefined,
): [string, string] {
  const isLower = metric.better === 'lower';
  const rivals = goal.of
    .map((name) => ({ name, summary: summaryOf(result, name, metric.key) }))
    .filter((rival): rival is { name: string; summary: Summary } => rival.summary !== undefined && rival.summary.n > 0);
  const word = isLower ? 'lower' : 'higher';
  if (rivals.length === 0) return [`${word} than ${goal.ofLabel}`, '–'];
  const best = rivals.reduce((a, b) =>
    isLower ? (b.summary.median < a.summary.median ? b : a) : b.summary.median > a.summary.median ? b : a,
  );
  const label = result.targets.find((target) => target.name === best.name)?.label ?? best.name;
  const text = `${isLower ? '<' : '>'} best of ${goal.ofLabel} (${label}: ${formatNumber(best.summary.median)})`;
  if (!ferry || ferry.n === 0) return [text, '–'];
  const isMet = isLower ? ferry.median < best.summary.median : ferry.median > best.summary.median;
  return [text, `${isMet ? 'yes' : '**no**'} (${formatNumber(ferry.median / best.summary.median)} ×)`];
}

export function renderHeadline(results: BenchResults): string {
  const servers = SERVER_ORDER.filter((name) => results.servers.some((server) => server.name === name));
  const labels = servers.map((name) => results.servers.find((server) => server.name === name)!.label);
  const lines = [
    `| Measure | ${labels.join(' | ')} | Ferry target | Met |`,
    `| --- | ${servers.map(() => '---:').join(' | ')} | --- | --- |`,
  ];
  for (const row of ROWS) {
    const result = results.cases.find((c) => c.id === row.caseId);
    if (!result) continue;
    const metrics = result.metrics.filter((m) =>
      row.metric.endsWith('*') ? m.key.startsWith(row.metric.slice(0, -1)) : m.key === row.metric,
    );
    for (const metric of metrics) {
      const [goal, met] = goalCells(result, metric, row.goal);
      const cells = servers.map((name) => cell(result, name, metric.key));
      lines.push(`| ${result.short}: ${metric.label} | ${cells.join(' | ')} | ${goal} | ${met} |`);
    }
  }
  return lines.join('\n');
}
