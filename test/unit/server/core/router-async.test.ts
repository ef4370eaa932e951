// Asynchronous handlers keep each session's stanza order; remote routes claim what is not local;
// every stanza to a session passes the outbound filters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_HELD_STANZAS } from '../../../../src/server/core/session-order.js';
import type { SessionInfo } from '../../../../src/server/core/session.js';
import type { RemoteStanza } from '../../../../src/server/core/routing-types.js';
import { Jid } from '@ferry/protocol/jid';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml } from '@ferry/protocol/xml/element';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import { routerWithTwoSessions } from '../../../helpers/fake-session.js';

const setup = () => routerWithTwoSessions();

const stanza = (text: string) => parseElement(text)!;
const message = (id: string, to = 'bob@localhost/b', from = 'alice@localhost/a') =>
  stanza(`<message id='${id}' type='chat' from='${from}' to='${to}'><body>${id}</body></message>`);

/** A promise the test resolves by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('router with asynchronous handlers', () => {
  it("holds a session's later stanzas until its async handler settles, and lets other sessions through", async () => {
    const { router, alice, bob } = setup();
    const slow = gate();
    router.on('message', 'bare', async (event) => {
      await slow.promise;
      router.deliver(bob, event.stanza);
      return true;
    });
    router.on('message', 'full', (event) => {
      router.deliver(event.to!.equals(bob.jid) ? bob : alice, event.stanza);
      return true;
    });
    router.route(message('1', 'bob@localhost'), alice); // async: waits at the gate
    router.route(message('2'), alice); // sync, but must wait behind 1
    router.route(message('3', 'alice@localhost/a', 'bob@localhost/b'), bob); // another session: not held
    assert.deepEqual(
      bob.inbox.map((x) => x.attrs.id),
      [],
      'nothing of alice reached bob before the first handler finished',
    );
    assert.equal(alice.inbox.length, 1, "bob's stanza went through at once");
    slow.open();
    await settle();
    assert.deepEqual(
      bob.inbox.map((x) => x.attrs.id),
      ['1', '2'],
    );
  });

  it('keeps order across several async stanzas in a row', async () => {
    const { router, alice, bob } = setup();
    const seen: string[] = [];
    router.on('message', 'full', async (event) => {
      const id = event.stanza.attrs.id as string;
      // Later stanzas finish their own work sooner: only the hold keeps them in order.
      await new Promise((resolve) => setTimeout(resolve, 10 - Number(id)));
      seen.push(id);
      router.deliver(bob, event.stanza);
      return true;
    });
    for (const id of ['1', '2', '3', '4', '5']) router.route(message(id), alice);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(seen, ['1', '2', '3', '4', '5']);
  });

  it('answers a rejected handler with internal-server-error and goes on with the next stanza', async () => {
    const { router, alice, bob } = setup();
    router.on('message', 'full', async (event) => {
      if (event.stanza.attrs.id === 'bad') throw new Error('storage down');
      router.deliver(bob, event.stanza);
      return true;
    });
    router.route(message('bad'), alice);
    router.route(message('good'), alice);
    await settle();
    assert.match(alice.inbox[0]!.toString(), /internal-server-error/);
    assert.doesNotMatch(alice.inbox[0]!.toString(), /storage down/);
    assert.equal(bob.inbox[0]!.attrs.id, 'good');
  });

  it('offers the stanza to the next handler when an async one resolves without claiming it', async () => {
    const { router, alice } = setup();
    const calls: string[] = [];
    router.on('message', 'full', async () => void calls.push('first'), 10);
    router.on('message', 'full', () => {
      calls.push('second');
      return true;
    });
    router.route(message('x'), alice);
    await settle();
    assert.deepEqual(calls, ['first', 'second']);
    assert.equal(alice.inbox.length, 0);
  });

  it('sends an async IQ result before handling the next stanza of the session', async () => {
    const { router, alice } = setup();
    router.onIq({ type: 'get', to: 'host', child: ['urn:x', 'q'] }, async () => {
      await settle();
      return xml('answer', { xmlns: 'urn:x' });
    });
    router.onIq({ type: 'get', to: 'host', child: ['urn:x', 'sync'] }, () => null);
    router.route(
      stanza("<iq type='get' id='1' from='alice@localhost/a' to='localhost'><q xmlns='urn:x'/></iq>"),
      alice,
    );
    router.route(
      stanza("<iq type='get' id='2' from='alice@localhost/a' to='localhost'><sync xmlns='urn:x'/></iq>"),
      alice,
    );
    await settle();
    await settle();
    assert.deepEqual(
      alice.inbox.map((x) => x.attrs.id),
      ['1', '2'],
    );
  });

  it('closes a session that floods while one of its stanzas is held, with policy-violation', async () => {
    const { router, alice } = setup();
    const slow = gate();
    router.on('message', 'full', async () => {
      await slow.promise;
      return true;
    });
    for (let i = 0; i <= MAX_HELD_STANZAS + 1; i += 1) router.route(message(String(i)), alice);
    assert.deepEqual(alice.closedWith, ['policy-violation']);
    slow.open();
  });
});

describe('remote routes', () => {
  it('offers a stanza for another domain to the remote routes, which may claim it', async () => {
    const { router, alice } = setup();
    const claimed: RemoteStanza[] = [];
    router.onRemote(async (event) => {
      claimed.push(event);
      return true;
    });
    router.route(message('r1', 'carol@example.org/x'), alice);
    await settle();
    assert.equal(claimed.length, 1);
    assert.equal(claimed[0]!.reason, 'domain');
    assert.equal(claimed[0]!.to.toString(), 'carol@example.org/x');
    assert.equal(alice.inbox.length, 0, 'no error once claimed');
  });

  it('answers remote-server-not-found when no route claims a foreign domain', async () => {
    const { router, alice } = setup();
    router.onRemote(() => false);
    router.route(message('r2', 'carol@example.org'), alice);
    await settle();
    assert.match(alice.inbox[0]!.toString(), /remote-server-not-found/);
  });

  it('hands a stanza for a session bound elsewhere to the remote routes, with what the directory knows', async () => {
    const { router } = setup();
    const elsewhere: SessionInfo = {
      jid: Jid.parse('dave@localhost/laptop'),
      isLocal: false,
      presence: undefined,
      priority: 0,
      isRosterRequested: false,
    };
    const claimed: RemoteStanza[] = [];
    router.onRemote((event) => {
      claimed.push(event);
      return true;
    });
    router.deliver(elsewhere, message('r3', 'dave@localhost/laptop'));
    assert.equal(claimed[0]?.reason, 'session');
    assert.equal(claimed[0]?.session, elsewhere);
  });
});

describe('outbound path', () => {
  it('runs filters by priority; a filter may change or stop a stanza; a throwing one is skipped', () => {
    const { router, alice, bob } = setup();
    router.on('message', 'full', (event) => {
      router.deliver(bob, event.stanza);
      return true;
    });
    const order: string[] = [];
    router.addOutboundFilter((out) => {
      order.push('low');
      return out;
    }, 0);
    router.addOutboundFilter(() => {
      throw new Error('broken filter');
    }, 5);
    router.addOutboundFilter((out, to) => {
      order.push('high');
      if (out.attrs.id === 'drop') return null;
      const copy = stanza(out.toString());
      copy.attrs['data-to'] = to.jid.toString();
      return copy;
    }, 10);
    router.route(message('keep'), alice);
    router.route(message('drop'), alice);
    assert.deepEqual(order, ['high', 'low', 'high']);
    assert.equal(bob.inbox.length, 1);
    assert.match(bob.inbox[0]!.toString(), /data-to='bob@localhost\/b'|data-to="bob@localhost\/b"/);
  });

  it('carries replies the router makes, and stops filtering once a filter is removed', () => {
    const { router, alice } = setup();
    const seen: string[] = [];
    const remove = router.addOutboundFilter((out) => {
      seen.push(out.attrs.type as string);
      return out;
    });
    router.route(message('x', 'nobody@localhost/r'), alice); // no handler: service-unavailable
    remove();
    router.route(message('y', 'nobody@localhost/r'), alice);
    assert.deepEqual(seen, ['error']);
    assert.equal(alice.inbox.length, 2);
  });
});

describe('IQ replies', () => {
  it("answers from the account's bare JID when the request was addressed to it", () => {
    const { router, alice } = setup();
    router.onIq({ type: 'get', to: 'bare', child: ['urn:x', 'q'] }, () => null);
    router.route(
      stanza("<iq type='get' id='1' from='alice@localhost/a' to='alice@localhost'><q xmlns='urn:x'/></iq>"),
      alice,
    );
    assert.equal(alice.inbox[0]!.attrs.from, 'alice@localhost');
  });

  it('rejects with a StanzaError the same way sync and async', async () => {
    const { router, alice } = setup();
    router.onIq({ type: 'set', to: 'host', child: ['urn:x', 'q'] }, async () => {
      throw new StanzaError('not-allowed');
    });
    router.route(
      stanza("<iq type='set' id='1' from='alice@localhost/a' to='localhost'><q xmlns='urn:x'/></iq>"),
      alice,
    );
    await settle();
    assert.match(alice.inbox[0]!.toString(), /not-allowed/);
  });
});
