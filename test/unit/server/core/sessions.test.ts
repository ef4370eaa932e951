// The routing table: one session per account without a resource table, several with one, and
// replacement by full JID (RFC 6120 §7.7.2.2) either way.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSessionDirectory } from '../../../../src/server/core/sessions.js';
import type { ClientSession } from '../../../../src/server/core/session.js';
import { Jid } from '@ferry/protocol/jid';
import { fakeSession } from '../../../helpers/fake-session.js';
import { StreamError } from '@ferry/protocol/errors/stream-error';

const session = (address: string, isAvailable = false) => fakeSession(address, { isAvailable });

describe('LocalSessionDirectory', () => {
  it('finds one or several resources of an account, and forgets them one by one', () => {
    const sessions = new LocalSessionDirectory();
    const a = session('alice@localhost/a');
    const b = session('alice@localhost/b', true);
    const c = session('alice@localhost/c');
    assert.equal(sessions.add(a), undefined);
    assert.equal(sessions.get(Jid.parse('alice@localhost/a')), a);
    assert.equal(sessions.get(Jid.parse('alice@localhost/b')), undefined);
    assert.equal(sessions.add(b), undefined);
    assert.equal(sessions.add(c), undefined);
    assert.equal(sessions.size, 3);
    assert.deepEqual(sessions.resources('alice@localhost'), [a, b, c]);
    assert.deepEqual(sessions.available(Jid.parse('alice@localhost/x')), [b]);
    assert.deepEqual([...sessions.local()], [a, b, c]);
    assert.equal(sessions.remove(b), true);
    assert.equal(sessions.remove(b), false);
    assert.equal(sessions.remove(a), true);
    assert.equal(sessions.get(Jid.parse('alice@localhost/c')), c);
    assert.deepEqual(sessions.resources(Jid.parse('alice@localhost')), [c]);
    assert.equal(sessions.remove(c), true);
    assert.equal(sessions.size, 0);
    assert.deepEqual(sessions.resources('alice@localhost'), []);
  });

  it('returns the session a new one replaces, alone or among others, and keeps the newer', () => {
    const sessions = new LocalSessionDirectory();
    const old = session('bob@localhost/r');
    const newer = session('bob@localhost/r');
    sessions.add(old);
    assert.equal(sessions.add(newer), old);
    assert.equal(sessions.remove(old), false, 'the replaced session no longer owns the address');
    assert.equal(sessions.get(Jid.parse('bob@localhost/r')), newer);
    const other = session('bob@localhost/s');
    sessions.add(other);
    const newest = session('bob@localhost/r');
    assert.equal(sessions.add(newest), newer);
    assert.equal(sessions.size, 2);
    assert.equal(sessions.get(Jid.parse('bob@localhost/r')), newest);
  });

  it('records presence, priority and roster interest only for sessions it holds', () => {
    const sessions = new LocalSessionDirectory();
    const held = session('carol@localhost/a');
    const stranger = session('carol@localhost/b');
    sessions.add(held);
    const presence = {} as ClientSession['presence'];
    sessions.setPresence(held, presence, 5);
    sessions.setRosterRequested(held);
    assert.deepEqual(sessions.available('carol@localhost'), [held]);
    assert.equal(held.priority, 5);
    assert.equal(held.isRosterRequested, true);
    sessions.setPresence(stranger, presence, 7);
    sessions.setRosterRequested(stranger);
    assert.equal(stranger.presence, undefined, 'a session it does not hold is left alone');
    assert.equal(stranger.isRosterRequested, false);
    sessions.setPresence(held, undefined, 0);
    assert.deepEqual(sessions.available('carol@localhost'), []);
  });

  it('closes a session it holds with the given error, and ignores others', () => {
    const sessions = new LocalSessionDirectory();
    const closed: string[] = [];
    const held = {
      ...session('dave@localhost/a'),
      close: (error?: { condition: string }) => closed.push(`a:${error?.condition}`),
    };
    const stranger = { ...session('dave@localhost/b'), close: () => closed.push('b') };
    sessions.add(held);
    sessions.close(held, new StreamError('conflict'));
    sessions.close(stranger, new StreamError('conflict'));
    assert.deepEqual(closed, ['a:conflict']);
  });
});
