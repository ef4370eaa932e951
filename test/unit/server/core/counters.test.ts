// What the core counts for metrics: stanzas out, routing errors by condition, and IBB stanzas the
// router forwards between sessions (with the bytes their base64 carries).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import { base64DecodedLength } from '../../../../src/server/core/counters.js';
import { routerWithTwoSessions } from '../../../helpers/fake-session.js';

const stanza = (text: string) => parseElement(text)!;

describe('server counters', () => {
  it('counts IBB <open/>, <data/> with its decoded bytes, and <close/> routed between sessions', () => {
    const { router, alice, bob } = routerWithTwoSessions();
    const ibb = "xmlns='http://jabber.org/protocol/ibb'";
    const iq = (id: string, payload: string) =>
      stanza(`<iq type='set' id='${id}' from='alice@localhost/a' to='bob@localhost/b'>${payload}</iq>`);
    router.route(iq('o', `<open ${ibb} sid='s' block-size='4096'/>`), alice);
    router.route(iq('d1', `<data ${ibb} sid='s' seq='0'>${Buffer.from('hello').toString('base64')}</data>`), alice);
    router.route(iq('d2', `<data ${ibb} sid='s' seq='1'>${Buffer.from('world!').toString('base64')}</data>`), alice);
    router.route(iq('c', `<close ${ibb} sid='s'/>`), alice);
    assert.equal(bob.inbox.length, 4);
    assert.deepEqual(router.counters.ibb, { opened: 1, closed: 1, dataStanzas: 2, dataBytes: 11 });
    assert.equal(router.counters.stanzasOut.iq, 4);
  });

  it('counts the error replies the router makes, by condition', () => {
    const { router, alice } = routerWithTwoSessions();
    router.route(
      stanza("<iq type='get' id='1' from='alice@localhost/a' to='localhost'><q xmlns='urn:x'/></iq>"),
      alice,
    );
    router.route(
      stanza("<message type='chat' from='alice@localhost/a' to='bob@elsewhere'><body>x</body></message>"),
      alice,
    );
    assert.deepEqual(Object.fromEntries(router.counters.routingErrors), {
      'service-unavailable': 1,
      'remote-server-not-found': 1,
    });
  });

  it('knows how many bytes a base64 text decodes to without decoding it', () => {
    for (const size of [0, 1, 2, 3, 4, 5, 4096]) {
      const text = Buffer.alloc(size, 7).toString('base64');
      assert.equal(base64DecodedLength(text), size, `size ${size}`);
    }
  });
});
