// XEP-0065 §4 proxy discovery (disco#items → disco#info → streamhost query) and its
// per-connection cache, against a scripted XmppConnection: requests out, XML answers in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { XmppConnection } from '@ferry/client/internal/connection';
import { TransferError } from '@ferry/client/internal/transfer-error';
import { ProxyDirectory } from '@ferry/client/internal/transports/socks5/proxy-directory';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { Jid } from '@ferry/protocol/jid';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import type { Element } from '@ferry/protocol/xml/element';

type Answer = string | Error | (() => string | Error);

/** A connection whose request() answers from a script keyed "to namespace", and logs every request. */
function scriptedConnection(script: Record<string, Answer>) {
  const sent: string[] = [];
  const connection = {
    jid: Jid.parse('alice@example.com/sender'),
    async request(iq: Element, timeoutMs: number) {
      const query = iq.getChild('query');
      const key = `${String(iq.attrs.to)} ${String(query?.attrs.xmlns)}`;
      sent.push(key);
      assert.equal(iq.attrs.type, 'get');
      assert.ok(timeoutMs > 0 && timeoutMs <= 5_000, `timeout ${timeoutMs}`);
      let answer = script[key];
      if (typeof answer === 'function') answer = answer();
      if (answer === undefined) throw new StanzaError('service-unavailable');
      if (answer instanceof Error) throw answer;
      const result = parseElement(`<iq type='result' from='${String(iq.attrs.to)}'>${answer}</iq>`);
      assert.ok(result, 'the scripted answer is well-formed');
      return result;
    },
  } as unknown as XmppConnection;
  return { connection, sent };
}

const ITEMS = 'http://jabber.org/protocol/disco#items';
const INFO = 'http://jabber.org/protocol/disco#info';
const BYTESTREAMS = 'http://jabber.org/protocol/bytestreams';

// An Openfire-like server: the SOCKS5 proxy listed among other components and an account.
const OPENFIRE_LIKE: Record<string, Answer> = {
  [`example.com ${ITEMS}`]: `<query xmlns='${ITEMS}'>
      <item jid='proxy.example.com' name='Socks 5 Bytestreams Proxy'/>
      <item jid='pubsub.example.com' name='Publish-Subscribe service'/>
      <item jid='conference.example.com' name='Public Rooms'/>
      <item jid='bob@example.com' name='an account, not a service'/>
    </query>`,
  [`proxy.example.com ${INFO}`]: `<query xmlns='${INFO}'>
      <identity category='proxy' type='bytestreams' name='SOCKS5 Bytestreams Service'/>
      <feature var='${BYTESTREAMS}'/>
    </query>`,
  [`pubsub.example.com ${INFO}`]: `<query xmlns='${INFO}'><identity category='pubsub' type='service'/></query>`,
  [`conference.example.com ${INFO}`]: `<query xmlns='${INFO}'><identity category='conference' type='text'/></query>`,
  [`proxy.example.com ${BYTESTREAMS}`]: `<query xmlns='${BYTESTREAMS}'>
      <streamhost jid='proxy.example.com' host='192.168.1.113' port='7777'/>
    </query>`,
};

const directory = (options: Partial<ConstructorParameters<typeof ProxyDirectory>[0]> = {}) =>
  new ProxyDirectory({ discover: true, timeoutMs: 5_000, cacheTtlMs: 60_000, ...options });

