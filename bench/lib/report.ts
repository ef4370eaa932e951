// Writes bench/results/: report.md (setup, headline, one section per case with its table and
// chart), one SVG per case, and results.json with every sample; and rewrites the README section.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { formatSummary, summarize } from './stats.js';
import { renderChart } from './svg-chart.js';
import { renderHeadline } from './headline.js';
import type { BenchResults, CaseResult } from './results.js';

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

function modeText(results: BenchResults): string {
  const reps = `${results.repetitions} repetition${results.repetitions === 1 ? '' : 's'}`;
  return results.mode === 'quick' ? `quick mode (${reps}, reduced sizes)` : `full mode (${reps})`;
}

function caseTable(result: CaseResult): string {
  const header = `| Target | ${result.metrics.map((m) => m.label).join(' | ')} | runs |`;
  const rule = `| --- | ${result.metrics.map(() => '---:').join(' | ')} | ---: |`;
  const rows = result.targets.map((target) => {
    const cells = result.metrics.map((metric) =>
      formatSummary(summarize(target.samples.map((sample) => sample[metric.key] ?? Number.NaN))),
    );
    const runs = `${target.samples.length}${target.errors.length > 0 ? ` (+${target.errors.length} failed)` : ''}`;
    return `| ${target.label} | ${cells.join(' | ')} | ${runs} |`;
  });
  return [header, rule, ...rows].join('\n');
}

function caseSection(result: CaseResult): string {
  const errors = result.targets.flatMap((target) => target.errors.map((error) => `- ${target.label}: ${error}`));
  return [
    `### ${result.title}`,
    '',
    result.method,
    '',
    caseTable(result),
    '',
    `![${result.title}](${result.id}.svg)`,
    ...(errors.length > 0 ? ['', 'Failed runs:', '', ...errors] : []),
    '',
  ].join('\n');
}

const CAVEATS = [
  'Load generator and servers share the machine. On a 2-core box the client takes up to one core ' +
    'while the server under test takes the other; the "client CPU" columns show how close the client came ' +
    'to being the limit (client CPU ≈ wall time means it was).',
  'Prosody is single-threaded (Lua, epoll); Ferry runs its event loop on one thread (libuv adds threads ' +
    "for some crypto and file work); ejabberd's BEAM runs one scheduler per core and can use both, " +
    'competing with the load generator. CPU seconds add up all threads of the server process.',
  'All three servers run at the same time, idle while another is measured; targets are interleaved ' +
    '(Ferry, Prosody, ejabberd, Ferry, …) within each repetition so slow drifts hit all of them alike.',
  'Exchanges that wait for each answer (IBB 4096 ack-paced, logins) are bound by latency more than CPU: ' +
    "every hop waits for an idle CPU to wake, tens of microseconds on a virtual machine. ejabberd's BEAM " +
    'schedulers busy-wait before sleeping (its default), Ferry busy-polls for 100 µs after each client read ' +
    '(tuning.busy_poll_microseconds, its default; it backs off while its spins catch nothing), Prosody ' +
    'sleeps in epoll at once. The CPU columns include that spinning.',
  'Server CPU is read from /proc/PID/stat (utime + stime, clock ticks of 10 ms), RSS from /proc/PID/status.',
  '"direct" loopback TCP is bounded by the kernel copying in one process (source and sink are both the ' +
    'load generator), so it is a sanity line rather than a ceiling.',
  'Quick-mode numbers come from one repetition with smaller sizes: use them for a smoke check, not for claims.',
  "HTTP upload rows move every byte through TLS (loopback, the cipher each server negotiates with Node's " +
    'client, logged per run): server CPU includes the decryption (PUT) or encryption (GET), and the client ' +
    'pays the other side of it plus, for GETs, the SHA-256 that verifies the file.',
  "Prosody's HTTP connections read network_default_read_size (4096) per event-loop turn like its c2s, which " +
    'bounds its PUT rate (one quick run: 2.9 MiB/s, 20 MiB/s with --prosody-read-size 65536). Request bodies ' +
    'up to http_max_content_size (10 MiB, left at its default) are buffered in memory before ' +
    'mod_http_file_share sees them; larger ones are streamed to the file. So its RSS growth with 100 ' +
    'concurrent uploads depends on the file size: quick mode (4 MiB each) buffers them all, full mode (32 MiB) ' +
    'does not.',
  'Idle memory is read 3 s after the sessions were opened: a server that compacts idle sessions later (for ' +
    'example by hibernating their processes) would show less after a longer wait.',
];

