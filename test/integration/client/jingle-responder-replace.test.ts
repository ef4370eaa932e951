// XEP-0260 §2.6 / XEP-0166 §7.2.15: the responder replaces a failed SOCKS5 transport with IBB
// itself, on a real Ferry server. A scripted initiator (alice, raw) offers one SOCKS5 candidate
// nobody can reach and reports candidate-error, but never replaces the transport: Ferry (bob, the
// responder and receiver) sends transport-replace to IBB after its short wait, and the bytes come
// in-band, verified. Then the tie (XEP-0166 §7.2.16): both replace at once, the initiator answers
// ours with conflict + <tie-break/>, and Ferry accepts the initiator's.
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
import { createIbbTransport, createSocks5Transport } from '@ferry/client';
import type { XmppConnection } from '@ferry/client/internal/connection';
import type { TransferResult } from '@ferry/client/internal/outgoing-transfer';
import { jingleErrors } from '@ferry/protocol/payloads/jingle';
import { NS } from '@ferry/protocol/namespaces';
import { xml, type Element } from '@ferry/protocol/xml/element';

const WAIT_MS = 20_000;

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Jingle iq sets alice receives, by action; `answer` may reply to one first (an error, or undefined). */
function jingleInbox(connection: XmppConnection, answer?: (payload: Element) => Promise<void> | void) {
  const got: Element[] = [];
  const waiters: Array<{ action: string; resolve(element: Element): void }> = [];
  const stop = connection.onIq('set', NS.JINGLE, 'jingle', async (_stanza, payload) => {
    const waiter = waiters.find((w) => w.action === payload.attrs.action);
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(payload);
    } else got.push(payload);
    await answer?.(payload);
    return null;
  });
  return {
    next(action: string): Promise<Element> {
      const index = got.findIndex((element) => element.attrs.action === action);
      if (index >= 0) return Promise.resolve(got.splice(index, 1)[0]!);
      return withTimeout(new Promise<Element>((resolve) => waiters.push({ action, resolve })), WAIT_MS, `a ${action}`);
    },
    close: stop,
  };
}

function jingleIq(to: string, action: string, sid: string, ...children: Element[]): Element {
  return xml('iq', { type: 'set', to }, xml('jingle', { xmlns: NS.JINGLE, action, sid }, ...children));
}

function content(...children: Element[]): Element {
  return xml('content', { creator: 'initiator', name: 'a-file-offer', senders: 'initiator' }, ...children);
}

