// XEP-0353 Jingle Message Initiation on a real Ferry server: a file sent to a bare JID is proposed
// to every device of the account (<propose/> in a chat message to the bare JID), the device that
// answers <proceed/> gets the session-initiate with the proposal's id as sid. Also: a <reject/>
// (a receiver not listening for offers) is a decline; no answer retracts the proposal; a retract
// before the session-initiate makes the receiver refuse that session; with two receiving
// devices the first proceed wins and the other is told <retract/>.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { loginConnection } from '../../helpers/connection-pair.js';
import { sha256File, tempDir, writeRandomFile } from '../../helpers/files.js';
import { withTimeout } from '../../helpers/xmpp-client.js';
import { FileTransferManager } from '@ferry/client/internal/file-transfer';
import { ClientEntity } from '@ferry/client/internal/entity';
import { createIbbTransport } from '@ferry/client';
import type { XmppConnection } from '@ferry/client/internal/connection';
import type { FileOffer } from '@ferry/client/internal/file-offer';
import { JingleOffer } from '@ferry/client/internal/jingle/jingle-offer';
import type { TransferResult } from '@ferry/client/internal/outgoing-transfer';
import type { SendRoute } from '@ferry/client/internal/upload/method-choice';
import { NS } from '@ferry/protocol/namespaces';
import { xml, type Element } from '@ferry/protocol/xml/element';

const WAIT_MS = 20_000;

