// What one account may store: roster items (modules.roster.max_items, not-allowed past it) and
// inbound subscription requests waiting for an answer (max_pending_subscriptions, the request
// bounced with resource-constraint past it). Changes to existing items are never refused.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import disco from '../../../../src/server/modules/disco/index.js';
import roster from '../../../../src/server/modules/roster/index.js';
import presence from '../../../../src/server/modules/presence/index.js';
import { assertXml, loadModules, type ModuleHarness } from '../../../helpers/module-harness.js';

const rosterSet = (id: string, jid: string, name = '') =>
  `<iq type='set' id='${id}'><query xmlns='jabber:iq:roster'><item jid='${jid}'${name ? ` name='${name}'` : ''}/></query></iq>`;

describe('roster limits', () => {
  let harness: ModuleHarness;
  afterEach(() => harness.stop());

  it('refuses a roster set adding an item past max_items with not-allowed, and still updates existing items', async () => {
    harness = await loadModules([disco, roster], { config: { 'modules.roster.max_items': 2 } });
    await harness.addUser('alice');
    const alice = harness.connect('alice@localhost/a');
    await harness.send(alice, rosterSet('s1', 'one@example.org'));
    await harness.send(alice, rosterSet('s2', 'two@example.org'));
    alice.take();
    await harness.send(alice, rosterSet('s3', 'three@example.org'));
    assertXml(alice.take(), [
      "<iq type='error' id='s3' from='localhost' to='alice@localhost/a'><error type='cancel'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>the roster is full (2 items)</text></error></iq>",
    ]);
    await harness.send(alice, rosterSet('s4', 'two@example.org', 'Two'));
    assertXml(alice.take(), ["<iq type='result' id='s4' to='alice@localhost/a'/>"]);
    assert.equal((await harness.core.storage.roster.items('alice')).length, 2);
  });

  it('bounces subscription requests past max_pending_subscriptions with resource-constraint', async () => {
    harness = await loadModules([disco, roster, presence], {
      config: { 'modules.roster.max_pending_subscriptions': 2 },
    });
    for (const user of ['victim', 's1', 's2', 's3']) await harness.addUser(user);
    const senders = ['s1', 's2', 's3'].map((user) => harness.connect(`${user}@localhost/r`));
    for (const sender of senders) await harness.send(sender, "<presence to='victim@localhost' type='subscribe'/>");
    assert.deepEqual(senders[0]!.take(), []);
    assertXml(senders[2]!.take(), [
      "<presence type='error' from='victim@localhost' to='s3@localhost/r'><error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>too many subscription requests are waiting</text></error></presence>",
    ]);
    const pending = (await harness.core.storage.roster.items('victim')).filter((item) => item.pendingIn);
    assert.deepEqual(
      pending.map((item) => item.jid),
      ['s1@localhost', 's2@localhost'],
    );
  });
});
