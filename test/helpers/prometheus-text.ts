// A strict parser of the Prometheus text exposition format 0.0.4, for tests: every line is a
// HELP, a TYPE or a sample; each sample belongs to a family whose TYPE came before it (histogram
// and summary samples may add _bucket/_sum/_count); names, labels, escapes and values are checked;
// a series appears once. It throws on the first line that breaks a rule, naming it.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const series = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the text must end with a newline');
  lines.forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') return;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      const [, keyword, name = '', rest = ''] = comment;
      if (!NAME.test(name)) fail('bad metric name');
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (family.samples.length > 0) fail(`${keyword} after the family's samples`);
      if (keyword === 'TYPE') {
        if (!TYPES.has(rest)) fail('unknown type');
        family.type = rest as Family['type'];
      } else {
        family.help = unescape(rest, false, fail);
      }
      families.set(name, family);
      return;
    }
    if (line.startsWith('#')) return; // other comments are allowed
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
    if (!match) return fail('not a sample');
    const [, name = '', labelText, valueText = ''] = match;
    const labels = labelText === undefined ? {} : parseLabels(labelText.slice(1, -1), fail);
    const value = parseValue(valueText, fail);
    const family = familyOf(families, name) ?? fail('sample without a TYPE before it');
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) fail('duplicate series');
    series.add(key);
    family.samples.push({ name, labels, value });
  });
  return families;
}

/** The value of one series, or undefined when it is absent. */
export function valueOf(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = familyOf(families, name);
  const sample = family?.samples.find(
    (candidate) =>
      candidate.name === name && Object.entries(labels).every(([label, value]) => candidate.labels[label] === value),
  );
  return sample?.value;
}

function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  const exact = families.get(name);
  if (exact) return exact;
  for (const [type, suffixes] of Object.entries(SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!name.endsWith(suffix)) continue;
      const family = families.get(name.slice(0, -suffix.length));
      if (family?.type === type) return family;
    }
  }
  return undefined;
}

function parseLabels(text: string, fail: (why: string) => never): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = /^([^=]+)="((?:[^"\\]|\\.)*)"(,?)/.exec(rest);
    if (!match) return fail('bad label set');
    const [whole, name = '', value = '', comma] = match;
    if (!LABEL_NAME.test(name)) fail(`bad label name ${name}`);
    if (name in labels) fail(`label ${name} twice`);
    labels[name] = unescape(value, true, fail);
    rest = rest.slice(whole.length);
    if (comma === '' && rest !== '') fail('labels not separated by commas');
  }
  return labels;
}

function unescape(text: string, isLabelValue: boolean, fail: (why: string) => never): string {
  return text.replace(/\\(.?)/g, (_, next: string) => {
    if (next === '\\') return '\\';
    if (next === 'n') return '\n';
    if (next === '"' && isLabelValue) return '"';
    return fail(`bad escape \\${next}`);
  });
}

function parseValue(text: string, fail: (why: string) => never): number {
  // The format writes NaN, +Inf, -Inf; Prometheus reads them with Go's ParseFloat, which ignores
  // case (prom-client writes an empty histogram's mean as "Nan").
  if (/^nan$/i.test(text)) return NaN;
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) fail('bad value');
  return Number(text);
}
