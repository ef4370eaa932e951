// The Jingle rows of the conformance suite (XEP-0234 sessions, jingle-driver.ts): the same SOCKS5
// and IBB code as the SI rows (ADR 0006), reached through Jingle's signalling instead of SI's.
import { createIbbTransport } from '@ferry/client/internal/transports/ibb/index';
import { createSocks5Transport } from '@ferry/client/internal/transports/socks5/index';
import { NS } from '@ferry/protocol/namespaces';
import { jingleAction } from '../helpers/jingle-conformance-wire.js';
import { JingleDriver, type JingleRow } from './jingle-driver.js';

const NO_SEQ = 'SOCKS5 carries bare bytes: no sequence numbers to wrap';

const s5bNegotiation = {
  side: 'alice',
  on: jingleAction('transport-info'),
  what: 'the first XEP-0260 transport-info reaching alice',
} as const;

const ROWS: JingleRow[] = [
  {
    name: 'Jingle SOCKS5 direct (XEP-0260, direct candidates)',
    blockSize: 4096,
    transports: () => [createSocks5Transport({ discoverProxies: false }), createIbbTransport({ blockSize: 4096 })],
    method: 'socks5',
    streamhost: 'sender',
    isFallback: false,
    negotiation: s5bNegotiation,
    skips: { 'seq-wrap': NO_SEQ },
  },
  {
    name: 'Jingle SOCKS5 via the server’s proxy (XEP-0260 §2.4, direct candidates off)',
    blockSize: 4096,
    transports: () => [createSocks5Transport({ direct: false }), createIbbTransport({ blockSize: 4096 })],
    method: 'socks5',
    streamhost: 'proxy.localhost',
    isFallback: false,
    negotiation: s5bNegotiation,
    skips: { 'seq-wrap': NO_SEQ },
  },
  {
    name: 'Jingle IBB (XEP-0261, block-size 4096)',
    blockSize: 4096,
    transports: () => [createIbbTransport({ blockSize: 4096 })],
    method: 'ibb',
    streamhost: undefined,
    isFallback: false,
    negotiation: {
      side: 'bob',
      on: { namespace: NS.IBB, name: 'open', match: () => true },
      what: 'the XEP-0047 <open/> reaching bob',
    },
    // 65 543 blocks of 16 bytes, 32 in flight: the smallest file that wraps seq.
    seqWrap: { blockSize: 16, window: 128 },
    skips: {},
  },
  {
    name: 'Jingle fallback SOCKS5 → IBB (XEP-0260 §2.6 transport-replace)',
    blockSize: 4096,
    // No candidate on either side (no listener, no proxy): both send candidate-error at once and
    // the initiator replaces the transport with IBB.
    transports: () => [
      createSocks5Transport({ direct: false, discoverProxies: false }),
      createIbbTransport({ blockSize: 4096 }),
    ],
    method: 'ibb',
    streamhost: undefined,
    isFallback: true,
    negotiation: {
      side: 'bob',
      on: jingleAction('transport-replace'),
      what: 'alice’s transport-replace reaching bob',
    },
    skips: {
      'seq-wrap':
        'the IBB after the replace is the Jingle IBB row’s code (ContentTransport.#openIbb), which runs the wrap',
    },
  },
];

export const JINGLE_ROWS = ROWS.map((row) => new JingleDriver(row));