/** Every JMI message a connection receives, and a wait for the next of a kind. */
function jmiInbox(connection: XmppConnection) {
  const got: Element[] = [];
  const waiters: Array<{ kind: string; resolve(message: Element): void }> = [];
  const stop = connection.onMessage((message) => {
    const payload = message.getChildElements().find((child) => child.getNS() === NS.JINGLE_MESSAGE);
    if (!payload) return;
    got.push(message);
    const waiter = waiters.find((w) => w.kind === payload.getName());
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  return {
    all: got,
    kinds: () => got.map((message) => jmiOf(message).getName()),
    next(kind: string): Promise<Element> {
      const seen = got.find((message) => jmiOf(message).getName() === kind);
      if (seen) return Promise.resolve(seen);
      return withTimeout(new Promise<Element>((resolve) => waiters.push({ kind, resolve })), WAIT_MS, `a <${kind}/>`);
    },
    close: stop,
  };
}

function jmiOf(message: Element): Element {
  return message.getChildElements().find((child) => child.getNS() === NS.JINGLE_MESSAGE)!;
}

describe('XEP-0353: sending a file to a bare JID', () => {
  let ferry: TestServer;
  let alice: XmppConnection;
  let bob: XmppConnection;
  const files = tempDir('ferry-jmi-');
  const open: { close(): void }[] = [];
  let source: string;
  let sourceHash: string;
  const size = 64 * 1024 + 5;

  const manager = (connection: XmppConnection, options: { proposalTimeoutMs?: number } = {}) => {
    const made = new FileTransferManager(connection, { transports: [createIbbTransport()], ...options });
    open.push(made);
    return made;
  };
  /** Bob's presence (with the caps of what it runs) reaches Alice, as a subscription would deliver it. */
  async function showPresence(from: XmppConnection): Promise<void> {
    const seen = new Promise<void>((resolve) => {
      const stop = alice.onPresence((presence) => {
        if (presence.attrs.from === from.jid.toString() && presence.getChild('c', NS.CAPS)) {
          stop();
          resolve();
        }
      });
    });
    await from.send(xml('presence', { to: alice.jid.bare().toString() }));
    await withTimeout(seen, WAIT_MS, 'the presence');
  }

  before(async () => {
    ferry = await startTestServer();
    await ferry.addUser('alice');
    await ferry.addUser('bob');
    alice = await loginConnection(ferry.ports.c2s, 'alice', 'sender');
    bob = await loginConnection(ferry.ports.c2s, 'bob', 'desk');
    source = join(files.path, 'photo.jpg');
    sourceHash = writeRandomFile(source, size);
  });
  afterEach(() => {
    for (const item of open.splice(0)) item.close();
  });
  after(async () => {
    await alice.stop();
    await bob.stop();
    await ferry.stop();
    files.remove();
  });

  it('proposes to the bare JID, initiates to the device that proceeds with the same sid: bytes intact', async () => {
    const receiver = manager(bob);
    const sender = manager(alice);
    const atBob = jmiInbox(bob);
    const atAlice = jmiInbox(alice);
    open.push(atBob, atAlice);
    await showPresence(bob);
    const target = join(files.path, 'jmi.jpg');
    const offered = new Promise<FileOffer>((resolve) => receiver.once('offer', resolve));
    let received: Promise<TransferResult> | undefined;
    void offered.then((offer) => (received = offer.accept({ to: target })));
    const transfer = sender.send(bob.jid.bare().toString(), source, { method: 'jingle' });
    const routes: SendRoute[] = [];
    transfer.on('route', (route) => routes.push(route));
    const sent = await withTimeout(transfer.done, WAIT_MS, 'the transfer');

    const propose = await atBob.next('propose');
    assert.equal(propose.attrs.to, bob.jid.bare().toString(), 'the propose goes to the bare JID');
    assert.equal(propose.attrs.from, alice.jid.toString());
    assert.equal(propose.attrs.type, 'chat', '§3: type chat');
    assert.ok(propose.getChild('store', NS.HINTS), '§3: a <store/> hint');
    const description = jmiOf(propose).getChild('description', NS.JINGLE_FT);
    assert.equal(description?.getChild('file')?.getChildText('name'), 'photo.jpg');
    assert.equal(description?.getChild('file')?.getChildText('size'), String(size));
    const sid = jmiOf(propose).attrs.id as string;

    const proceed = await atAlice.next('proceed');
    assert.equal(proceed.attrs.to, alice.jid.toString(), "v0.8.0: the proceed goes to the initiator's full JID");
    assert.equal(proceed.attrs.from, bob.jid.toString());
    assert.equal(jmiOf(proceed).attrs.id, sid);
    assert.ok(proceed.getChild('store', NS.HINTS));

    assert.equal(routes[0]?.kind, 'jingle');
    assert.equal(routes[0]?.kind === 'jingle' && routes[0].propose, true);
    assert.equal(sent.sid, sid, 'the session-initiate carries the proposal id as sid');
    assert.equal(transfer.peer.toString(), bob.jid.toString());
    assert.equal(sent.sha256, sourceHash);
    const offer = await offered;
    assert.equal(offer instanceof JingleOffer && offer.sid, sid);
    assert.ok(received);
    await withTimeout(received, WAIT_MS, 'the received file');
    assert.equal(await sha256File(target), sourceHash);
  });

  it('a <reject/> (the receiver does not listen for offers) fails the send as declined', async () => {
    manager(bob); // no 'offer' listener: it rejects proposals
    const sender = manager(alice);
    const atAlice = jmiInbox(alice);
    open.push(atAlice);
    await showPresence(bob);
    const transfer = sender.send(bob.jid.bare().toString(), source, { method: 'jingle' });
    await assert.rejects(withTimeout(transfer.done, WAIT_MS, 'the send'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'FERRY_ERR_DECLINED');
      assert.match(error.message, /declined photo\.jpg/);
      return true;
    });
    const reject = await atAlice.next('reject');
    assert.equal(reject.attrs.to, alice.jid.toString());
    assert.equal(reject.attrs.from, bob.jid.toString());
    assert.ok(jmiOf(reject).getChild('reason', NS.JINGLE)?.getChild('busy'), 'XEP-0353 §3.4: <busy/>');
  });

  it('no device proceeds: FERRY_ERR_TIMEOUT and a <retract/> to the bare JID', async () => {
    // Bob advertises JMI but nobody answers the proposal.
    const entity = new ClientEntity(bob);
    entity.addFeatures(NS.JINGLE, NS.JINGLE_FT, NS.JINGLE_IBB, NS.JINGLE_MESSAGE);
    open.push(entity);
    const sender = manager(alice, { proposalTimeoutMs: 1_500 });
    const atBob = jmiInbox(bob);
    open.push(atBob);
    await showPresence(bob);
    const transfer = sender.send(bob.jid.bare().toString(), source, { method: 'jingle' });
    await assert.rejects(withTimeout(transfer.done, WAIT_MS, 'the send'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'FERRY_ERR_TIMEOUT');
      assert.match(error.message, /no device of bob@localhost answered the proposal of photo\.jpg/);
      return true;
    });
    const propose = await atBob.next('propose');
    const retract = await atBob.next('retract');
    assert.equal(retract.attrs.to, bob.jid.bare().toString(), 'the retract goes where the propose went');
    assert.equal(retract.attrs.type, 'chat');
    assert.ok(retract.getChild('store', NS.HINTS));
    assert.equal(jmiOf(retract).attrs.id, jmiOf(propose).attrs.id);
    assert.ok(jmiOf(retract).getChild('reason', NS.JINGLE)?.getChild('cancel'), '§3.3: <cancel/>');
  });

  it('cancelled while waiting for a proceed: the send rejects with the reason and the proposal is retracted', async () => {
    const entity = new ClientEntity(bob);
    entity.addFeatures(NS.JINGLE, NS.JINGLE_FT, NS.JINGLE_IBB, NS.JINGLE_MESSAGE);
    open.push(entity);
    const sender = manager(alice);
    const atBob = jmiInbox(bob);
    open.push(atBob);
    await showPresence(bob);
    const controller = new AbortController();
    const transfer = sender.send(bob.jid.bare().toString(), source, { method: 'jingle', signal: controller.signal });
    const propose = await atBob.next('propose');
    controller.abort(new Error('changed my mind'));
    await assert.rejects(withTimeout(transfer.done, WAIT_MS, 'the send'), /changed my mind/);
    const retract = await atBob.next('retract');
    assert.equal(retract.attrs.to, bob.jid.bare().toString());
    assert.equal(jmiOf(retract).attrs.id, jmiOf(propose).attrs.id);
    assert.ok(jmiOf(retract).getChild('reason', NS.JINGLE)?.getChild('cancel'));
  });

  it('a <retract/> before the session-initiate: the receiver refuses that session, no offer', async () => {
    const receiver = manager(bob);
    let offers = 0;
    receiver.on('offer', () => (offers += 1));
    const atAlice = jmiInbox(alice);
    open.push(atAlice);
    const terminated = new Promise<Element>((resolve) => {
      const stop = alice.onIq('set', NS.JINGLE, 'jingle', (_stanza, payload) => {
        if (payload.attrs.action === 'session-terminate') {
          stop();
          resolve(payload);
        }
        return null;
      });
      open.push({ close: stop });
    });
    const sid = 'retracted-proposal';
    const message = (child: Element) =>
      xml('message', { type: 'chat', to: bob.jid.bare().toString() }, child, xml('store', { xmlns: NS.HINTS }));
    await alice.send(
      message(xml('propose', { xmlns: NS.JINGLE_MESSAGE, id: sid }, xml('description', { xmlns: NS.JINGLE_FT }))),
    );
    const proceed = await atAlice.next('proceed');
    assert.equal(jmiOf(proceed).attrs.id, sid);
    await alice.send(
      message(
        xml(
          'retract',
          { xmlns: NS.JINGLE_MESSAGE, id: sid },
          xml('reason', { xmlns: NS.JINGLE }, xml('cancel'), xml('text', null, 'Retracted')),
        ),
      ),
    );
    // The same sid initiated anyway: bob acknowledges, then terminates it without an offer.
    const initiate = xml(
      'iq',
      { type: 'set', to: bob.jid.toString() },
      xml(
        'jingle',
        { xmlns: NS.JINGLE, action: 'session-initiate', sid, initiator: alice.jid.toString() },
        xml(
          'content',
          { creator: 'initiator', name: 'file', senders: 'initiator' },
          xml(
            'description',
            { xmlns: NS.JINGLE_FT },
            xml('file', null, xml('name', null, 'late.bin'), xml('size', null, '10')),
          ),
          xml('transport', { xmlns: NS.JINGLE_IBB, sid: 'ibb-late', 'block-size': '4096' }),
        ),
      ),
    );
    await alice.request(initiate, WAIT_MS);
    const terminate = await withTimeout(terminated, WAIT_MS, 'the session-terminate');
    assert.equal(terminate.attrs.sid, sid);
    const reason = terminate.getChild('reason');
    assert.ok(reason?.getChild('cancel'), 'ended with <cancel/>');
    assert.equal(reason?.getChildText('text'), 'the proposal was retracted');
    assert.equal(offers, 0);
  });

  it('two receiving devices: the first proceed wins, the other is told <retract/>; bytes intact', async () => {
    const bob2 = await loginConnection(ferry.ports.c2s, 'bob', 'laptop');
    try {
      const devices = [bob, bob2];
      const receivers = devices.map((connection) => manager(connection));
      const inboxes = devices.map((connection) => jmiInbox(connection));
      open.push(...inboxes);
      const sender = manager(alice);
      await showPresence(bob);
      const target = join(files.path, 'two-devices.jpg');
      const offers: Array<{ device: number; offer: FileOffer }> = [];
      let received: Promise<TransferResult> | undefined;
      receivers.forEach((receiver, device) =>
        receiver.on('offer', (offer) => {
          offers.push({ device, offer });
          received = offer.accept({ to: target });
        }),
      );
      const transfer = sender.send(bob.jid.bare().toString(), source, { method: 'jingle' });
      const sent = await withTimeout(transfer.done, WAIT_MS, 'the transfer');
      assert.equal(offers.length, 1, 'one device gets the session');
      const winner = offers[0]!.device;
      const loser = 1 - winner;
      assert.equal(transfer.peer.toString(), devices[winner]!.jid.toString());
      // Both proposed to, both proceeded; only the other one is told to stand down.
      for (const inbox of inboxes) await inbox.next('propose');
      const retract = await inboxes[loser]!.next('retract');
      assert.equal(retract.attrs.to, devices[loser]!.jid.toString(), 'to the late device only');
      assert.equal(jmiOf(retract).attrs.id, sent.sid);
      assert.ok(!inboxes[winner]!.kinds().includes('retract'), 'the winner keeps its proposal');
      assert.ok(received);
      await withTimeout(received, WAIT_MS, 'the received file');
      assert.equal(await sha256File(target), sourceHash);
    } finally {
      for (const item of open.splice(0)) item.close();
      await bob2.stop();
    }
  });
});
