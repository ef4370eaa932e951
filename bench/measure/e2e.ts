// Measure 6 (Ferry only): the product end to end. `ferry receive --once` waits, then a sender
// offers one file and streams it; the clock runs from the sender's start until both processes
// have exited (Node start-up, login, MD5 of the file for the offer, negotiation, transfer, and
// the receiver's MD5 check and rename all included: what a user waits for). Peak RSS of each
// process comes from GNU time (%M). Variants: SOCKS5 direct (`ferry send --method socks5`; on
// loopback the receiver reaches the sender's own streamhost first), SOCKS5 via the server's proxy
// (`--no-direct --proxy proxy.<domain>`), and IBB (`ferry send --method ibb`, default block size).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { trackChild } from '../lib/child.js';
import { startCost } from '../lib/cost.js';
import type { Scope } from '../lib/scope.js';
import type { BenchServer } from '../servers/types.js';
import { PATTERN } from './byte-stream.js';
import type { Sizes } from './sizes.js';
import { GiB, MiB, sizeLabel, type CaseDef, type RunContext, type Sample } from './types.js';

const GNU_TIME = '/usr/bin/time';
const RSS_MARK = 'FERRY_BENCH_MAXRSS_KIB=';

type Variant = 'direct' | 'proxy' | 'ibb';

interface Finished {
  code: number | null;
  output: string;
  peakRssKiB: number;
}

interface Running {
  output: () => string;
  finished: Promise<Finished>;
}

