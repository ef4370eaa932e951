// Command-line options of `npm run bench`.
import { parseArgs } from 'node:util';
import { MEASURE_NAMES, type MeasureName } from '../measure/types.js';
import type { ServerName } from '../servers/types.js';

export const SERVER_NAMES: readonly ServerName[] = ['ferry', 'prosody', 'ejabberd', 'ferry-cluster'];
export const DEFAULT_MEASURES: readonly MeasureName[] = ['relay', 'ibb', 'messages', 'logins', 'idle', 'e2e', 'upload'];

export interface BenchOptions {
  isQuick: boolean;
  measures: MeasureName[];
  servers: ServerName[];
  repetitions: number;
  ferryFromDist: boolean;
  /** Where Ferry's server writes V8 CPU profiles (node --cpu-prof), when set. */
  ferryCpuProfileDir: string | undefined;
  /** Prosody's network_default_read_size; undefined keeps Prosody's default (4096). */
  prosodyReadSize: number | undefined;
  keepTempDir: boolean;
  /** Rewrite the README's bench section: default for full runs, opt-in for --quick. */
  updateReadme: boolean;
  outDir: string;
}

export const USAGE = `Usage: npm run bench -- [options]

  --quick                 1 repetition, smaller sizes (a few minutes)
  --only LIST             measures to run: ${MEASURE_NAMES.join(',')} (default: all)
  --servers LIST          servers to run: ${SERVER_NAMES.join(',')} (default: all that are installed)
  --reps N                repetitions (default 5, --quick 1)
  --ferry-dist            run Ferry from dist/ (npm run build first) instead of src/ through tsx
  --ferry-cpu-prof DIR    run Ferry's server under node --cpu-prof, profiles written to DIR when it stops
  --prosody-read-size N   set Prosody's network_default_read_size (default: Prosody's own, 4096)
  --readme / --no-readme  rewrite the Benchmarks section of README.md (default: yes, except with --quick)
  --out DIR               where report.md, results.json and the SVG charts go (default bench/results)
  --keep                  keep the temp dir with the servers' configs, data and logs
  --help
`;

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}" (one of ${allowed.join(', ')})`);
  }
  return items as T[];
}

export function parseOptions(argv: readonly string[], defaultOutDir: string): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      servers: { type: 'string' },
      reps: { type: 'string' },
      'ferry-dist': { type: 'boolean', default: false },
      'ferry-cpu-prof': { type: 'string' },
      'prosody-read-size': { type: 'string' },
      readme: { type: 'boolean' },
      'no-readme': { type: 'boolean' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const isQuick = values.quick === true;
  const repetitions = values.reps === undefined ? (isQuick ? 1 : 5) : Number(values.reps);
  if (!Number.isInteger(repetitions) || repetitions < 1 || repetitions > 50) {
    throw new Error(`--reps must be an integer from 1 to 50, got ${values.reps}`);
  }
  const readSize = values['prosody-read-size'];
  const prosodyReadSize = readSize === undefined ? undefined : Number(readSize);
  if (prosodyReadSize !== undefined && (!Number.isInteger(prosodyReadSize) || prosodyReadSize < 512)) {
    throw new Error(`--prosody-read-size must be an integer ≥ 512, got ${readSize}`);
  }
  return {
    isQuick,
    measures: list(values.only, MEASURE_NAMES, 'measure') ?? [...DEFAULT_MEASURES],
    servers: list(values.servers, SERVER_NAMES, 'server') ?? [...SERVER_NAMES],
    repetitions,
    ferryFromDist: values['ferry-dist'] === true,
    ferryCpuProfileDir: values['ferry-cpu-prof'],
    prosodyReadSize,
    keepTempDir: values.keep === true,
    updateReadme: values['no-readme'] ? false : (values.readme ?? !isQuick),
    outDir: values.out ?? defaultOutDir,
  };
}