export function renderReport(results: BenchResults): string {
  const { machine } = results;
  const servers = results.servers.map((server) =>
    server.skipped
      ? `- **${server.label}**: not measured — ${server.skipped}`
      : `- **${server.label}**: ${server.notes.join('; ')}.`,
  );
  return [
    '# Ferry benchmarks',
    '',
    `Generated by \`npm run bench\` (bench/run.ts) — ${modeText(results)}, ${results.startedAt} to ` +
      `${results.finishedAt}, commit ${results.commit}. Do not edit by hand; see bench/README.md.`,
    '',
    '## Setup',
    '',
    `- Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel}, Node ${machine.node}; ` +
      `load average ${machine.loadAverageAtStart} when the run started.`,
    '- Every server is a private instance under a temp dir, on 127.0.0.1 only, no TLS on the XMPP and SOCKS5 ' +
      'listeners (XEP-0363 uploads go over HTTPS, each instance with its own self-signed ECDSA P-256 ' +
      "certificate), with per-connection throttling off and upload size limits and quotas raised. The packaged defaults throttle: Prosody's Debian " +
      "config loads mod_limits (c2s limited to 10 kB/s per connection) and ejabberd's Debian config " +
      'applies c2s_shaper "normal" (3000 B/s per connection); Ferry\'s own default is 10 MiB/s per connection.',
    '- One load generator for all (bench/client: raw sockets, SCRAM-SHA-1, minimal stanza scanning, SOCKS5 ' +
      'reads into a reused buffer); medians with min–max over the repetitions.',
    ...servers,
    '',
    '## Headline',
    '',
    renderHeadline(results),
    '',
    '## Results',
    '',
    ...results.cases.map(caseSection),
    '## Caveats',
    '',
    ...CAVEATS.map((caveat) => `- ${caveat}`),
    '',
  ].join('\n');
}

/** The README section: where the numbers come from, the headline, and a link to the full report. */
export function renderReadmeSection(results: BenchResults, reportPath: string): string {
  return [
    README_START,
    '',
    `Latest run: ${results.finishedAt.slice(0, 10)}, ${modeText(results)}, on ${results.machine.cpus} × ` +
      `${results.machine.cpuModel} (load average ${results.machine.loadAverageAtStart} at the start). ` +
      `Medians with min–max; servers as private loopback instances without ` +
      `TLS on XMPP (HTTPS for uploads) and with per-connection throttles off (Prosody's mod_limits and ejabberd's c2s_shaper ship at ` +
      `10 kB/s and 3 kB/s). Full report with method, CPU and memory: [${reportPath}](${reportPath}); ` +
      'run `npm run bench` (see [bench/README.md](bench/README.md)).',
    '',
    renderHeadline(results),
    '',
    README_END,
  ].join('\n');
}

/** Replaces the text between the bench markers; throws if the markers are missing. */
export function rewriteReadmeSection(readmeFile: string, section: string): void {
  const text = readFileSync(readmeFile, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`${readmeFile} has no ${README_START} … ${README_END} section`);
  writeFileSync(readmeFile, text.slice(0, start) + section + text.slice(end + README_END.length));
}

/** The charts the previous run in outDir wrote (listed in its results.json), and nothing else. */
function removePreviousCharts(outDir: string): void {
  const previous = join(outDir, 'results.json');
  if (!existsSync(previous)) return;
  try {
    const { cases } = JSON.parse(readFileSync(previous, 'utf8')) as BenchResults;
    for (const result of cases) rmSync(join(outDir, `${result.id}.svg`), { force: true });
  } catch {
    // not ours, or unreadable: leave the directory alone
  }
}

export function writeResults(results: BenchResults, outDir: string, repoRoot: string, updateReadme: boolean): string {
  mkdirSync(outDir, { recursive: true });
  removePreviousCharts(outDir);
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  for (const result of results.cases) writeFileSync(join(outDir, `${result.id}.svg`), renderChart(result));
  const reportFile = join(outDir, 'report.md');
  writeFileSync(reportFile, renderReport(results));
  if (updateReadme) {
    const readme = join(repoRoot, 'README.md');
    rewriteReadmeSection(readme, renderReadmeSection(results, relative(dirname(readme), reportFile)));
  }
  return reportFile;
}
