// XEP-0030 on the module harness: what the server and an account answer, and from which address.
import { describe, it, beforeEach, afterEach } from 'node:test';
import disco from '../../../../src/server/modules/disco/index.js';
import { assertXml, loadModules, type FakeSession, type ModuleHarness } from '../../../helpers/module-harness.js';

describe('disco module', () => {
  let harness: ModuleHarness;
  let alice: FakeSession;

  beforeEach(async () => {
    harness = await loadModules([disco]);
    await harness.addUser('alice');
    await harness.addUser('bob');
    alice = harness.connect('alice@localhost/a');
  });
  afterEach(() => harness.stop());

  it("answers disco#info for an account's bare JID from that JID", async () => {
    await harness.send(
      alice,
      "<iq type='get' id='d1' to='bob@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    );
    await harness.send(
      alice,
      "<iq type='get' id='d2' to='alice@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    );
    const info =
      "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='account' type='registered'/>" +
      "<feature var='http://jabber.org/protocol/disco#info'/><feature var='http://jabber.org/protocol/disco#items'/></query>";
    assertXml(alice.take(), [
      `<iq type='result' id='d1' to='alice@localhost/a' from='bob@localhost'>${info}</iq>`,
      `<iq type='result' id='d2' to='alice@localhost/a' from='alice@localhost'>${info}</iq>`,
    ]);
  });

  it('answers service-unavailable for an account that does not exist', async () => {
    await harness.send(
      alice,
      "<iq type='get' id='d3' to='nobody@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    );
    assertXml(alice.take(), [
      "<iq type='error' id='d3' to='alice@localhost/a' from='nobody@localhost'><error type='cancel'>" +
        "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
    ]);
  });
});
