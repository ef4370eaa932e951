// RFC 6121 §2 on the module harness: roster get/set/remove, versioning and pushes, as XML.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import disco from '../../../../src/server/modules/disco/index.js';
import roster from '../../../../src/server/modules/roster/index.js';
import { assertXml, loadModules, type FakeSession, type ModuleHarness } from '../../../helpers/module-harness.js';

describe('roster module', () => {
  let harness: ModuleHarness;
  let alice: FakeSession;
  let phone: FakeSession;

  beforeEach(async () => {
    harness = await loadModules([disco, roster]);
    await harness.addUser('alice');
    await harness.addUser('bob');
    alice = harness.connect('alice@localhost/a');
    phone = harness.connect('alice@localhost/phone');
  });
  afterEach(() => harness.stop());

  it('answers a roster get with the items and a version', async () => {
    await harness.send(alice, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
    assertXml(alice.take(), [
      "<iq type='result' id='r1' to='alice@localhost/a'><query xmlns='jabber:iq:roster' ver='*'/></iq>",
    ]);
  });

  it('stores a roster set and pushes it only to resources that asked for the roster', async () => {
    await harness.send(alice, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
    alice.take();
    await harness.send(
      alice,
      "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='Bob@LOCALHOST' name='Bob'><group>Friends</group></item></query></iq>",
    );
    assertXml(alice.take(), [
      "<iq type='set' id='*' to='alice@localhost/a'><query xmlns='jabber:iq:roster' ver='*'><item jid='bob@localhost' name='Bob' subscription='none'><group>Friends</group></item></query></iq>",
      "<iq type='result' id='s1' to='alice@localhost/a'/>",
    ]);
    assert.deepEqual(phone.take(), [], 'the phone never asked for the roster');
  });

  it('answers an unchanged version with an empty result and a changed one with the roster', async () => {
    await harness.send(alice, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster' ver=''/></iq>");
    const [first] = alice.take();
    const ver = /ver="([^"]+)"|ver='([^']+)'/.exec(first!)!.slice(1).find(Boolean)!;
    await harness.send(alice, `<iq type='get' id='r2'><query xmlns='jabber:iq:roster' ver='${ver}'/></iq>`);
    assertXml(alice.take(), ["<iq type='result' id='r2' to='alice@localhost/a'/>"]);
    await harness.send(
      phone,
      "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='bob@localhost'/></query></iq>",
    );
    alice.take();
    await harness.send(alice, `<iq type='get' id='r3'><query xmlns='jabber:iq:roster' ver='${ver}'/></iq>`);
    assertXml(alice.take(), [
      "<iq type='result' id='r3' to='alice@localhost/a'><query xmlns='jabber:iq:roster' ver='*'><item jid='bob@localhost' subscription='none'/></query></iq>",
    ]);
  });

  it('keeps every change when two resources set items at the same time', async () => {
    const sets = ['bob', 'carol', 'dave'].map((name, index) =>
      harness.send(
        index % 2 ? phone : alice,
        `<iq type='set' id='s${index}'><query xmlns='jabber:iq:roster'><item jid='${name}@localhost'/></query></iq>`,
      ),
    );
    await Promise.all(sets);
    const items = await harness.core.storage.roster.items('alice');
    assert.deepEqual(
      items.map((item) => item.jid),
      ['bob@localhost', 'carol@localhost', 'dave@localhost'],
    );
  });

  it("forbids reading or writing someone else's roster, and removing an unknown item", async () => {
    await harness.send(alice, "<iq type='get' id='x1' to='bob@localhost'><query xmlns='jabber:iq:roster'/></iq>");
    await harness.send(
      alice,
      "<iq type='set' id='x2'><query xmlns='jabber:iq:roster'><item jid='nobody@localhost' subscription='remove'/></query></iq>",
    );
    assertXml(alice.take(), [
      "<iq type='error' id='x1' to='alice@localhost/a' from='bob@localhost'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>a roster belongs to its account</text></error></iq>",
      "<iq type='error' id='x2' to='alice@localhost/a' from='localhost'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
    ]);
  });
});