describe('Jingle: the responder replaces a failed SOCKS5 transport itself', () => {
  let pair: ConnectionPair;
  const files = tempDir('ferry-responder-replace-');
  const open: { close(): void }[] = [];
  let source: string;
  let sourceHash: string;
  const size = 96 * 1024 + 11;

  before(async () => {
    pair = await startConnectionPair();
    source = join(files.path, 'photo.jpg');
    sourceHash = writeRandomFile(source, size);
  });
  afterEach(() => {
    for (const item of open.splice(0)) item.close();
  });
  after(async () => {
    await pair.stop();
    files.remove();
  });

  /**
   * Alice offers SOCKS5 with a dead candidate, reports candidate-error, never replaces; `onReplace`
   * is how she answers bob's transport-replace. Resolves with the IBB sid the bytes went over.
   */
  async function failedSocks5(sid: string, onReplace?: (payload: Element) => Promise<void>) {
    const receiver = new FileTransferManager(pair.bob, {
      transports: [createSocks5Transport({ candidateTimeoutMs: 2_000, direct: false }), createIbbTransport()],
      streamTimeoutMs: 10_000,
    });
    open.push(receiver);
    const inbox = jingleInbox(pair.alice, async (payload) => {
      if (payload.attrs.action === 'transport-replace' && onReplace) await onReplace(payload);
    });
    open.push(inbox);
    const target = join(files.path, `${sid}.jpg`);
    let received: Promise<TransferResult> | undefined;
    receiver.once('offer', (offer) => {
      received = offer.accept({ to: target });
    });
    const bob = pair.bob.jid.toString();
    const send = (iq: Element) => pair.alice.request(iq, WAIT_MS);
    const description = xml(
      'description',
      { xmlns: NS.JINGLE_FT },
      xml(
        'file',
        null,
        xml('name', null, 'photo.jpg'),
        xml('size', null, String(size)),
        xml('hash', { xmlns: NS.HASHES, algo: 'sha-256' }, Buffer.from(sourceHash, 'hex').toString('base64')),
      ),
    );
    const dead = xml('candidate', {
      cid: 'dead1',
      host: '127.0.0.1',
      jid: pair.alice.jid.toString(),
      port: await closedPort(),
      priority: 8257536,
      type: 'direct',
    });
    await send(
      jingleIq(
        bob,
        'session-initiate',
        sid,
        content(description, xml('transport', { xmlns: NS.JINGLE_S5B, sid: `s5b-${sid}`, mode: 'tcp' }, dead)),
      ),
    );
    await inbox.next('session-accept');
    const candidateError = xml('transport', { xmlns: NS.JINGLE_S5B, sid: `s5b-${sid}` }, xml('candidate-error'));
    await send(jingleIq(bob, 'transport-info', sid, content(candidateError)));
    return { inbox, send, bob, received: () => received, target };
  }

  async function streamIbb(ibbSid: string, blockSize: number): Promise<void> {
    const stream = await createIbbTransport().open({
      connection: pair.alice,
      sid: ibbSid,
      initiator: pair.alice.jid,
      target: pair.bob.jid,
      signal: new AbortController().signal,
      blockSize,
    });
    await pipeline(createReadStream(source), stream.writable);
  }

  it('the initiator does not replace: bob sends transport-replace to IBB, alice accepts, bytes intact', async () => {
    const sid = 'responder-replaces';
    const run = await failedSocks5(sid);
    const replace = await run.inbox.next('transport-replace');
    const offered = replace.getChild('content')?.getChild('transport', NS.JINGLE_IBB);
    assert.ok(offered, "bob's replace offers IBB");
    assert.equal(replace.getChild('content')?.attrs.creator, 'initiator');
    assert.equal(replace.getChild('content')?.attrs.name, 'a-file-offer');
    const ibbSid = offered.attrs.sid as string;
    const blockSize = Number(offered.attrs['block-size']);
    assert.ok(blockSize > 0);
    await run.send(jingleIq(run.bob, 'transport-accept', sid, content(offered)));
    await streamIbb(ibbSid, blockSize);
    const received = run.received();
    assert.ok(received);
    const result = await withTimeout(received, WAIT_MS, 'the received file');
    assert.equal(result.method, 'ibb');
    assert.equal(await sha256File(run.target), sourceHash);
    const terminate = await run.inbox.next('session-terminate');
    assert.ok(terminate.getChild('reason')?.getChild('success'));
  });

  it("both replace at once: alice answers bob's with conflict + <tie-break/>, bob accepts alice's", async () => {
    const sid = 'replace-tie';
    const aliceIbb = xml('transport', { xmlns: NS.JINGLE_IBB, sid: `ibb-${sid}`, 'block-size': '4096' });
    let bobsReplace: Element | undefined;
    const run = await failedSocks5(sid, async (payload) => {
      bobsReplace = payload;
      // Alice's own replace crosses bob's: it reaches bob while bob's is still unanswered.
      await pair.alice.request(jingleIq(pair.bob.jid.toString(), 'transport-replace', sid, content(aliceIbb)), WAIT_MS);
      throw jingleErrors.tieBreak();
    });
    const accept = await run.inbox.next('transport-accept');
    assert.ok(bobsReplace, 'bob sent its own replace');
    const accepted = accept.getChild('content')?.getChild('transport', NS.JINGLE_IBB);
    assert.equal(accepted?.attrs.sid, `ibb-${sid}`, "bob accepted the initiator's transport, not its own");
    await streamIbb(`ibb-${sid}`, Number(accepted?.attrs['block-size']));
    const received = run.received();
    assert.ok(received);
    const result = await withTimeout(received, WAIT_MS, 'the received file');
    assert.equal(result.method, 'ibb');
    assert.equal(await sha256File(run.target), sourceHash);
    const terminate = await run.inbox.next('session-terminate');
    assert.ok(terminate.getChild('reason')?.getChild('success'), 'the lost tie did not end the session');
  });
});
