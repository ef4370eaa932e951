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
    note: "disco#info of the client's full JID, features derived from what runs; the peer's disco#info before an offer; finding SOCKS5 proxies and the upload service (no disco#items answers)",
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
    xep: 66,
    title: 'Out of Band Data',
    version: '1.5',
    status: 'partial',
    note: 'jabber:x:oob in messages, sent with every link and read as a link offer; no jabber:iq:oob',
  },
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
  {
    xep: 166,
    title: 'Jingle',
    version: '1.1.2',
    status: 'partial',
    note: 'file-transfer sessions, both roles: initiate, accept, info, terminate with reasons; transport-replace sent and answered (accept, reject), tie-break; unknown-session, out-of-order, unsupported-info replies; content-add refused',
  },
  { xep: 199, title: 'XMPP Ping', version: '2.0.1', status: 'complete', note: 'answers pings to the full JID' },
  {
    xep: 203,
    title: 'Delayed Delivery',
    version: '2.0',
    status: 'partial',
    note: 'read: the stamp of a link stored offline becomes the offer date',
  },
  {
    xep: 234,
    title: 'Jingle File Transfer',
    version: '0.19.1',
    status: 'partial',
    note: 'offers sent (:5) and received (:3, :4, :5) over SOCKS5 (XEP-0260) then IBB; chosen automatically for peers that list :5 and a shared transport; sha-256 in the offer, or a checksum after the bytes for streams; received + terminate success; ranges (resume from NAME.part or an offset); no file requests',
  },
  {
    xep: 260,
    title: 'Jingle SOCKS5 Bytestreams Transport Method',
    version: '1.0.3',
    status: 'complete',
    note: 'TCP mode; direct candidate (our listener) and the server proxy, §2.2 priorities, candidate-used/-error, nomination, activation by the offerer, proxy-error; fallback to IBB by transport-replace',
  },
  {
    xep: 261,
    title: 'Jingle In-Band Bytestreams Transport Method',
    version: '1.0',
    status: 'complete',
    note: "the responder's smaller block-size honoured; data in iq stanzas; also the SOCKS5 fallback (transport-replace), from either side: a responder replaces it itself when the initiator has not within 2 s",
  },
  {
    xep: 300,
    title: 'Use of Cryptographic Hash Functions in XMPP',
    version: '1.0.0',
    status: 'partial',
    note: 'sha-256 sent and verified; other functions read and kept',
  },
  {
    xep: 353,
    title: 'Jingle Message Initiation',
    version: '0.8.0',
    status: 'partial',
    note: 'file transfer only: a send to a bare JID whose Jingle device advertises it (not Dino or Conversations: calls only) is proposed to the bare JID, initiated to the first device that proceeds (a later one is retracted); reject is a decline; no answer or a cancel retracts; proposals answered proceed when offers are listened for, else reject; retract before the session-initiate honoured; no finish, no tie-break (file transfers across are two sessions)',
  },
  {
    xep: 363,
    title: 'HTTP File Upload',
    version: '1.2.0',
    status: 'complete',
    note: 'service by disco, max-file-size checked first, file-too-large read; PUT with the slot headers §4 allows only',
  },
  {
    xep: 446,
    title: 'File metadata element',
    version: '0.2.0',
    status: 'partial',
    note: 'name, size, media type, date, desc, dimensions, hashes; no thumbnails',
  },
  {
    xep: 447,
    title: 'Stateless file sharing',
    version: '0.3.1',
    status: 'partial',
    note: 'url-data sources, sent with every link and read; no jinglepub or encrypted sources, no attach/retract',
  },
];

export function renderClientSupport(specs: readonly ClientSpec[] = CLIENT_SPECS): string {
  const rows = specs.map(
    (spec) =>
      `| XEP-${String(spec.xep).padStart(4, '0')} | ${spec.version} | ${spec.status} | ${spec.title}${spec.note ? `; ${spec.note}` : ''} |`,
  );
  return ['| Spec | Version | Status | Notes |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}
