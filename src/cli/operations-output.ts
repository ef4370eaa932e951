// How `ferry status`, `sessions` and `transfers` print what the operations service answered:
// aligned tables and key/value lines for people; `--json` is handled by the commands.
import type { ClusterView } from '../server/cluster/cluster-view.js';
import type { SessionView, StatusView, TransferView } from '../server/modules/operations/operations-service.js';
import { formatBytes } from './progress-bar.js';
import { formatTable } from './table.js';

export function statusLines(status: StatusView): string[] {
  const { totals } = status;
  const pairs: [string, string][] = [
    ['started', `${when(status.startedAt)} (up ${duration(status.uptimeSeconds)})`],
    ['sessions', String(status.sessions)],
    ['transfers', `${status.transfers} now, ${totals.transfersCompleted} completed`],
    ['relayed', formatBytes(totals.bytesRelayed)],
    ['uploaded', formatBytes(totals.bytesUploaded)],
    ['downloaded', formatBytes(totals.bytesDownloaded)],
    ...Object.entries(status.listeners).map(([name, where]): [string, string] => [name, where]),
    ...(status.cluster ? [clusterLine(status.cluster)] : []),
  ];
  const width = Math.max(...pairs.map(([key]) => key.length));
  return [
    `ferry ${status.version} is running: ${status.domain}, pid ${status.pid}`,
    ...pairs.map(([key, value]) => `${key.padEnd(width)}  ${value}`),
  ];
}

/** "node-a of 3 nodes: node-a 2 sessions, node-b 1, node-c 0". */
function clusterLine(cluster: ClusterView): [string, string] {
  const nodes = cluster.nodes.map(
    (node, index) => `${node.id} ${node.sessions}${index === 0 ? ` session${node.sessions === 1 ? '' : 's'}` : ''}`,
  );
  const count = `${cluster.nodes.length} node${cluster.nodes.length === 1 ? '' : 's'}`;
  return ['cluster', `${cluster.node} of ${count}: ${nodes.join(', ')}`];
}

export function sessionLines(sessions: readonly SessionView[]): string[] {
  if (sessions.length === 0) return ['no sessions'];
  const rows = sessions.map((session) => [
    session.jid,
    session.transport,
    session.tls ? 'yes' : 'no',
    session.available ? 'yes' : 'no',
    session.address,
    when(session.since),
  ]);
  return [
    ...formatTable(['JID', 'TRANSPORT', 'TLS', 'AVAILABLE', 'ADDRESS', 'SINCE'], rows),
    `${sessions.length} session${sessions.length === 1 ? '' : 's'}`,
  ];
}

export function transferLines(transfers: readonly TransferView[]): string[] {
  if (transfers.length === 0) return ['no transfers'];
  const rows = transfers.map((transfer) => [
    transfer.method,
    shortId(transfer.id),
    transfer.from ?? transfer.address ?? '-',
    transfer.to ?? (transfer.method === 'download' ? (transfer.address ?? '-') : '-'),
    progress(transfer),
    `${formatBytes(transfer.bytesPerSecond)}/s`,
    when(transfer.since),
  ]);
  return [
    ...formatTable(['METHOD', 'ID', 'FROM', 'TO', 'BYTES', 'RATE', 'SINCE'], rows),
    `${transfers.length} transfer${transfers.length === 1 ? '' : 's'}`,
  ];
}

function progress(transfer: TransferView): string {
  if (transfer.size === undefined || transfer.size <= 0) return formatBytes(transfer.bytes);
  const percent = Math.min(100, Math.floor((transfer.bytes * 100) / transfer.size));
  return `${formatBytes(transfer.bytes)} / ${formatBytes(transfer.size)} (${percent}%)`;
}

/** SOCKS5 hashes are 40 hex digits: the first 12 tell relays apart; --json has them whole. */
function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 12)}…` : id;
}

/** 2026-12-07 17:54:01 UTC */
function when(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

/** 3 d 4 h, 2 h 5 min, 4 min 10 s, 12 s */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}
