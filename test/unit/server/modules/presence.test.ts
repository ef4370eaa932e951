// RFC 6121 §3–§4 on the module harness: subscriptions, broadcast, probes and unavailable
// presence, with the exact stanzas each resource receives.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import disco from '../../../../src/server/modules/disco/index.js';
import roster from '../../../../src/server/modules/roster/index.js';
import presence from '../../../../src/server/modules/presence/index.js';
import { assertXml, loadModules, type FakeSession, type ModuleHarness } from '../../../helpers/module-harness.js';

const presences = (session: FakeSession) => session.take().filter((xml) => xml.startsWith('<presence'));

describe('presence module', () => {
  let harness: ModuleHarness;
  let alice: FakeSession;
  let bob: FakeSession;
  let bobPhone: FakeSession;

  /** alice → bob subscription, approved: alice has "to", bob has "from". */
  const subscribe = async () => {
    await harness.send(alice, "<presence to='bob@localhost' type='subscribe'/>");
    await harness.send(bob, "<presence to='alice@localhost' type='subscribed'/>");
    for (const session of [alice, bob, bobPhone]) session.take();
  };

  beforeEach(async () => {
    harness = await loadModules([disco, roster, presence]);
    await harness.addUser('alice');
    await harness.addUser('bob');
    alice = harness.connect('alice@localhost/a');
    bob = harness.connect('bob@localhost/b');
    bobPhone = harness.connect('bob@localhost/phone');
    for (const session of [alice, bob, bobPhone]) await harness.send(session, '<presence/>');
    for (const session of [alice, bob, bobPhone]) session.take();
  });
  afterEach(() => harness.stop());

  it("delivers a subscription request to every available resource with the bare 'to' as sent", async () => {
    await harness.send(alice, "<presence to='bob@localhost' type='subscribe'/>");
    for (const session of [bob, bobPhone]) {
      assertXml(presences(session), ["<presence type='subscribe' from='alice@localhost' to='bob@localhost'/>"]);
    }
    assert.equal((await harness.core.storage.roster.get('alice', 'bob@localhost'))?.ask, 'subscribe');
    assert.equal((await harness.core.storage.roster.get('bob', 'alice@localhost'))?.pendingIn, true);
  });

  it("on approval tells the subscriber, and sends it the contact's current presence", async () => {
    await harness.send(alice, "<presence to='bob@localhost' type='subscribe'/>");
    await harness.send(bob, "<presence to='alice@localhost' type='subscribed'/>");
    assertXml(presences(alice), [
      "<presence type='subscribed' from='bob@localhost' to='alice@localhost'/>",
      "<presence from='bob@localhost/b' to='alice@localhost/a'/>",
      "<presence from='bob@localhost/phone' to='alice@localhost/a'/>",
    ]);
    assert.equal((await harness.core.storage.roster.get('alice', 'bob@localhost'))?.subscription, 'to');
    assert.equal((await harness.core.storage.roster.get('bob', 'alice@localhost'))?.subscription, 'from');
  });

  it("broadcasts a contact's presence to subscribers and to its own resources", async () => {
    await subscribe();
    await harness.send(bob, "<presence id='p1'><show>away</show></presence>");
    assertXml(presences(alice), [
      "<presence id='p1' from='bob@localhost/b' to='alice@localhost/a'><show>away</show></presence>",
    ]);
    assertXml(presences(bobPhone), [
      "<presence id='p1' from='bob@localhost/b' to='bob@localhost/phone'><show>away</show></presence>",
    ]);
  });

  it('sends unavailable presence to subscribers when a session ends', async () => {
    await subscribe();
    await harness.disconnect(bobPhone);
    assertXml(presences(alice), ["<presence type='unavailable' from='bob@localhost/phone' to='alice@localhost/a'/>"]);
    assertXml(presences(bob), ["<presence type='unavailable' from='bob@localhost/phone' to='bob@localhost/b'/>"]);
  });

  it('re-delivers a pending subscription request at the next login', async () => {
    await harness.send(alice, "<presence to='bob@localhost' type='subscribe'/>");
    const later = harness.connect('bob@localhost/laptop');
    await harness.send(later, '<presence/>');
    assert.ok(
      presences(later).some((xml) => /type=.subscribe./.test(xml) && /to=.bob@localhost['"]/.test(xml)),
      'the pending request arrives, addressed to the bare JID',
    );
  });

  it('answers a probe only for a subscribed prober', async () => {
    await harness.send(alice, "<presence to='bob@localhost' type='probe'/>");
    assert.deepEqual(presences(alice), [], 'not subscribed: nothing');
    await subscribe();
    await harness.send(alice, "<presence to='bob@localhost' type='probe'/>");
    assert.equal(presences(alice).length, 2, "bob's two available resources");
  });

  it('cancels both directions when a contact is removed from the roster', async () => {
    await subscribe();
    await harness.send(
      alice,
      "<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>",
    );
    assert.equal(await harness.core.storage.roster.get('alice', 'bob@localhost'), undefined);
    assert.equal((await harness.core.storage.roster.get('bob', 'alice@localhost'))?.subscription, 'none');
    assertXml(presences(bob), ["<presence type='unsubscribe' from='alice@localhost' to='bob@localhost'/>"]);
  });
});
