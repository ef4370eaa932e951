// The mirror of other nodes' sessions: a later bind is never undone by an earlier one's removal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Jid } from '@ferry/protocol/jid';
import { RemoteMirror, RemoteSession } from '../../../../src/server/cluster/remote-mirror.js';

const session = (jid: string, node: string, sid: string, presence?: string) =>
  new RemoteSession(Jid.parse(jid), { node, sid, priority: 1, presence, isRosterRequested: false });

describe('RemoteMirror', () => {
  it('answers by full and bare JID, counting sessions once per full JID', () => {
    const mirror = new RemoteMirror();
    mirror.set(session('alice@localhost/phone', 'node-b', 's1', '<presence/>'));
    mirror.set(session('alice@localhost/laptop', 'node-c', 's2'));
    mirror.set(session('alice@localhost/phone', 'node-b', 's3', '<presence/>'));
    assert.equal(mirror.size, 2);
    assert.equal(mirror.get(Jid.parse('alice@localhost/phone'))?.sid, 's3');
    assert.deepEqual(
      mirror
        .resources('alice@localhost')
        .map((s) => s.jid.resource)
        .sort(),
      ['laptop', 'phone'],
    );
    assert.deepEqual(mirror.resources('bob@localhost'), []);
  });

  it('removes an entry only for the bind that made it', () => {
    const mirror = new RemoteMirror();
    mirror.set(session('alice@localhost/phone', 'node-c', 'new'));
    mirror.delete(Jid.parse('alice@localhost/phone'), 'old');
    assert.equal(mirror.get(Jid.parse('alice@localhost/phone'))?.sid, 'new');
    mirror.delete(Jid.parse('alice@localhost/phone'), 'new');
    assert.equal(mirror.size, 0);
  });

  it("drops every session of a node, and only that node's", () => {
    const mirror = new RemoteMirror();
    mirror.set(session('alice@localhost/phone', 'node-b', 's1'));
    mirror.set(session('bob@localhost/car', 'node-b', 's2'));
    mirror.set(session('bob@localhost/desk', 'node-c', 's3'));
    assert.deepEqual(
      mirror
        .dropNode('node-b')
        .map((s) => s.jid.toString())
        .sort(),
      ['alice@localhost/phone', 'bob@localhost/car'],
    );
    assert.deepEqual(
      mirror.resources('bob@localhost').map((s) => s.node),
      ['node-c'],
    );
    assert.equal(mirror.size, 1);
  });

  it('treats a stored presence that is not a <presence/> as unavailable, and strips its addresses', () => {
    assert.equal(session('a@localhost/x', 'n', 's', '<message/>').presence, undefined);
    assert.equal(session('a@localhost/x', 'n', 's', '<presence').presence, undefined);
    const presence = session(
      'a@localhost/x',
      'n',
      's',
      '<presence to="evil@x" from="b@y"><show>dnd</show></presence>',
    ).presence;
    assert.equal(presence?.toString(), '<presence><show>dnd</show></presence>');
  });
});
