// Medians with their range: what the report prints for every metric.
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

/** 3 significant digits, no exponent: 1234 → "1234", 12.345 → "12.3", 0.01234 → "0.0123". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toString();
  if (magnitude === 0) return '0';
  const decimals = Math.max(0, 2 - Math.floor(Math.log10(magnitude)));
  return value.toFixed(Math.min(decimals, 4));
}

/** "412 (398–430)", or just "412" for one sample. */
export function formatSummary(summary: Summary): string {
  if (summary.n === 0) return '–';
  const median = formatNumber(summary.median);
  if (summary.n === 1 || summary.min === summary.max) return median;
  return `${median} (${formatNumber(summary.min)}–${formatNumber(summary.max)})`;
}
