// XEP-0260 as the responder, keyed on who the initiator is (its disco#info identity, asked while
// the responder prepares its candidates): a scripted initiator (alice) offers a direct candidate —
// a live listener that counts connections — and the server's proxy; Ferry (bob) answers. Any peer
// gets its direct candidate tried first, as §2.3 says. COMPAT: a peer named "Gajim" gets only its
// proxy tried (Gajim 1.7 drops a connection to its own listener once it is nominated), and with
// no proxy Ferry reports candidate-error at once.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { tempDir } from '../../helpers/files.js';
import { withTimeout } from '../../helpers/xmpp-client.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { ClientEntity } from '@ferry/client/internal/entity';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import { NS } from '@ferry/protocol/namespaces';
import { xml } from '@ferry/protocol/xml/element';

const WAIT_MS = 20_000;

describe('Jingle SOCKS5 responder: which of the initiator’s candidates it tries', () => {
  let pair: ConnectionPair;
  let proxy: { jid: string; port: number };
  const files = tempDir();
  const open: { close(): void }[] = [];

  before(async () => {
    pair = await startConnectionPair();
    proxy = { jid: 'proxy.localhost', port: pair.ferry.server.service('proxy65')!.listening.port };
  });
  after(async () => {
    await pair.stop();
    files.remove();
  });
  afterEach(() => {
    for (const item of open.splice(0)) item.close();
  });

  /** A TCP listener standing for the initiator's own streamhost: it only counts connections. */
  async function directListener(): Promise<{ port: number; connections: () => number; close(): void }> {
    let count = 0;
    const server: Server = createServer((socket) => {
      count += 1;
      socket.destroy();
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      port: (server.address() as AddressInfo).port,
      connections: () => count,
      close: () => server.close(),
    };
  }

  /**
   * Alice, answering disco#info as `name`, offers a file over SOCKS5 with `candidates`; bob accepts.
   * Resolves with the first candidate-used or candidate-error bob reports (its element name and cid).
   */
  async function offerAs(
    name: string,
    sid: string,
    candidates: Array<{ cid: string; jid: string; port: number; type: 'direct' | 'proxy'; priority: number }>,
  ): Promise<{ report: string; cid: string | undefined }> {
    const entity = new ClientEntity(pair.alice, { identity: { name } });
    entity.addFeatures(NS.JINGLE, NS.JINGLE_FT, NS.JINGLE_S5B, NS.JINGLE_IBB);
    open.push({ close: () => entity.close() });
    const receiver = new FileTransferManager(pair.bob, {
      transports: [createSocks5Transport({ candidateTimeoutMs: 3_000 }), createIbbTransport()],
      streamTimeoutMs: 10_000,
    });
    open.push(receiver);
    receiver.once('offer', (offer) => {
      offer.accept({ to: join(files.path, `${sid}.bin`) }).catch(() => {});
    });
    let settle!: (value: { report: string; cid: string | undefined }) => void;
    const reported = new Promise<{ report: string; cid: string | undefined }>((resolve) => (settle = resolve));
    const stop = pair.alice.onIq('set', NS.JINGLE, 'jingle', (_stanza, jingle) => {
      const report = jingle.getChild('content')?.getChild('transport', NS.JINGLE_S5B)?.getChildElements()[0];
      if (jingle.attrs.action === 'transport-info' && report)
        settle({ report: report.getName(), cid: report.attrs.cid as string | undefined });
      return null;
    });
    open.push({ close: stop });
    const bob = pair.bob.jid.toString();
    const transport = xml(
      'transport',
      { xmlns: NS.JINGLE_S5B, sid: `s5b-${sid}`, mode: 'tcp' },
      ...candidates.map((candidate) => xml('candidate', { ...candidate, host: '127.0.0.1' })),
    );
    const description = xml(
      'description',
      { xmlns: NS.JINGLE_FT },
      xml('file', null, xml('name', null, `${sid}.bin`), xml('size', null, '1000')),
    );
    await pair.alice.request(
      xml(
        'iq',
        { type: 'set', to: bob },
        xml(
          'jingle',
          { xmlns: NS.JINGLE, action: 'session-initiate', sid, initiator: pair.alice.jid.toString() },
          xml('content', { creator: 'initiator', name: 'file', senders: 'initiator' }, description, transport),
        ),
      ),
      WAIT_MS,
    );
    try {
      return await withTimeout(reported, WAIT_MS, `bob's candidate-used or candidate-error for ${sid}`);
    } finally {
      await pair.alice
        .request(
          xml(
            'iq',
            { type: 'set', to: bob },
            xml('jingle', { xmlns: NS.JINGLE, action: 'session-terminate', sid }, xml('reason', null, xml('cancel'))),
          ),
          WAIT_MS,
        )
        .catch(() => {});
    }
  }

  const alice = () => pair.alice.jid.toString();

  it('any other peer ("Dino"): its direct candidate is tried first and reported used', async () => {
    const direct = await directListener();
    open.push(direct);
    // The listener closes every connection: bob's SOCKS5 handshake fails there, so it goes on to the proxy.
    const outcome = await offerAs('Dino', 'dino-like', [
      { cid: 'direct1', jid: alice(), port: direct.port, type: 'direct', priority: 8257536 },
      { cid: 'proxy1', jid: proxy.jid, port: proxy.port, type: 'proxy', priority: 655360 },
    ]);
    assert.equal(direct.connections(), 1, 'bob connected to the direct candidate first');
    assert.deepEqual(outcome, { report: 'candidate-used', cid: 'proxy1' });
  });

  it('COMPAT Gajim: only its proxy is tried; its own listener never sees a connection', async () => {
    const direct = await directListener();
    open.push(direct);
    const outcome = await offerAs('Gajim', 'gajim-like', [
      { cid: 'direct2', jid: alice(), port: direct.port, type: 'direct', priority: 8257536 },
      { cid: 'proxy2', jid: proxy.jid, port: proxy.port, type: 'proxy', priority: 655360 },
    ]);
    assert.deepEqual(outcome, { report: 'candidate-used', cid: 'proxy2' });
    assert.equal(direct.connections(), 0);
  });

  it('COMPAT Gajim without a proxy candidate: candidate-error at once, nothing dialled', async () => {
    const direct = await directListener();
    open.push(direct);
    const outcome = await offerAs('Gajim', 'gajim-no-proxy', [
      { cid: 'direct3', jid: alice(), port: direct.port, type: 'direct', priority: 8257536 },
    ]);
    assert.deepEqual(outcome, { report: 'candidate-error', cid: undefined });
    assert.equal(direct.connections(), 0);
  });
});
