// `npm run bench`: Ferry beside Prosody and ejabberd. Starts each installed server as a private
// loopback instance, runs the chosen measurements with one load generator, interleaving the
// targets within each repetition (A B C A B C …), then writes bench/results/ and, for full runs,
// the README's Benchmarks section. Never part of `npm test` or CI. See bench/README.md.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { killAllChildrenNow } from './lib/child.js';
import { parseOptions, USAGE, type BenchOptions } from './lib/options.js';
import { isAlive } from './lib/proc-stats.js';
import { writeResults } from './lib/report.js';
import type { BenchResults, CaseResult, MachineInfo, TargetResult } from './lib/results.js';
import { Scope } from './lib/scope.js';
import { formatNumber } from './lib/stats.js';
import { ibbCases } from './measure/ibb.js';
import { idleCases } from './measure/idle.js';
import { loginCases } from './measure/logins.js';
import { messageCases } from './measure/messages.js';
import { relayCases } from './measure/relay.js';
import { e2eCases } from './measure/e2e.js';
import { uploadCases } from './measure/http-upload.js';
import { FULL_SIZES, QUICK_SIZES, type Sizes } from './measure/sizes.js';
import type { CaseDef, MeasureName, RunContext, Sample, Target } from './measure/types.js';
import { startServers } from './servers/index.js';
import { ferryEntry } from './servers/ferry.js';
import { startMinimalRelay, type MinimalRelay } from './servers/minimal-relay-process.js';
import type { BenchServer } from './servers/types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PAUSE_BETWEEN_RUNS_MS = 500;

function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

const CASES: Record<MeasureName, (sizes: Sizes) => CaseDef[]> = {
  relay: relayCases,
  ibb: ibbCases,
  messages: messageCases,
  logins: loginCases,
  idle: idleCases,
  e2e: e2eCases,
  upload: uploadCases,
};

function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown CPU',
    cpus: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Read-only: the commit and whether the work tree differs from it (no index refresh, no lock). */
function commitInfo(): string {
  try {
    const git = (args: string[]): string =>
      execFileSync('git', ['--no-optional-locks', ...args], {
        cwd: repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    const commit = git(['rev-parse', '--short', 'HEAD']);
    return git(['status', '--porcelain', '--untracked-files=no']) ? `${commit} + local changes` : commit;
  } catch {
    return 'unknown';
  }
}

function targetsFor(definition: CaseDef, servers: readonly BenchServer[], relay: MinimalRelay | undefined): Target[] {
  const targets: Target[] = servers
    .filter((server) => !definition.servers || definition.servers.includes(server.name))
    .filter((server) => !server.measures || server.measures.includes(definition.measure))
    .map((server) => ({
      name: server.name,
      label: server.label,
      // A getter: the pid changes when a fresh-server case restarts it.
      get pid() {
        return server.pid;
      },
      server,
    }));
  if (definition.references.includes('node-relay') && relay) {
    targets.push({ name: 'node-relay', label: 'minimal Node relay', pid: relay.pid, relayPort: relay.port });
  }
  if (definition.references.includes('direct')) targets.push({ name: 'direct', label: 'direct loopback TCP' });
  return targets;
}

/** One run with its deadline; everything it opened is closed afterwards. */
interface Environment {
  workDir: string;
  ferryFromDist: boolean;
}

/** Runs `work` with a deadline; everything it opened is closed afterwards. */
async function withDeadline<T>(
  deadlineMs: number,
  environment: Environment,
  work: (context: RunContext) => Promise<T>,
): Promise<T> {
  const scope = new Scope();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      scope.dispose();
      reject(new Error(`no result within the deadline of ${Math.round(deadlineMs / 1000)} s`));
    }, deadlineMs);
  });
  try {
    const context: RunContext = {
      scope,
      log,
      repoRoot,
      workDir: environment.workDir,
      ferryEntry: ferryEntry(repoRoot, environment.ferryFromDist),
    };
    return await Promise.race([work(context), deadline]);
  } finally {
    clearTimeout(timer);
    scope.dispose();
  }
}

/** One run: set-up once per target (before any restart), a fresh process if asked, then the case. */
async function runOnce(
  definition: CaseDef,
  target: Target,
  environment: Environment,
  prepared: Set<string>,
): Promise<Sample> {
  const prepare = definition.prepare;
  if (prepare && !prepared.has(target.name)) {
    await withDeadline(definition.deadlineMs, environment, (context) => prepare(target, context));
    prepared.add(target.name);
  }
  if (definition.freshServer && target.server) await target.server.restart();
  if (target.pid !== undefined && !isAlive(target.pid)) {
    throw new Error(`the process (pid ${target.pid}) is gone${target.server ? `; see ${target.server.logFile}` : ''}`);
  }
  return withDeadline(definition.deadlineMs, environment, (context) => definition.run(target, context));
}

