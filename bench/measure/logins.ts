// Measure 5: logins. `concurrency` clients, each on its own account, loop: TCP connect, stream
// header, SASL SCRAM-SHA-1, stream restart, resource binding, then </stream:stream> — without
// waiting for the server's close before the next login (closes finish in the background and are
// awaited, bounded, before the run ends; their cost lands in the same CPU window).
import { BenchConnection } from '../client/connection.js';
import { startCost } from '../lib/cost.js';
import type { Scope } from '../lib/scope.js';
import type { BenchServer } from '../servers/types.js';
import type { Sizes } from './sizes.js';
import type { CaseDef, Sample } from './types.js';

async function runLogins(server: BenchServer, scope: Scope, total: number, concurrency: number): Promise<Sample> {
  const accounts = server.accounts;
  if (accounts.length < concurrency) throw new Error(`${concurrency} accounts needed, have ${accounts.length}`);
  const closing: Promise<void>[] = [];
  let started = 0;
  const meter = startCost(server.pid);
  const worker = async (index: number): Promise<void> => {
    while (started < total) {
      started += 1;
      const connection = scope.track(await BenchConnection.login(server.endpoint, accounts[index]!));
      closing.push(connection.close());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  const loginSeconds = meter.stop().wallSeconds;
  await Promise.all(closing);
  const cost = meter.stop();
  return {
    perSecond: total / loginSeconds,
    cpuMsPerLogin: (cost.serverCpuSeconds * 1000) / total,
    clientCpuMsPerLogin: (cost.clientCpuSeconds * 1000) / total,
    rssMiB: cost.serverRssAfterKiB / 1024,
  };
}

export function loginCases(sizes: Sizes): CaseDef[] {
  const { logins, loginConcurrency } = sizes;
  return [
    {
      id: 'logins',
      measure: 'logins',
      title: `Logins: ${logins.toLocaleString('en')} SCRAM-SHA-1 logins, ${loginConcurrency} concurrent clients`,
      short: `Logins, ${loginConcurrency} concurrent`,
      method:
        `${loginConcurrency} clients on ${loginConcurrency} accounts, each looping connect → stream → ` +
        `SCRAM-SHA-1 → restart → bind → close, ${logins.toLocaleString('en')} logins in all over plain TCP. ` +
        `The client caches each account's salted password (RFC 5802 allows it), so the client's ` +
        `PBKDF2 is paid once; the server's per-login work (it stores StoredKey/ServerKey) is what is measured. ` +
        `CPU per login includes closing the sessions.`,
      metrics: [
        { key: 'perSecond', label: 'logins/s', unit: 'logins/s', better: 'higher' },
        { key: 'cpuMsPerLogin', label: 'server CPU ms/login', unit: 'ms', better: 'lower' },
        { key: 'clientCpuMsPerLogin', label: 'client CPU ms/login', unit: 'ms', better: 'none' },
        { key: 'rssMiB', label: 'server RSS after, MiB', unit: 'MiB', better: 'none' },
      ],
      chartMetric: 'perSecond',
      references: [],
      deadlineMs: 60_000 + logins * 20, // gives up below 50 logins/s
      run: (target, { scope }) => runLogins(target.server!, scope, logins, loginConcurrency),
    },
  ];
}
