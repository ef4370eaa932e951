// Measure 1: XEP-0065 mediated relay through each server's proxy, beside a minimal Node relay
// and direct loopback TCP. One large transfer (throughput, server CPU per GiB), then many
// concurrent ones (aggregate throughput, fairness, nothing lost).
import { mapLimit } from '../lib/map-limit.js';
import { startCost } from '../lib/cost.js';
import { Sink, sendPattern } from './byte-stream.js';
import { pathFactory } from './relay-paths.js';
import type { Sizes } from './sizes.js';
import { GiB, MiB, sizeLabel, type CaseDef, type Sample } from './types.js';

const MIN_RATE_BYTES_PER_SECOND = 5 * MiB; // anything slower is broken: give up

export function relayCases(sizes: Sizes): CaseDef[] {
  const single = sizes.relaySingleBytes;
  const count = sizes.relayConcurrentCount;
  const each = sizes.relayConcurrentBytes;
  return [
    {
      id: 'relay-single',
      measure: 'relay',
      title: `Proxy relay: one ${sizeLabel(single)} transfer`,
      short: `Proxy relay, ${sizeLabel(single)}`,
      method:
        `XEP-0065 mediated connection: both SOCKS5 connections to the server's proxy (Target first), ` +
        `<activate/> from the Requester's session, then ${sizeLabel(single)} Requester → proxy → Target ` +
        `(1 MiB writes with backpressure; the sink reads into a reused 64 KiB buffer and spot-checks the ` +
        `data). Timed from the first byte written to the last byte received. "minimal Node relay" is a ` +
        `separate Node process that pumps one socket into another with a reused read buffer; "direct" is ` +
        `one loopback TCP connection.`,
      metrics: [
        { key: 'mibps', label: 'MiB/s', unit: 'MiB/s', better: 'higher' },
        { key: 'cpuPerGiB', label: 'server CPU s/GiB', unit: 's/GiB', better: 'lower' },
        { key: 'clientCpuPerGiB', label: 'client CPU s/GiB', unit: 's/GiB', better: 'none' },
        { key: 'rssMiB', label: 'server RSS after, MiB', unit: 'MiB', better: 'none' },
      ],
      chartMetric: 'mibps',
      references: ['node-relay', 'direct'],
      deadlineMs: 60_000 + (single / MIN_RATE_BYTES_PER_SECOND) * 1000,
      async run(target, { scope }): Promise<Sample> {
        const paths = await pathFactory(target, scope);
        const sink = new Sink(single);
        const source = await paths.open(sink);
        const meter = startCost(target.server?.pids ?? target.pid);
        const startedAt = performance.now();
        await Promise.all([sendPattern(source, single), sink.done]);
        const cost = meter.stop();
        const seconds = (sink.finishedAt - startedAt) / 1000;
        return {
          mibps: single / MiB / seconds,
          cpuPerGiB: cost.serverCpuSeconds / (single / GiB),
          clientCpuPerGiB: cost.clientCpuSeconds / (single / GiB),
          rssMiB: cost.serverRssAfterKiB / 1024,
        };
      },
    },
    {
      id: 'relay-concurrent',
      measure: 'relay',
      title: `Proxy relay: ${count} concurrent ${sizeLabel(each)} transfers`,
      short: `Proxy relay, ${count} × ${sizeLabel(each)}`,
      method:
        `${count} mediated connections set up as above (10 at a time; for the minimal Node relay, ${count} ` +
        `relayed connections), then all ${count} sources start ` +
        `writing at once. Aggregate = ${count} × ${sizeLabel(each)} ÷ time until the last byte of the ` +
        `slowest transfer; fairness = slowest transfer's rate ÷ fastest's (1 = perfectly fair); ` +
        `"complete" counts transfers that arrived whole and verified (any loss fails the run).`,
      metrics: [
        { key: 'mibps', label: 'aggregate MiB/s', unit: 'MiB/s', better: 'higher' },
        { key: 'fairness', label: 'fairness (slowest/fastest)', unit: '', better: 'higher' },
        { key: 'cpuPerGiB', label: 'server CPU s/GiB', unit: 's/GiB', better: 'lower' },
        { key: 'complete', label: 'complete', unit: '', better: 'higher' },
        { key: 'rssMiB', label: 'server RSS after, MiB', unit: 'MiB', better: 'none' },
      ],
      chartMetric: 'mibps',
      references: ['node-relay'],
      deadlineMs: 120_000 + ((count * each) / MIN_RATE_BYTES_PER_SECOND) * 1000,
      async run(target, { scope }): Promise<Sample> {
        const paths = await pathFactory(target, scope);
        const sinks = Array.from({ length: count }, () => new Sink(each));
        const sources = await mapLimit(sinks, 10, (sink) => paths.open(sink));
        const meter = startCost(target.server?.pids ?? target.pid);
        const startedAt = performance.now();
        const sends = sources.map((source) => sendPattern(source, each).catch(() => {}));
        const outcomes = await Promise.allSettled(sinks.map((sink) => sink.done));
        await Promise.all(sends);
        const cost = meter.stop();
        const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
        if (failures.length > 0) {
          const first = (failures[0] as PromiseRejectedResult).reason as Error;
          throw new Error(`${failures.length} of ${count} transfers incomplete; first: ${first.message}`);
        }
        const rates = sinks.map((sink) => each / ((sink.finishedAt - startedAt) / 1000));
        const lastAt = Math.max(...sinks.map((sink) => sink.finishedAt));
        const total = count * each;
        return {
          mibps: total / MiB / ((lastAt - startedAt) / 1000),
          fairness: Math.min(...rates) / Math.max(...rates),
          cpuPerGiB: cost.serverCpuSeconds / (total / GiB),
          complete: count,
          rssMiB: cost.serverRssAfterKiB / 1024,
        };
      },
    },
  ];
}