async function measure(
  definitions: readonly CaseDef[],
  options: BenchOptions,
  servers: readonly BenchServer[],
  relay: MinimalRelay | undefined,
  environment: Environment,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const definition of definitions) {
    const targets = targetsFor(definition, servers, relay);
    const byName = new Map<string, TargetResult>(
      targets.map((target) => [target.name, { name: target.name, label: target.label, samples: [], errors: [] }]),
    );
    const chart = definition.metrics.find((metric) => metric.key === definition.chartMetric)!;
    const prepared = new Set<string>();
    log(`${definition.title}`);
    for (let repetition = 1; repetition <= options.repetitions; repetition += 1) {
      for (const target of targets) {
        const result = byName.get(target.name)!;
        try {
          const sample = await runOnce(definition, target, environment, prepared);
          result.samples.push(sample);
          log(
            `  ${repetition}/${options.repetitions} ${target.label}: ${formatNumber(sample[chart.key] ?? NaN)} ${chart.unit}`,
          );
        } catch (error) {
          const message = (error as Error).message.split('\n')[0]!;
          result.errors.push(message);
          log(`  ${repetition}/${options.repetitions} ${target.label}: FAILED ${message}`);
        }
        await sleep(PAUSE_BETWEEN_RUNS_MS);
      }
    }
    results.push({
      id: definition.id,
      measure: definition.measure,
      title: definition.title,
      short: definition.short,
      method: definition.method,
      metrics: definition.metrics,
      chartMetric: definition.chartMetric,
      ...(definition.servers ? { servers: definition.servers } : {}),
      targets: [...byName.values()],
    });
  }
  return results;
}

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2), join(repoRoot, 'bench/results'));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const sizes = options.isQuick ? QUICK_SIZES : FULL_SIZES;
  const definitions = options.measures.flatMap((name) => CASES[name](sizes));
  const startedAt = new Date().toISOString();
  // What is measured is the tree as the run starts (edits made while it runs are not in it).
  const commit = commitInfo();
  const machine = machineInfo();
  if (machine.loadAverageAtStart > machine.cpus / 2) {
    log(
      `warning: load average ${machine.loadAverageAtStart} on ${machine.cpus} CPUs: other work will skew the numbers`,
    );
  }
  const baseDir = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  log(`temp dir ${baseDir}; ${options.isQuick ? 'quick' : 'full'} mode, ${options.repetitions} repetition(s)`);
  let servers: BenchServer[] = [];
  let relay: MinimalRelay | undefined;
  let isClean = false;
  try {
    const started = await startServers({
      names: options.servers,
      baseDir,
      repoRoot,
      accountCount: Math.max(20, sizes.loginConcurrency),
      ferryFromDist: options.ferryFromDist,
      ferryCpuProfileDir: options.ferryCpuProfileDir,
      prosodyReadSize: options.prosodyReadSize,
      log,
    });
    servers = started.running;
    if (servers.length === 0) throw new Error('no server could be started');
    if (definitions.some((definition) => definition.references.includes('node-relay'))) {
      relay = await startMinimalRelay(repoRoot);
    }
    const workDir = join(baseDir, 'work');
    mkdirSync(workDir);
    const cases = await measure(definitions, options, servers, relay, {
      workDir,
      ferryFromDist: options.ferryFromDist,
    });
    const results: BenchResults = {
      startedAt,
      finishedAt: new Date().toISOString(),
      mode: options.isQuick ? 'quick' : 'full',
      repetitions: options.repetitions,
      commit,
      machine,
      servers: started.info,
      cases,
    };
    const reportFile = writeResults(results, options.outDir, repoRoot, options.updateReadme);
    log(`report: ${reportFile}${options.updateReadme ? ' (README.md updated)' : ''}`);
    isClean =
      started.info.every((server) => !server.skipped?.startsWith('failed')) &&
      cases.every((result) => result.targets.every((target) => target.errors.length === 0));
    return 0;
  } finally {
    await relay?.stop();
    for (const server of servers) await server.stop();
    if (isClean && !options.keepTempDir) rmSync(baseDir, { recursive: true, force: true });
    else log(`kept ${baseDir} (server configs, data and logs)`);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the servers (their temp dir stays; see the first line)`);
    killAllChildrenNow();
    process.exit(130);
  });
}
process.on('unhandledRejection', (reason) => log(`warning: unhandled rejection: ${String(reason)}`));

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench failed: ${(error as Error).stack ?? String(error)}`);
    killAllChildrenNow();
    process.exit(1);
  },
);
