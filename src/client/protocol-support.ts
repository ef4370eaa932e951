// What the client library implements, for the protocol support table beside the server's.
export interface ClientSpec {
  xep: number;
  title: string;
  version: string;
  status: 'complete' | 'partial';
  note?: string;
}

export const CLIENT_SPECS: readonly ClientSpec[] = [
  {
    xep: 30,
    title: 'Service Discovery',
    version: '2.5rc3',
    status: 'partial',
    note: "disco#info of the client's full JID, features derived from what runs; the peer's disco#info before an offer; finding SOCKS5 proxies (no disco#items)",
  },
  {
    xep: 47,
    title: 'In-Band Bytestreams',
    version: '1.1',
    status: 'complete',
    note: 'iq and message mode; window; seq wrap; resource-constraint retry',
  },
  { xep: 65, title: 'SOCKS5 Bytestreams', version: '1.8.2', status: 'complete', note: 'direct and mediated, TCP mode' },
  {
    xep: 92,
    title: 'Software Version',
    version: '1.1',
    status: 'complete',
    note: 'name and version, no OS',
  },
  {
    xep: 95,
    title: 'Stream Initiation',
    version: '1.2',
    status: 'complete',
    note: 'COMPAT: list-multi offers, two-value accepts, 406 declines (read, never sent)',
  },
  {
    xep: 96,
    title: 'SI File Transfer',
    version: '1.3.1',
    status: 'complete',
    note: 'range (resume), MD5 hash, IBB fallback re-offer',
  },
  {
    xep: 115,
    title: 'Entity Capabilities',
    version: '1.6.0',
    status: 'complete',
    note: "sha-1 caps in every available presence; peers' disco#info cached by verified ver",
  },
  { xep: 199, title: 'XMPP Ping', version: '2.0.1', status: 'complete', note: 'answers pings to the full JID' },
];

export function renderClientSupport(specs: readonly ClientSpec[] = CLIENT_SPECS): string {
  const rows = specs.map(
    (spec) =>
      `| XEP-${String(spec.xep).padStart(4, '0')} | ${spec.version} | ${spec.status} | ${spec.title}${spec.note ? `; ${spec.note}` : ''} |`,
  );
  return ['| Spec | Version | Status | Notes |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}
