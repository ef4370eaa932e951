// Measure 4: memory per idle connection, one session per account as real users have (ejabberd's
// memory per session grows several-fold when hundreds of resources share one account). The
// accounts (idle0, idle1, …) are made once per server by XEP-0077 in-band registration — the
// servers' command-line tools take about a second per account. Each run is one ramp on a freshly
// restarted server (no buffers from earlier measures still held): RSS is read before any session
// is opened and after each step of authenticated, bound sessions (no presence, no traffic after
// binding) has been left alone for a moment. RSS growth ÷ sessions is what an idle client costs,
// allocator and GC effects included — the outside view an operator sees.
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchConnection, type Account } from '../client/connection.js';
import { mapLimit } from '../lib/map-limit.js';
import { rssKiB } from '../lib/proc-stats.js';
import type { Scope } from '../lib/scope.js';
import type { BenchServer } from '../servers/types.js';
import type { Sizes } from './sizes.js';
import type { CaseDef, MetricDef, Sample } from './types.js';

const SETTLE_MS = 3_000;
const LOGIN_CONCURRENCY = 50;
const REGISTER_CONCURRENCY = 20;

export const idleMetricKey = (count: number): string => `kibPerConnection${count}`;

function idleAccounts(count: number): Account[] {
  return Array.from({ length: count }, (_, index) => ({
    username: `idle${index}`,
    password: `idle-password-${index}`,
  }));
}

async function openSessions(server: BenchServer, scope: Scope, accounts: readonly Account[]): Promise<void> {
  await mapLimit(accounts, LOGIN_CONCURRENCY, async (account) => {
    scope.track(await BenchConnection.login(server.endpoint, account, { resource: 'idle', timeoutMs: 30_000 }));
  });
}

async function runIdle(server: BenchServer, scope: Scope, steps: readonly number[]): Promise<Sample> {
  const accounts = idleAccounts(steps[steps.length - 1]!);
  await sleep(SETTLE_MS);
  const before = rssKiB(server.pid);
  const sample: Sample = {};
  let open = 0;
  let loginSeconds = 0;
  let previous = before;
  for (const count of steps) {
    const startedAt = performance.now();
    await openSessions(server, scope, accounts.slice(open, count));
    loginSeconds += (performance.now() - startedAt) / 1000;
    await sleep(SETTLE_MS);
    const after = rssKiB(server.pid);
    sample[idleMetricKey(count)] = (after - before) / count;
    if (open > 0) sample.marginalKiB = (after - previous) / (count - open);
    sample.rssMiB = after / 1024;
    previous = after;
    open = count;
  }
  sample.loginsPerSecond = open / loginSeconds;
  return sample;
}

export function idleCases(sizes: Sizes): CaseDef[] {
  const steps = [...sizes.idleConnections].sort((a, b) => a - b);
  const largest = steps[steps.length - 1]!;
  const stepText = steps.map((count) => count.toLocaleString('en')).join(', then ');
  const perStep: MetricDef[] = steps.map((count) => ({
    key: idleMetricKey(count),
    label: `RSS KiB/connection at ${count.toLocaleString('en')}`,
    unit: 'KiB',
    better: 'lower',
  }));
  return [
    {
      id: 'idle',
      measure: 'idle',
      title: `Idle connections: ${steps.map((count) => count.toLocaleString('en')).join(' and ')} authenticated sessions`,
      short: 'Idle connections',
      method:
        `${largest.toLocaleString('en')} accounts (made once by in-band registration), one session each. ` +
        `On a freshly restarted server, RSS (VmRSS from /proc/PID/status) is read ${SETTLE_MS / 1000} s ` +
        `after its readiness login; then sessions are opened up to ${stepText} (SCRAM-SHA-1 and bind, ` +
        `${LOGIN_CONCURRENCY} logins at a time, no presence), and RSS read again ${SETTLE_MS / 1000} s ` +
        `after each step. Growth ÷ sessions open; the step-to-step slope leaves out start-up effects ` +
        `(a fresh V8 or BEAM heap sizing itself).`,
      metrics: [
        ...perStep,
        ...(steps.length > 1
          ? [
              {
                key: 'marginalKiB',
                label: `KiB/connection from ${steps[steps.length - 2]!.toLocaleString('en')} to ${largest.toLocaleString('en')}`,
                unit: 'KiB',
                better: 'lower' as const,
              },
            ]
          : []),
        { key: 'rssMiB', label: `server RSS with ${largest.toLocaleString('en')}, MiB`, unit: 'MiB', better: 'none' },
        { key: 'loginsPerSecond', label: 'logins/s while opening', unit: 'logins/s', better: 'none' },
      ],
      chartMetric: idleMetricKey(largest),
      references: [],
      freshServer: true,
      deadlineMs: 60_000 + largest * 20 + steps.length * SETTLE_MS,
      async prepare(target, { log }): Promise<void> {
        const startedAt = performance.now();
        await mapLimit(idleAccounts(largest), REGISTER_CONCURRENCY, (account) =>
          BenchConnection.register(target.server!.endpoint, account),
        );
        log(
          `  ${target.label}: ${largest} idle accounts registered in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
        );
      },
      run: (target, { scope }) => runIdle(target.server!, scope, steps),
    },
  ];
}
