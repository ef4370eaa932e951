// Where connect() dials: an explicit service URI or host, else DNS SRV records (RFC 6120 §3.2.1
// for STARTTLS, XEP-0368 for direct TLS), else the domain on 5222 (RFC 6120 §3.2.2).
import { resolveSrv } from './platform/index.js';

export type Endpoint =
  { kind: 'starttls' | 'direct-tls'; host: string; port: number } | { kind: 'websocket'; url: string };

/** One DNS SRV record (RFC 2782), as node:dns resolveSrv returns it. */
export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** Injectable for tests; rejects (or returns []) when the name has no SRV records. */
export type SrvResolver = (name: string) => Promise<SrvRecord[]>;

export const systemSrvResolver: SrvResolver = (name) => resolveSrv(name);

/** Parses `xmpp://host[:port]` (STARTTLS), `xmpps://host[:port]` (direct TLS), `ws(s)://…` (RFC 7395). */
export function endpointOfService(service: string): Endpoint {
  const url = new URL(service);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  switch (url.protocol) {
    case 'xmpp:':
      return { kind: 'starttls', host, port: Number(url.port) || 5222 };
    case 'xmpps:':
      return { kind: 'direct-tls', host, port: Number(url.port) || 5223 };
    case 'ws:':
    case 'wss:':
      return { kind: 'websocket', url: service };
    default:
      throw new TypeError(`unsupported service ${service}: use xmpp://, xmpps://, ws:// or wss://`);
  }
}

export function serviceOfEndpoint(endpoint: Endpoint): string {
  if (endpoint.kind === 'websocket') return endpoint.url;
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.kind === 'direct-tls' ? 'xmpps' : 'xmpp'}://${host}:${endpoint.port}`;
}

/**
 * The endpoints for a domain in the order to try them: both SRV lists merged by priority, each
 * priority's records drawn by weight (RFC 2782); the domain on 5222 when neither list exists.
 */
export async function resolveEndpoints(
  domain: string,
  resolver: SrvResolver,
  signal?: AbortSignal,
  random: () => number = Math.random,
): Promise<Endpoint[]> {
  const lookup = (name: string) =>
    abortable(resolver(name), signal).catch((error: unknown) => {
      if (signal?.aborted) throw error;
      return [] as SrvRecord[];
    });
  const [direct, starttls] = await Promise.all([
    lookup(`_xmpps-client._tcp.${domain}`),
    lookup(`_xmpp-client._tcp.${domain}`),
  ]);
  const records = [
    ...direct.map((record) => ({ record, kind: 'direct-tls' as const })),
    ...starttls.map((record) => ({ record, kind: 'starttls' as const })),
  ];
  if (records.length === 0) return [{ kind: 'starttls', host: domain, port: 5222 }];
  // RFC 2782: a target of "." means the service is decidedly not available at this domain.
  const usable = records.filter(({ record }) => record.name !== '.' && record.name !== '');
  const ordered: Endpoint[] = [];
  for (const priority of [...new Set(usable.map(({ record }) => record.priority))].sort((a, b) => a - b)) {
    const group = usable.filter(({ record }) => record.priority === priority);
    while (group.length > 0) {
      const total = group.reduce((sum, { record }) => sum + record.weight, 0);
      let pick = random() * total;
      let index = group.findIndex(({ record }) => (pick -= record.weight) < 0);
      if (index < 0) index = 0; // all weights 0: in order
      const [{ record, kind }] = group.splice(index, 1) as [(typeof group)[number]];
      ordered.push({ kind, host: record.name.replace(/\.$/, ''), port: record.port });
    }
  }
  return ordered;
}

/** A DNS lookup cannot be cancelled; stop waiting for it instead. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
