// Jingle SOCKS5 → IBB fallback (XEP-0260 §2.6 / §3, XEP-0166 §7.2.15), on a real Ferry server:
// Ferry ↔ Ferry when no candidate of either side can be reached (the proxy advertises a closed
// port, direct candidates off): both send candidate-error, the initiator replaces the transport
// with IBB, the responder accepts, and the bytes go in-band. Then scripted raw-XMPP peers: an
// initiator that replaces the transport itself, a Libervia-like one (<proxy-error/> then
// transport-replace), a responder that replaces it, and a replace we cannot honour (transport-reject).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { sha256File, tempDir, writeRandomFile } from '../../helpers/files.js';
import { withTimeout } from '../../helpers/xmpp-client.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { ClientEntity } from '@ferry/client/internal/entity';
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { XmppConnection } from '@ferry/client/internal/connection';
import type { TransferResult } from '@ferry/client/internal/outgoing-transfer';
import { NS } from '@ferry/protocol/namespaces';
import { xml, type Element } from '@ferry/protocol/xml/element';

const WAIT_MS = 20_000;
const open: { close(): void }[] = [];

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Jingle iq sets one side of the pair receives, by action, as they arrive. */
function jingleInbox(connection: XmppConnection) {
  const got: Element[] = [];
  const waiters: Array<{ action: string; resolve(element: Element): void }> = [];
  const stop = connection.onIq('set', NS.JINGLE, 'jingle', (_stanza, payload) => {
    const waiter = waiters.find((w) => w.action === payload.attrs.action);
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(payload);
    } else got.push(payload);
    return null;
  });
  return {
    next(action: string): Promise<Element> {
      const index = got.findIndex((element) => element.attrs.action === action);
      if (index >= 0) return Promise.resolve(got.splice(index, 1)[0]!);
      return withTimeout(new Promise<Element>((resolve) => waiters.push({ action, resolve })), WAIT_MS, `a ${action}`);
    },
    all: got,
    close: stop,
  };
}

function jingleIq(to: string, action: string, sid: string, ...children: Element[]): Element {
  return xml('iq', { type: 'set', to }, xml('jingle', { xmlns: NS.JINGLE, action, sid }, ...children));
}

function content(...children: Element[]): Element {
  return xml('content', { creator: 'initiator', name: 'a-file-offer', senders: 'initiator' }, ...children);
}

function fileDescription(name: string, size: number, sha256: string): Element {
  return xml(
    'description',
    { xmlns: NS.JINGLE_FT },
    xml(
      'file',
      null,
      xml('name', null, name),
      xml('size', null, String(size)),
      xml('hash', { xmlns: NS.HASHES, algo: 'sha-256' }, Buffer.from(sha256, 'hex').toString('base64')),
    ),
  );
}

function s5bTransport(
  sid: string,
  candidates: Array<{ cid: string; jid: string; port: number; type?: string }>,
  child?: Element,
) {
  return xml(
    'transport',
    { xmlns: NS.JINGLE_S5B, sid, mode: 'tcp' },
    ...candidates.map((candidate) =>
      xml('candidate', {
        cid: candidate.cid,
        host: '127.0.0.1',
        jid: candidate.jid,
        port: candidate.port,
        priority: candidate.type === 'proxy' ? 655360 : 8257536,
        type: candidate.type ?? 'direct',
      }),
    ),
    ...(child ? [child] : []),
  );
}