/** Runs node with `args` under GNU time (when installed), output kept (last 64 KiB), killed with the scope. */
function runNode(args: readonly string[], context: RunContext, env: NodeJS.ProcessEnv): Running {
  const hasTime = existsSync(GNU_TIME);
  const command = hasTime ? GNU_TIME : process.execPath;
  const fullArgs = hasTime ? ['-f', `${RSS_MARK}%M`, process.execPath, ...args] : [...args];
  const child = spawn(command, fullArgs, {
    cwd: context.repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackChild(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  context.scope.track({
    destroy: () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  });
  const finished = new Promise<Finished>((resolve) => {
    child.once('close', (code) => {
      const peak = new RegExp(`${RSS_MARK}(\\d+)`).exec(output)?.[1];
      resolve({ code, output, peakRssKiB: peak ? Number(peak) : Number.NaN });
    });
  });
  return { output: () => output, finished };
}

function waitForOutput(running: Running, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = (): void => {
      const match = pattern.exec(running.output());
      if (match) return resolve(match);
      if (Date.now() > deadline)
        return reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${tail(running.output())}`));
      timer = setTimeout(check, 50);
    };
    let timer = setTimeout(check, 0);
    void running.finished.then(() => {
      clearTimeout(timer);
      const match = pattern.exec(running.output());
      if (match) resolve(match);
      else reject(new Error(`exited before printing ${pattern}: ${tail(running.output())}`));
    });
  });
}

async function succeeded(running: Running, who: string): Promise<Finished> {
  const finished = await running.finished;
  if (finished.code !== 0) throw new Error(`${who} exited ${finished.code}: ${tail(finished.output)}`);
  return finished;
}

/** The end of a process's output on one line, for error messages. */
function tail(output: string): string {
  return output
    .trim()
    .slice(-400)
    .replace(/\s*\n\s*/g, ' ⏎ ');
}

/** The file to send: PATTERN repeated, written once per bench run. */
function testFile(workDir: string, bytes: number): string {
  const file = join(workDir, `e2e-${bytes}.bin`);
  if (existsSync(file) && statSync(file).size === bytes) return file;
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; written += PATTERN.length) {
      writeSync(fd, PATTERN, 0, Math.min(PATTERN.length, bytes - written));
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

async function runE2e(
  variant: Variant,
  bytes: number,
  context: RunContext,
  scope: Scope,
  server: BenchServer,
): Promise<Sample> {
  const [senderAccount, receiverAccount] = server.accounts;
  const file = testFile(context.workDir, bytes);
  const receiveDir = mkdtempSync(join(context.workDir, 'received-'));
  scope.track({ destroy: () => rmSync(receiveDir, { recursive: true, force: true }) });
  const { host, port, domain } = server.endpoint;
  const login = (account: { username: string; password: string }): string[] => [
    '--jid',
    `${account.username}@${domain}`,
    '--password',
    account.password,
    '--host',
    host,
    '--port',
    String(port),
    '--insecure',
  ];
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FERRY_')));
  const receiver = runNode(
    [
      ...context.ferryEntry,
      'receive',
      ...login(receiverAccount!),
      '--accept-all',
      '--once',
      '--overwrite',
      '--dir',
      receiveDir,
    ],
    context,
    env,
  );
  const to = (await waitForOutput(receiver, /receiving as (\S+)/, 30_000))[1]!;
  const meter = startCost(server.pid);
  const methodArgs: Record<Variant, string[]> = {
    direct: ['--method', 'socks5'],
    proxy: ['--method', 'socks5', '--no-direct', '--proxy', server.proxy.jid],
    ibb: ['--method', 'ibb'],
  };
  const sender = runNode(
    [...context.ferryEntry, 'send', to, file, ...methodArgs[variant], ...login(senderAccount!)],
    context,
    env,
  );
  // Either process failing ends the run at once (the scope kills the other): a receiver left
  // waiting for an offer that never comes would otherwise hold the run until its deadline.
  const [sent, received] = await Promise.all([succeeded(sender, 'sender'), succeeded(receiver, 'receiver')]);
  const cost = meter.stop();
  const method = /over (\w+)/.exec(sent.output)?.[1];
  if (method !== (variant === 'ibb' ? 'ibb' : 'socks5'))
    throw new Error(`sent over ${method ?? '?'}, expected ${variant}`);
  const savedName = file.slice(file.lastIndexOf('/') + 1);
  const saved = join(receiveDir, savedName);
  if (!existsSync(saved) || statSync(saved).size !== bytes) throw new Error(`${saved} missing or wrong size`);
  return {
    mibps: bytes / MiB / cost.wallSeconds,
    senderPeakMiB: sent.peakRssKiB / 1024,
    receiverPeakMiB: received.peakRssKiB / 1024,
    serverCpuPerGiB: cost.serverCpuSeconds / (bytes / GiB),
  };
}

export function e2eCases(sizes: Sizes): CaseDef[] {
  const bytes = sizes.e2eBytes;
  const variants: { variant: Variant; label: string; how: string }[] = [
    {
      variant: 'direct',
      label: 'SOCKS5 direct',
      how: "`ferry send --method socks5` (the receiver connects to the sender's own streamhost)",
    },
    {
      variant: 'proxy',
      label: 'SOCKS5 via proxy',
      how: "`ferry send --method socks5 --no-direct --proxy proxy.<domain>` (through the server's proxy65)",
    },
    { variant: 'ibb', label: 'IBB', how: '`ferry send --method ibb` (default block size)' },
  ];
  return variants.map(({ variant, label, how }) => ({
    id: `e2e-${variant}`,
    measure: 'e2e' as const,
    title: `Ferry end to end: ${sizeLabel(bytes)} ${label}`,
    short: `ferry send → receive, ${sizeLabel(bytes)} ${label}`,
    method:
      `\`ferry receive --once --accept-all\` waits; ${how} sends ${sizeLabel(bytes)}. Timed from the sender's ` +
      `start until both processes exited (start-up, login, MD5 for the offer, transfer, the receiver's MD5 ` +
      `check and rename). Peak RSS from GNU time. Both clients use STARTTLS to the server.`,
    metrics: [
      { key: 'mibps', label: 'MiB/s end to end', unit: 'MiB/s', better: 'higher' },
      { key: 'senderPeakMiB', label: 'sender peak RSS, MiB', unit: 'MiB', better: 'lower' },
      { key: 'receiverPeakMiB', label: 'receiver peak RSS, MiB', unit: 'MiB', better: 'lower' },
      { key: 'serverCpuPerGiB', label: 'server CPU s/GiB', unit: 's/GiB', better: 'lower' },
    ],
    chartMetric: 'mibps',
    servers: ['ferry'],
    references: [],
    deadlineMs: 90_000 + (bytes / (512 * 1024)) * 1000, // gives up below 512 KiB/s
    run: (target, context) => runE2e(variant, bytes, context, context.scope, target.server!),
  }));
}