describe('ProxyDirectory (XEP-0065 §4)', () => {
  it("finds the proxy among the server's items by its proxy/bytestreams identity and asks it for its streamhost", async () => {
    const { connection, sent } = scriptedConnection(OPENFIRE_LIKE);
    const lookup = await directory().lookup(connection);
    assert.deepEqual(lookup.streamhosts, [{ jid: 'proxy.example.com', host: '192.168.1.113', port: 7777 }]);
    assert.deepEqual(lookup.problems, []);
    assert.equal(lookup.isComplete, true);
    assert.deepEqual(sent, [
      `example.com ${ITEMS}`,
      `proxy.example.com ${INFO}`,
      `pubsub.example.com ${INFO}`,
      `conference.example.com ${INFO}`,
      `proxy.example.com ${BYTESTREAMS}`,
    ]);
  });

  it("accepts Prosody's nameless proxy item and keeps proxies in disco#items order", async () => {
    const { connection } = scriptedConnection({
      [`example.com ${ITEMS}`]: `<query xmlns='${ITEMS}'><item jid='proxy2.example.com'/><item jid='proxy.example.com'/></query>`,
      [`proxy.example.com ${INFO}`]: `<query xmlns='${INFO}'><identity category='proxy' type='bytestreams'/></query>`,
      [`proxy2.example.com ${INFO}`]: `<query xmlns='${INFO}'><identity category='proxy' type='bytestreams'/></query>`,
      [`proxy.example.com ${BYTESTREAMS}`]: `<query xmlns='${BYTESTREAMS}'><streamhost jid='proxy.example.com' host='10.0.0.1' port='5000'/></query>`,
      [`proxy2.example.com ${BYTESTREAMS}`]: `<query xmlns='${BYTESTREAMS}'><streamhost jid='proxy2.example.com' host='10.0.0.2'/></query>`,
    });
    const lookup = await directory().lookup(connection);
    assert.deepEqual(
      lookup.streamhosts.map((streamhost) => `${streamhost.jid} ${streamhost.host}:${streamhost.port}`),
      ['proxy2.example.com 10.0.0.2:1080', 'proxy.example.com 10.0.0.1:5000'],
    );
  });

  it('asks explicitly configured proxies directly, without disco', async () => {
    const { connection, sent } = scriptedConnection(OPENFIRE_LIKE);
    const lookup = await directory({ proxies: ['proxy.example.com'] }).lookup(connection);
    assert.equal(lookup.streamhosts.length, 1);
    assert.deepEqual(sent, [`proxy.example.com ${BYTESTREAMS}`]);
  });

  it('sends nothing when discovery is off and no proxy is configured', async () => {
    const { connection, sent } = scriptedConnection(OPENFIRE_LIKE);
    const proxies = directory({ discover: false });
    assert.equal(proxies.isEnabled, false);
    assert.deepEqual((await proxies.lookup(connection)).streamhosts, []);
    assert.deepEqual(sent, []);
  });

  it('reports a proxy that refuses (forbidden) as a problem, and still caches the answer', async () => {
    const { connection, sent } = scriptedConnection({
      ...OPENFIRE_LIKE,
      [`proxy.example.com ${BYTESTREAMS}`]: new StanzaError('forbidden', { text: 'local accounts only' }),
    });
    const proxies = directory();
    const lookup = await proxies.lookup(connection);
    assert.deepEqual(lookup.streamhosts, []);
    assert.deepEqual(lookup.problems, ['streamhost of proxy.example.com: forbidden: local accounts only']);
    assert.equal(lookup.isComplete, true);
    await proxies.lookup(connection);
    assert.equal(sent.length, 5, 'the second lookup came from the cache');
  });

  it('reports a malformed answer as a problem', async () => {
    const { connection } = scriptedConnection({
      ...OPENFIRE_LIKE,
      [`proxy.example.com ${BYTESTREAMS}`]: `<query xmlns='${BYTESTREAMS}'/>`,
    });
    const lookup = await directory().lookup(connection);
    assert.deepEqual(lookup.streamhosts, []);
    assert.match(lookup.problems[0] ?? '', /^streamhost of proxy\.example\.com: malformed answer/);
  });

  it('does not cache a lookup in which something timed out', async () => {
    let calls = 0;
    const { connection } = scriptedConnection({
      ...OPENFIRE_LIKE,
      [`proxy.example.com ${BYTESTREAMS}`]: () =>
        ++calls === 1
          ? new TransferError('FERRY_ERR_TIMEOUT', 'no answer within 5000 ms')
          : (OPENFIRE_LIKE[`proxy.example.com ${BYTESTREAMS}`] as string),
    });
    const proxies = directory();
    const first = await proxies.lookup(connection);
    assert.equal(first.isComplete, false);
    assert.deepEqual(first.problems, ['streamhost of proxy.example.com: no answer within 5000 ms']);
    const second = await proxies.lookup(connection);
    assert.equal(second.streamhosts.length, 1);
  });

  it('caches per connection, shares one lookup between concurrent callers, and expires after the TTL', async () => {
    let now = 1_000;
    const proxies = directory({ cacheTtlMs: 60_000, now: () => now });
    const one = scriptedConnection(OPENFIRE_LIKE);
    const two = scriptedConnection(OPENFIRE_LIKE);
    await Promise.all([proxies.lookup(one.connection), proxies.lookup(one.connection)]);
    assert.equal(one.sent.length, 5, 'one lookup for two concurrent callers');
    await proxies.lookup(two.connection);
    assert.equal(two.sent.length, 5, 'another connection has its own cache entry');
    now += 59_999;
    await proxies.lookup(one.connection);
    assert.equal(one.sent.length, 5);
    now += 1;
    await proxies.lookup(one.connection);
    assert.equal(one.sent.length, 10, 'asked again after the TTL');
    proxies.forget(one.connection);
    await proxies.lookup(one.connection);
    assert.equal(one.sent.length, 15, 'asked again after forget()');
  });
});