describe('Jingle SOCKS5 → IBB fallback', () => {
  let pair: ConnectionPair;
  const files = tempDir();
  let source: string;
  let sourceHash: string;
  const size = 200 * 1024 + 3;
  before(async () => {
    // A proxy nobody can reach: its advertised port is closed (as behind NAT without advertised_host).
    pair = await startConnectionPair({ 'modules.proxy65.advertised_port': await closedPort() });
    source = join(files.path, 'photo.jpg');
    sourceHash = writeRandomFile(source, size);
  });
  after(async () => {
    await pair.stop();
    files.remove();
  });
  afterEach(() => {
    for (const m of open.splice(0)) m.close();
  });

  it('Ferry ↔ Ferry, no candidate reachable: both candidate-error, transport-replace to IBB, verified', async () => {
    const socks5 = { direct: false, candidateTimeoutMs: 2_000 };
    const sender = new FileTransferManager(pair.alice, {
      transports: [createSocks5Transport(socks5), createIbbTransport()],
      acceptTimeoutMs: 10_000,
    });
    const receiver = new FileTransferManager(pair.bob, {
      transports: [createSocks5Transport(socks5), createIbbTransport()],
      streamTimeoutMs: 10_000,
    });
    open.push(sender, receiver);
    const target = join(files.path, 'fallback.jpg');
    let received: Promise<TransferResult> | undefined;
    receiver.once('offer', (offer) => {
      received = offer.accept({ to: target });
    });
    const transfer = sender.send(pair.bob.jid.toString(), source, { method: 'jingle' });
    const fallbacks: Array<{ from: string; to: string }> = [];
    transfer.on('fallback', ({ from, to }) => fallbacks.push({ from, to }));
    const accepted: string[] = [];
    transfer.on('accepted', ({ method }) => accepted.push(method));
    const sent = await withTimeout(transfer.done, WAIT_MS, 'the transfer');
    assert.deepEqual(accepted, ['socks5']);
    assert.equal(sent.method, 'ibb');
    assert.equal(sent.streamhost, undefined);
    assert.deepEqual(fallbacks, [{ from: 'socks5', to: 'ibb' }]);
    assert.ok(received);
    const got = await withTimeout(received, WAIT_MS, 'the received file');
    assert.equal(got.method, 'ibb');
    assert.equal(await sha256File(target), sourceHash);
  });

  /** Scripted initiator (alice, raw) → Ferry responder (bob): offer over SOCKS5, then what `script` does. */
  async function scriptedInitiator(sid: string, script: (send: (iq: Element) => Promise<unknown>) => Promise<void>) {
    const receiver = new FileTransferManager(pair.bob, {
      transports: [createSocks5Transport({ candidateTimeoutMs: 2_000 }), createIbbTransport()],
      streamTimeoutMs: 10_000,
    });
    open.push(receiver);
    const inbox = jingleInbox(pair.alice);
    open.push(inbox);
    const target = join(files.path, `scripted-${sid}.jpg`);
    let received: Promise<TransferResult> | undefined;
    receiver.once('offer', (offer) => {
      received = offer.accept({ to: target });
    });
    const bob = pair.bob.jid.toString();
    const send = (iq: Element) => pair.alice.request(iq, WAIT_MS);
    const dead = await closedPort();
    await send(
      jingleIq(
        bob,
        'session-initiate',
        sid,
        content(
          fileDescription('photo.jpg', size, sourceHash),
          s5bTransport(`s5b-${sid}`, [{ cid: 'dead1', jid: pair.alice.jid.toString(), port: dead }]),
        ),
      ),
    );
    const accept = await inbox.next('session-accept');
    const answer = accept.getChild('content')?.getChild('transport', NS.JINGLE_S5B);
    assert.ok(answer, 'bob answers with its own s5b transport');
    assert.equal(answer.attrs.sid, `s5b-${sid}`);
    assert.equal(answer.attrs.mode, undefined, '§2.2: the responder sends no mode');
    await script(send);
    // The replace is answered by transport-accept with the IBB transport; then the bytes in-band.
    const transportAccept = await inbox.next('transport-accept');
    const ibb = transportAccept.getChild('content')?.getChild('transport', NS.JINGLE_IBB);
    assert.equal(ibb?.attrs.sid, `ibb-${sid}`);
    const stream = await createIbbTransport().open({
      connection: pair.alice,
      sid: `ibb-${sid}`,
      initiator: pair.alice.jid,
      target: pair.bob.jid,
      signal: new AbortController().signal,
      blockSize: Number(ibb?.attrs['block-size']),
    });
    await pipeline(createReadStream(source), stream.writable);
    assert.ok(received);
    const result = await withTimeout(received, WAIT_MS, 'the received file');
    assert.equal(result.method, 'ibb');
    assert.equal(await sha256File(target), sourceHash);
    await inbox.next('session-terminate');
    return inbox;
  }

  const ibbReplace = (sid: string) =>
    content(xml('transport', { xmlns: NS.JINGLE_IBB, sid: `ibb-${sid}`, 'block-size': '4096' }));

  it('a scripted initiator: candidate-error, then its own transport-replace to IBB: bob accepts', async () => {
    const sid = 'peer-replace';
    const inbox = await scriptedInitiator(sid, async (send) => {
      await send(
        jingleIq(
          pair.bob.jid.toString(),
          'transport-info',
          sid,
          content(s5bTransport(`s5b-${sid}`, [], xml('candidate-error'))),
        ),
      );
      await send(jingleIq(pair.bob.jid.toString(), 'transport-replace', sid, ibbReplace(sid)));
    });
    // Bob could not reach the dead candidate either: it said so.
    const notes = inbox.all
      .filter((element) => element.attrs.action === 'transport-info')
      .map((element) =>
        element.getChild('content')?.getChild('transport', NS.JINGLE_S5B)?.getChildElements()[0]?.getName(),
      );
    assert.ok(notes.includes('candidate-error'), notes.join(', '));
  });

  it('a Libervia-like initiator (COMPAT): <proxy-error/> then transport-replace to IBB, before any nomination', async () => {
    const sid = 'libervia-like';
    await scriptedInitiator(sid, async (send) => {
      // It names its own direct candidate as used (not one of bob's): ignored, not fatal.
      const own = s5bTransport(`s5b-${sid}`, [], xml('candidate-used', { cid: 'dead1' }));
      await send(jingleIq(pair.bob.jid.toString(), 'transport-info', sid, content(own)));
      await send(
        jingleIq(
          pair.bob.jid.toString(),
          'transport-info',
          sid,
          content(s5bTransport(`s5b-${sid}`, [], xml('proxy-error'))),
        ),
      );
      await send(jingleIq(pair.bob.jid.toString(), 'transport-replace', sid, ibbReplace(sid)));
    });
  });

  it('a replace we cannot honour (to an unknown transport) gets transport-reject; the session goes on', async () => {
    const sid = 'odd-replace';
    const inbox = await scriptedInitiator(sid, async (send) => {
      const odd = content(xml('transport', { xmlns: 'urn:xmpp:jingle:transports:ice-udp:1' }));
      await send(jingleIq(pair.bob.jid.toString(), 'transport-replace', sid, odd));
      await send(jingleIq(pair.bob.jid.toString(), 'transport-replace', sid, ibbReplace(sid)));
    });
    const rejected = inbox.all.find((element) => element.attrs.action === 'transport-reject');
    assert.ok(rejected, 'the unknown transport was rejected');
    assert.ok(rejected.getChild('content')?.getChild('transport', 'urn:xmpp:jingle:transports:ice-udp:1'));
  });

  it('a scripted responder replaces SOCKS5 with IBB: Ferry (initiator) accepts and sends in-band', async () => {
    const entity = new ClientEntity(pair.bob);
    entity.addFeatures(NS.JINGLE, NS.JINGLE_FT, NS.JINGLE_S5B, NS.JINGLE_IBB);
    open.push(entity);
    const sender = new FileTransferManager(pair.alice, {
      transports: [createSocks5Transport({ direct: false, discoverProxies: false }), createIbbTransport()],
      acceptTimeoutMs: 10_000,
    });
    open.push(sender);
    const inbox = jingleInbox(pair.bob);
    open.push(inbox);
    const transfer = sender.send(pair.bob.jid.toString(), source, { method: 'jingle' });
    const initiate = await inbox.next('session-initiate');
    const sid = initiate.attrs.sid as string;
    const offered = initiate.getChild('content')?.getChild('transport', NS.JINGLE_S5B);
    assert.ok(offered, 'SOCKS5 offered: the peer lists it');
    const alice = pair.alice.jid.toString();
    const name = initiate.getChild('content')?.attrs.name as string;
    const ours = (...children: Element[]) => xml('content', { creator: 'initiator', name }, ...children);
    const send = (iq: Element) => pair.bob.request(iq, WAIT_MS);
    await send(
      jingleIq(
        alice,
        'session-accept',
        sid,
        ours(
          initiate.getChild('content')!.getChild('description')!,
          xml('transport', { xmlns: NS.JINGLE_S5B, sid: offered.attrs.sid }),
        ),
      ),
    );
    await send(
      jingleIq(
        alice,
        'transport-replace',
        sid,
        ours(xml('transport', { xmlns: NS.JINGLE_IBB, sid: 'ibb-by-responder', 'block-size': '2048' })),
      ),
    );
    const expectation = createIbbTransport().expect(
      {
        connection: pair.bob,
        sid: 'ibb-by-responder',
        initiator: pair.alice.jid,
        target: pair.bob.jid,
        signal: new AbortController().signal,
      },
      WAIT_MS,
    );
    const transportAccept = await inbox.next('transport-accept');
    assert.equal(
      transportAccept.getChild('content')?.getChild('transport', NS.JINGLE_IBB)?.attrs['block-size'],
      '2048',
    );
    const stream = await withTimeout(expectation.established, WAIT_MS, 'the IBB open');
    const chunks: Buffer[] = [];
    for await (const chunk of stream.readable) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).length, size);
    await send(jingleIq(alice, 'session-terminate', sid, xml('reason', null, xml('success'))));
    const sent = await withTimeout(transfer.done, WAIT_MS, 'the transfer');
    assert.equal(sent.method, 'ibb');
    assert.equal(sent.sha256, sourceHash);
  });
});
