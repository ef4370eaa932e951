// Routing rules (RFC 6120 §10, RFC 6121 §8): which stanza goes where, and which error comes back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import { routerWithTwoSessions } from '../../../helpers/fake-session.js';

const setup = () => routerWithTwoSessions();

const stanza = (text: string) => parseElement(text)!;
const condition = (reply: Element | undefined) => reply?.getChild('error')?.getChildElements()[0]?.name;

describe('router', () => {
  it('delivers an IQ to an online full JID unchanged', () => {
    const { router, alice, bob } = setup();
    router.route(
      stanza("<iq type='get' id='1' from='alice@localhost/a' to='bob@localhost/b'><q xmlns='urn:x'/></iq>"),
      alice,
    );
    assert.equal(bob.inbox.length, 1);
    assert.equal(bob.inbox[0]!.attrs.from, 'alice@localhost/a');
  });

  it('answers an IQ to an offline resource with service-unavailable', () => {
    const { router, alice } = setup();
    router.route(
      stanza("<iq type='get' id='2' from='alice@localhost/a' to='bob@localhost/gone'><q xmlns='urn:x'/></iq>"),
      alice,
    );
    const reply = alice.inbox[0];
    assert.equal(reply?.attrs.type, 'error');
    assert.equal(reply?.attrs.id, '2');
    assert.equal(reply?.attrs.from, 'bob@localhost/gone');
    assert.equal(condition(reply), 'service-unavailable');
  });

  it('answers an unhandled IQ to the server with service-unavailable, in one place', () => {
    const { router, alice } = setup();
    router.route(
      stanza("<iq type='set' id='3' from='alice@localhost/a' to='localhost'><q xmlns='urn:x'/></iq>"),
      alice,
    );
    assert.equal(condition(alice.inbox[0]), 'service-unavailable');
  });

  it('never answers an error or a result with an error', () => {
    const { router, alice } = setup();
    router.route(stanza("<iq type='result' id='4' from='alice@localhost/a' to='bob@localhost/gone'/>"), alice);
    router.route(stanza("<iq type='error' id='5' from='alice@localhost/a' to='localhost'/>"), alice);
    router.route(stanza("<message type='error' id='6' from='alice@localhost/a' to='nobody@localhost'/>"), alice);
    assert.equal(alice.inbox.length, 0);
  });

  it('builds the result from what a handler returns', () => {
    const { router, alice } = setup();
    router.onIq({ type: 'get', to: 'host', child: ['urn:x', 'q'] }, () => xml('answer', { xmlns: 'urn:x' }));
    router.route(
      stanza("<iq type='get' id='7' from='alice@localhost/a' to='localhost'><q xmlns='urn:x'/></iq>"),
      alice,
    );
    const reply = alice.inbox[0]!;
    assert.equal(reply.attrs.type, 'result');
    assert.equal(reply.attrs.to, 'alice@localhost/a');
    assert.equal(reply.attrs.from, 'localhost');
    assert.equal(reply.getChild('answer')?.attrs.xmlns, 'urn:x');
  });

  it('turns a thrown StanzaError into that error and anything else into internal-server-error', () => {
    const { router, alice } = setup();
    router.onIq({ type: 'get', to: 'host', child: ['urn:x', 'no'] }, () => {
      throw new StanzaError('not-allowed');
    });
    router.onIq({ type: 'get', to: 'host', child: ['urn:x', 'bug'] }, () => {
      throw new Error('secret detail');
    });
    router.route(
      stanza("<iq type='get' id='8' from='alice@localhost/a' to='localhost'><no xmlns='urn:x'/></iq>"),
      alice,
    );
    router.route(
      stanza("<iq type='get' id='9' from='alice@localhost/a' to='localhost'><bug xmlns='urn:x'/></iq>"),
      alice,
    );
    assert.equal(condition(alice.inbox[0]), 'not-allowed');
    assert.equal(condition(alice.inbox[1]), 'internal-server-error');
    assert.ok(!alice.inbox[1]!.toString().includes('secret detail'), 'never leaks the message');
  });

  it('treats an IQ without "to" as addressed to the sender\'s own account', () => {
    const { router, alice } = setup();
    let seen: { isSelf: boolean; to: string | undefined } | undefined;
    router.onIq({ type: 'get', to: 'bare', child: ['urn:x', 'self'] }, (iq) => {
      seen = { isSelf: iq.isSelf, to: iq.to?.toString() };
      return null;
    });
    router.route(stanza("<iq type='get' id='10' from='alice@localhost/a'><self xmlns='urn:x'/></iq>"), alice);
    assert.deepEqual(seen, { isSelf: true, to: 'alice@localhost' });
    assert.equal(alice.inbox[0]!.attrs.from, undefined, 'a reply from the account itself carries no from');
  });

  it('answers a stanza to a foreign domain with remote-server-not-found', () => {
    const { router, alice } = setup();
    router.route(
      stanza("<message id='11' type='chat' from='alice@localhost/a' to='x@example.org'><body>hi</body></message>"),
      alice,
    );
    assert.equal(condition(alice.inbox[0]), 'remote-server-not-found');
  });

  it('answers an invalid type with bad-request and a malformed "to" with jid-malformed', () => {
    const { router, alice } = setup();
    router.route(stanza("<message id='12' type='shout' from='alice@localhost/a' to='bob@localhost'/>"), alice);
    router.route(stanza("<message id='13' from='alice@localhost/a' to='a@@b'/>"), alice);
    assert.equal(condition(alice.inbox[0]), 'bad-request');
    assert.equal(condition(alice.inbox[1]), 'jid-malformed');
  });

  it('answers an unclaimed message with service-unavailable', () => {
    const { router, alice } = setup();
    router.route(stanza("<message id='14' type='chat' from='alice@localhost/a' to='bob@localhost'/>"), alice);
    assert.equal(condition(alice.inbox[0]), 'service-unavailable');
  });

  it('dispatches to the highest-priority handler first and stops at the first claim', () => {
    const { router, alice } = setup();
    const calls: string[] = [];
    router.on(
      'message',
      'bare',
      () => {
        calls.push('low');
        return true;
      },
      0,
    );
    router.on(
      'message',
      'bare',
      () => {
        calls.push('high');
        return true;
      },
      10,
    );
    router.route(stanza("<message id='15' from='alice@localhost/a' to='bob@localhost'/>"), alice);
    assert.deepEqual(calls, ['high']);
  });

  it('settles a server-sent request with its result', async () => {
    const { router, bob } = setup();
    const pending = router.request(
      xml(
        'iq',
        { type: 'get', id: 'srv-1', to: 'bob@localhost/b', from: 'localhost' },
        xml('ping', { xmlns: 'urn:xmpp:ping' }),
      ),
      1_000,
    );
    assert.equal(bob.inbox[0]?.attrs.id, 'srv-1');
    router.route(stanza("<iq type='result' id='srv-1' from='bob@localhost/b' to='localhost'/>"), bob);
    const result = await pending;
    assert.equal(result.attrs.type, 'result');
  });
});
