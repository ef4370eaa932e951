// The metrics, on a Registry of their own (never prom-client's global one: a server embedded in
// another program must not add to, or read from, that program's metrics). Two kinds:
//   - read when scraped: what the core counts (ctx.counters), sessions online, upload storage;
//   - counted as events arrive: finished SOCKS5 relays, stored uploads, served downloads.
// Every name is listed in the README's "Metrics" section; keep the two in step.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServerCounters } from '../../core/counters.js';

export interface MetricSources {
  readonly counters: Readonly<ServerCounters>;
  /** Sessions bound now. */
  sessions(): number;
  /** Bytes of stored uploads, or undefined when HTTP upload is not loaded. */
  uploadStorageBytes(): number | undefined;
  /** The cluster node id, set as a `node` label on every series; undefined on a single server. */
  readonly node?: string | undefined;
}

/** Methods whose transfers modules report; IBB is counted by the core as it routes. */
export type TransferMethod = 'socks5' | 'http_upload' | 'http_download';
export type TransferOutcome = 'completed' | 'aborted';

export interface Transfers {
  /** One finished transfer and the bytes it moved. */
  finished(method: TransferMethod, outcome: TransferOutcome, bytes: number): void;
}

type Labels = Record<string, string>;

export function createMetrics(sources: MetricSources): { registry: Registry; transfers: Transfers } {
  const registry = new Registry();
  // Each node serves its own /metrics; the label keeps their series apart once scraped together.
  if (sources.node !== undefined) registry.setDefaultLabels({ node: sources.node });
  // process_* and nodejs_* (CPU, memory, GC, handles, nodejs_eventloop_lag_* seconds).
  collectDefaultMetrics({ register: registry });
  const { counters } = sources;
  const registers = [registry];
  const mirror = (name: string, help: string, labelNames: string[], read: () => Iterable<[Labels, number]>) =>
    mirrorCounter(registry, { name, help, labelNames }, read);
  const by = (label: string, entries: Iterable<[string, number]>): [Labels, number][] =>
    [...entries].map(([value, count]) => [{ [label]: value }, count]);

  mirror('ferry_connections_total', 'Client connections accepted, by transport.', ['transport'], () =>
    by('transport', Object.entries(counters.connectionsAccepted)),
  );
  new Gauge({
    name: 'ferry_connections',
    help: 'Client connections open now, by transport.',
    labelNames: ['transport'],
    registers,
    collect() {
      for (const [transport, open] of Object.entries(counters.connectionsOpen)) this.set({ transport }, open);
    },
  });
  new Gauge({
    name: 'ferry_sessions',
    help: 'Sessions bound now (resources online).',
    registers,
    collect() {
      this.set(sources.sessions());
    },
  });
  mirror('ferry_authentications_total', 'SASL authentications, by outcome.', ['outcome'], () =>
    by('outcome', [
      ['success', counters.authSuccesses],
      ['failure', sum(counters.authFailures.values())],
    ]),
  );
  mirror('ferry_authentication_failures_total', 'Failed SASL authentications, by condition.', ['condition'], () =>
    by('condition', counters.authFailures),
  );
  mirror('ferry_stanzas_received_total', 'Stanzas received from client streams, by kind.', ['kind'], () =>
    by('kind', Object.entries(counters.stanzasIn)),
  );
  mirror('ferry_stanzas_sent_total', 'Stanzas sent to sessions, by kind.', ['kind'], () =>
    by('kind', Object.entries(counters.stanzasOut)),
  );
  mirror('ferry_routing_errors_total', 'Error replies made by the router, by condition.', ['condition'], () =>
    by('condition', counters.routingErrors),
  );
  mirror('ferry_ibb_stanzas_total', 'In-band bytestream (XEP-0047) stanzas routed, by element.', ['element'], () =>
    by('element', [
      ['open', counters.ibb.opened],
      ['data', counters.ibb.dataStanzas],
      ['close', counters.ibb.closed],
    ]),
  );
  new Gauge({
    name: 'ferry_upload_storage_bytes',
    help: 'Bytes of the files HTTP upload stores now.',
    registers,
    collect() {
      const bytes = sources.uploadStorageBytes();
      if (bytes === undefined) this.reset();
      else this.set(bytes);
    },
  });

  // Counted as the modules report finished transfers; IBB from the core's counts (the server sees
  // no outcome beyond <close/>, so a closed IBB session counts as completed).
  // HTTP upload reports stored files only (a failed PUT keeps nothing and emits nothing), so it has
  // no `aborted` series rather than one that always reads 0.
  const finished: Record<TransferMethod, Partial<Record<TransferOutcome, number>>> = {
    socks5: { completed: 0, aborted: 0 },
    http_upload: { completed: 0 },
    http_download: { completed: 0, aborted: 0 },
  };
  const moved: Record<TransferMethod, number> = { socks5: 0, http_upload: 0, http_download: 0 };
  mirror(
    'ferry_transfers_total',
    'Finished file transfers, by method (socks5, ibb, http_upload, http_download) and outcome.',
    ['method', 'outcome'],
    () => [
      ...Object.entries(finished).flatMap(([method, outcomes]) =>
        Object.entries(outcomes).map(([outcome, count]): [Labels, number] => [{ method, outcome }, count]),
      ),
      [{ method: 'ibb', outcome: 'completed' }, counters.ibb.closed],
    ],
  );
  mirror(
    'ferry_transfer_bytes_total',
    'Bytes moved by file transfers: relayed (socks5), routed (ibb), uploaded, downloaded.',
    ['method'],
    () => by('method', [...Object.entries(moved), ['ibb', counters.ibb.dataBytes]]),
  );

  return {
    registry,
    transfers: {
      finished(method, outcome, bytes) {
        const outcomes = finished[method];
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        moved[method] += bytes;
      },
    },
  };
}

/** A counter whose values are kept elsewhere (plain numbers) and copied in when scraped. */
function mirrorCounter(
  registry: Registry,
  definition: { name: string; help: string; labelNames: string[] },
  read: () => Iterable<[Labels, number]>,
): void {
  new Counter({
    ...definition,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, count] of read()) this.inc(labels, count);
    },
  });
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
