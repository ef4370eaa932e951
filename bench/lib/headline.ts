// The headline: one row per key number, the three servers side by side, and the targets
// for Ferry checked against the medians (ratio to a named target, or an absolute bound).
import { formatNumber, formatSummary, summarize, type Summary } from './stats.js';
import type { BenchResults, CaseResult } from './results.js';

type Goal =
  { kind: 'ratio'; of: string; ofLabel: string; factor: number } | { kind: 'max'; value: number; unit: string };

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

function goalCells(result: CaseResult, metric: string, goal: Goal | undefined): [string, string] {
  if (!goal) return ['', ''];
  const ferry = summaryOf(result, 'ferry', metric);
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
      const [goal, met] = goalCells(result, metric.key, row.goal);
      const cells = servers.map((name) => cell(result, name, metric.key));
      lines.push(`| ${result.short}: ${metric.label} | ${cells.join(' | ')} | ${goal} | ${met} |`);
    }
  }
  return lines.join('\n');
}
