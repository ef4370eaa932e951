// send() to a bare JID on a real Ferry server: SI to the contact's resource when we have its
// presence and it takes files; an upload to the server's XEP-0363 service and a link message
// otherwise, which the receiver gets as an offer and downloads, verified. Bob's presence reaches
// Alice as directed presence, as a subscription would deliver it.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { sha256File, tempDir, writeRandomFile } from '../../helpers/files.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { createIbbTransport } from '@ferry/client';
import type { FileOffer } from '@ferry/client/internal/file-offer';
import type { SendRoute } from '@ferry/client/internal/upload/method-choice';
import { xml } from '@ferry/protocol/xml/element';

describe('send() to a bare JID', () => {
  let pair: ConnectionPair;
  const files = tempDir('ferry-send-routing-');
  const managers: FileTransferManager[] = [];
  const manager = (connection: ConnectionPair['alice']) => {
    const made = new FileTransferManager(connection, { transports: [createIbbTransport()] });
    managers.push(made);
    return made;
  };

  before(async () => {
    pair = await startConnectionPair();
  });
  afterEach(() => {
    for (const m of managers.splice(0)) m.close();
  });
  after(async () => {
    await pair.stop();
    files.remove();
  });

  for (const method of ['si', 'auto'] as const) {
    it(`${method}: offers ${method === 'si' ? 'SI' : 'Jingle (what both list)'} to the online resource that takes files`, async () => {
      const sender = manager(pair.alice);
      const receiver = manager(pair.bob);
      const seen = new Promise<void>((resolve) => {
        const stop = pair.alice.onPresence((presence) => {
          if (presence.attrs.from === pair.bob.jid.toString()) {
            stop();
            resolve();
          }
        });
      });
      await pair.bob.send(xml('presence', { to: pair.alice.jid.bare().toString() }));
      await seen;
      const source = join(files.path, 'si.bin');
      const hash = writeRandomFile(source, 20_000);
      const offered = new Promise<FileOffer>((resolve) => receiver.once('offer', resolve));
      const transfer = sender.send(pair.bob.jid.bare().toString(), source, { method });
      const routes: SendRoute[] = [];
      transfer.on('route', (route) => routes.push(route));
      const offer = await offered;
      assert.equal(offer.method, method === 'si' ? 'si' : 'jingle');
      const target = join(files.path, `${method}-received.bin`);
      const [sent] = await Promise.all([transfer.done, offer.accept({ to: target })]);
      assert.equal(sent.method, 'ibb');
      const kind = method === 'si' ? 'si' : 'jingle';
      assert.equal(routes[0]?.kind, kind);
      // Jingle: Bob's Ferry advertises XEP-0353, so the file is proposed to the bare JID and
      // the resource that proceeds gets it.
      const routedTo = method === 'si' ? pair.bob.jid : pair.bob.jid.bare();
      assert.equal(routes[0]?.kind === kind && routes[0].to.toString(), routedTo.toString());
      assert.equal(transfer.peer.toString(), pair.bob.jid.toString());
      assert.equal(await sha256File(target), hash);
    });
  }

  it("goes by upload when method is 'upload', even to a capable full JID", async () => {
    const receiver = manager(pair.bob);
    const offered = new Promise<FileOffer>((resolve) => receiver.once('offer', resolve));
    const transfer = manager(pair.alice).send(pair.bob.jid.toString(), join(files.path, 'si.bin'), {
      method: 'upload',
    });
    const routes: SendRoute[] = [];
    transfer.on('route', (route) => routes.push(route));
    const sent = await transfer.done;
    assert.equal(routes[0]?.kind, 'upload');
    assert.match(sent.url ?? '', /^https:\/\/localhost:\d+\/upload\/[^/]+\/si\.bin$/);
    const offer = await offered;
    assert.equal(offer.method, 'upload');
    assert.equal(offer.name, 'si.bin');
    assert.equal(offer.size, 20_000);
    const target = join(files.path, 'link-received.bin');
    await offer.accept({ to: target });
    assert.equal(await sha256File(target), await sha256File(join(files.path, 'si.bin')));
  });

  it('goes by upload once the contact went offline', async () => {
    const sender = manager(pair.alice);
    const gone = new Promise<void>((resolve) => {
      const stop = pair.alice.onPresence((presence) => {
        if (presence.attrs.type === 'unavailable') {
          stop();
          resolve();
        }
      });
    });
    await pair.bob.send(xml('presence', { to: pair.alice.jid.bare().toString(), type: 'unavailable' }));
    await gone;
    const transfer = sender.send(pair.bob.jid.bare().toString(), join(files.path, 'si.bin'));
    const routes: SendRoute[] = [];
    transfer.on('route', (route) => routes.push(route));
    const sent = await transfer.done;
    assert.deepEqual(routes, [{ kind: 'upload', reason: 'bob@localhost has no resource online that we can see' }]);
    assert.match(sent.url ?? '', /^https:\/\/localhost:\d+\/upload\//);
  });
});
