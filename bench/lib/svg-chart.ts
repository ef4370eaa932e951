// One hand-written SVG per case: a horizontal bar per target at its median, a whisker for the
// min–max range, Ferry in blue, the other servers in grey, references (minimal relay, direct
// TCP) hatched lighter. No dependencies; renders on GitHub and in any browser.
import { formatNumber, summarize } from './stats.js';
import type { CaseResult } from './results.js';

const WIDTH = 720;
const LABEL_WIDTH = 190;
const VALUE_WIDTH = 150;
const ROW = 30;
const TOP = 46;

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function colour(name: string): string {
  if (name === 'ferry') return '#2b6cb0';
  if (name === 'ferry-cluster') return '#63b3ed';
  if (name === 'node-relay' || name === 'direct') return '#cbd5e0';
  return '#8a94a6';
}

export function renderChart(result: CaseResult): string {
  const metric = result.metrics.find((m) => m.key === result.chartMetric) ?? result.metrics[0]!;
  const rows = result.targets.map((target) => ({
    target,
    summary: summarize(target.samples.map((sample) => sample[metric.key] ?? Number.NaN)),
  }));
  const maxValue = Math.max(1e-9, ...rows.map((row) => (Number.isFinite(row.summary.max) ? row.summary.max : 0)));
  const barSpace = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const height = TOP + rows.length * ROW + 30;
  const scale = (value: number): number => (value / maxValue) * barSpace;
  const better = metric.better === 'higher' ? 'higher is better' : metric.better === 'lower' ? 'lower is better' : '';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="600">${escape(result.title)}</text>`,
    `<text x="10" y="38" fill="#4a5568">${escape(`${metric.label}${better ? ` (${better})` : ''}; bar = median, line = min–max`)}</text>`,
  ];
  rows.forEach(({ target, summary }, index) => {
    const y = TOP + index * ROW;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + 19}" text-anchor="end">${escape(target.label)}</text>`);
    if (summary.n === 0) {
      const reason = target.errors.length > 0 ? 'failed (see report)' : 'no data';
      parts.push(`<text x="${LABEL_WIDTH + 4}" y="${y + 19}" fill="#c53030">${reason}</text>`);
      return;
    }
    const width = Math.max(1, scale(summary.median));
    const fill = colour(target.name);
    parts.push(
      `<rect x="${LABEL_WIDTH}" y="${y + 5}" width="${width.toFixed(1)}" height="${ROW - 10}" fill="${fill}" rx="2"/>`,
    );
    if (summary.n > 1 && summary.max > summary.min) {
      const x1 = LABEL_WIDTH + scale(summary.min);
      const x2 = LABEL_WIDTH + scale(summary.max);
      const mid = y + ROW / 2;
      parts.push(
        `<path d="M${x1.toFixed(1)} ${mid}H${x2.toFixed(1)}M${x1.toFixed(1)} ${mid - 5}V${mid + 5}M${x2.toFixed(1)} ${mid - 5}V${mid + 5}" stroke="#1a202c" stroke-width="1.2" fill="none"/>`,
      );
    }
    const text = `${formatNumber(summary.median)} ${metric.unit}`.trim();
    const textX = LABEL_WIDTH + Math.max(width, scale(summary.max)) + 6;
    parts.push(`<text x="${textX.toFixed(1)}" y="${y + 19}">${escape(text)}</text>`);
  });
  parts.push(
    `<line x1="${LABEL_WIDTH}" y1="${TOP - 2}" x2="${LABEL_WIDTH}" y2="${TOP + rows.length * ROW}" stroke="#4a5568"/>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
