// What the cluster does when a node dies or is presumed dead and comes back: its users' contacts on
// other nodes see them leave; what was waiting in its inbox is routed again instead of lost (a
// message to offline storage, a request bounced); a node that beats again announces its sessions
// and its users' contacts see them come back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { xml } from '../helpers/xmpp-client.js';
import { clusterSkipReason, startClusterNodes, until, type ClusterNodes } from '../helpers/cluster-nodes.js';
import { Jid } from '@ferry/protocol/jid';

const befriend = async (node: TestServer, one: string, other: string) => {
  await node.server.storage.roster.put(one, { jid: `${other}@localhost`, subscription: 'both', groups: [] });
  await node.server.storage.roster.put(other, { jid: `${one}@localhost`, subscription: 'both', groups: [] });
};

describe('cluster recovery: a node that dies, or comes back', { skip: clusterSkipReason() }, () => {
  let cluster: ClusterNodes;
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    cluster = await startClusterNodes();
    a = await cluster.start('node-a');
    b = await cluster.start('node-b');
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'fred']) await a.addUser(user);
    await befriend(a, 'alice', 'bob');
    await befriend(a, 'carol', 'dave');
    await befriend(a, 'erin', 'fred');
    await cluster.login(a, 'alice', 'laptop');
    await cluster.login(b, 'bob', 'phone');
  });
  after(() => cluster?.stop());

  it("a node that stops heartbeating: its users are seen unavailable by their contacts, and a message for them goes to the user's other resource", async () => {
    const c = await cluster.start('node-c');
    const alice = cluster.client('alice@localhost/laptop');
    await cluster.login(c, 'bob', 'car');
    await alice.waitFor(
      (s) => s.is('presence') && s.attrs.from === 'bob@localhost/car' && !s.attrs.type,
      'bob/car available',
    );
    c.server.cluster!.halt();
    await alice.waitFor(
      (s) => s.is('presence') && s.attrs.from === 'bob@localhost/car' && s.attrs.type === 'unavailable',
      'bob/car unavailable',
      10_000,
    );
    assert.equal(a.server.sessions.get(Jid.parse('bob@localhost/car')), undefined);
    assert.equal(b.server.sessions.get(Jid.parse('bob@localhost/car')), undefined);
    const bob = cluster.client('bob@localhost/phone');
    await alice.xmpp.send(
      xml('message', { to: 'bob@localhost/car', type: 'chat', id: 'after-death' }, xml('body', null, 'x')),
    );
    await bob.waitFor((s) => s.attrs.id === 'after-death', 'the fallback to the bare JID');
  });

  it("a dead node's inbox is routed again: a waiting message reaches offline storage, a waiting request bounces", async () => {
    const d = await cluster.start('node-d');
    const carol = await cluster.login(a, 'carol', 'desk');
    await cluster.login(d, 'dave', 'tablet');
    await until(cluster.seesRemote(a, 'dave@localhost/tablet'), 'node-a sees dave on node-d');
    // node-d stops reading its inbox at once; the others keep forwarding to it until its
    // heartbeat key expires (cluster.node_timeout_seconds), so these wait there.
    d.server.cluster!.halt();
    await carol.xmpp.send(
      xml('message', { to: 'dave@localhost/tablet', type: 'chat', id: 'waiting' }, xml('body', null, 'still there?')),
    );
    await carol.xmpp.send(
      xml(
        'iq',
        { to: 'dave@localhost/tablet', type: 'get', id: 'waiting-ping' },
        xml('ping', { xmlns: 'urn:xmpp:ping' }),
      ),
    );
    const bounce = await carol.waitFor((s) => s.attrs.id === 'waiting-ping', 'the ping answered', 10_000);
    assert.equal(bounce.attrs.type, 'error', bounce.toString());
    assert.equal(bounce.attrs.from, 'dave@localhost/tablet');
    const condition = bounce.getChild('error')?.children.find((child) => typeof child !== 'string');
    assert.ok(condition !== undefined && typeof condition !== 'string');
    assert.equal(condition.name, 'service-unavailable', bounce.toString());
    // The message was stored for dave, who gets it at his next login, on another node.
    const dave = await cluster.login(b, 'dave', 'phone');
    const stored = await dave.waitFor((s) => s.attrs.id === 'waiting', 'the stored message', 10_000);
    assert.equal(stored.getChildText('body'), 'still there?');
    assert.equal(stored.attrs.from, 'carol@localhost/desk');
  });

  it('a node presumed dead that beats again: its sessions are routed to again, and their contacts see them available', async () => {
    const e = await cluster.start('node-e');
    const fred = await cluster.login(a, 'fred', 'desk');
    const erin = await cluster.login(e, 'erin', 'laptop');
    await fred.waitFor(
      (s) => s.is('presence') && s.attrs.from === 'erin@localhost/laptop' && !s.attrs.type,
      'erin available',
    );
    const resume = e.server.cluster!.suspendHeartbeat();
    await fred.waitFor(
      (s) => s.is('presence') && s.attrs.from === 'erin@localhost/laptop' && s.attrs.type === 'unavailable',
      'erin presumed gone',
      10_000,
    );
    resume();
    const back = await fred.waitFor(
      (s) => s.is('presence') && s.attrs.from === 'erin@localhost/laptop' && !s.attrs.type,
      'erin available again',
      10_000,
    );
    assert.equal(back.attrs.to, 'fred@localhost/desk');
    await until(cluster.seesRemote(a, 'erin@localhost/laptop'), 'node-a routes to erin again', 10_000);
    await fred.xmpp.send(xml('message', { to: 'erin@localhost/laptop', type: 'chat', id: 'welcome-back' }));
    await erin.waitFor((s) => s.attrs.id === 'welcome-back', 'a message after the return');
  });
});
