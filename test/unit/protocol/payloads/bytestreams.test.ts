import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import {
  decodeActivate,
  decodeProxyStreamhosts,
  decodeStreamhostUsed,
  decodeStreamhosts,
  encodeActivate,
  encodeProxyQuery,
  encodeProxyStreamhosts,
  encodeStreamhostUsed,
  encodeStreamhosts,
  type StreamhostsQuery,
} from '@ferry/protocol/payloads/bytestreams';
import { Element } from '@ferry/protocol/xml/element';
import {
  XIFF_ACTIVATE,
  XIFF_PROXY_QUERY,
  XIFF_PROXY_STREAMHOSTS,
  XIFF_STREAMHOSTS,
  XIFF_STREAMHOST_USED,
  AGSXMPP_STREAMHOSTS,
  SID_XIFF,
  assertStanzaError,
  parseXml,
  payloadOf,
  reparse,
} from './fixtures.js';

const PROXY = { jid: 'proxy.192.168.1.113', host: '192.168.1.113', port: 7777 };

function query(attributes: string, children = ''): Element {
  return parseXml(`<query xmlns="${NS.BYTESTREAMS}" ${attributes}>${children}</query>`);
}

describe('streamhost offer (XEP-0065 §5.3.1 / §6.3.1)', () => {
  it('encodes a mediated request as XIFF sends it: sid, mode tcp, one proxy streamhost', () => {
    assert.equal(
      encodeStreamhosts({ sid: SID_XIFF, mode: 'tcp', streamhosts: [PROXY] }).toString(),
      `<query xmlns="${NS.BYTESTREAMS}" sid="${SID_XIFF}" mode="tcp">` +
        '<streamhost jid="proxy.192.168.1.113" host="192.168.1.113" port="7777"/></query>',
    );
  });

  it('decodes the streamhost request Flex/XIFF sends to Spark: one proxy streamhost', () => {
    assert.deepEqual(decodeStreamhosts(payloadOf(XIFF_STREAMHOSTS)), {
      sid: SID_XIFF,
      mode: 'tcp',
      streamhosts: [PROXY],
    });
  });

  it('decodes the agsXMPP request in order: the LAN client, then the public proxy', () => {
    assert.deepEqual(decodeStreamhosts(payloadOf(AGSXMPP_STREAMHOSTS)), {
      sid: '71f1b875-4d84-429c-b39d-7dabcd400f3d',
      mode: 'tcp',
      streamhosts: [
        { jid: 'Send@localhost/MiniClient', host: 'localhost', port: 1000 },
        { jid: 'proxy.ag-software.de', host: 'proxy.ag-software.de', port: 7777 },
      ],
    });
  });

  it('round-trips an IPv6 streamhost and a MUC dstaddr', () => {
    const offer: StreamhostsQuery = {
      sid: 'vxf9n471bn46',
      mode: 'tcp',
      dstaddr: '416781edf1ae50bad01cb8509ba35b43952bc345',
      streamhosts: [{ jid: 'requester@example.com/foo', host: '2001:db8::1', port: 5086 }, PROXY],
    };
    assert.deepEqual(decodeStreamhosts(reparse(encodeStreamhosts(offer))), offer);
  });

  it('defaults mode to tcp and a missing port to 1080 (§9.2)', () => {
    assert.deepEqual(decodeStreamhosts(query('sid="s"', '<streamhost jid="p.example" host="10.0.0.1"/>')), {
      sid: 's',
      mode: 'tcp',
      streamhosts: [{ jid: 'p.example', host: '10.0.0.1', port: 1080 }],
    });
  });

  it('COMPAT: reads a port held as a number on an element built in-process', () => {
    const element = new Element('query', { xmlns: NS.BYTESTREAMS, sid: 's' });
    element.cnode(new Element('streamhost', { jid: 'p.example', host: 'h', port: 7777 }));
    assert.equal(decodeStreamhosts(element).streamhosts[0]?.port, 7777);
  });

  it('answers not-acceptable for UDP mode (§5.3.1: unwilling)', () => {
    assertStanzaError(
      () => decodeStreamhosts(query('sid="s" mode="udp"', '<streamhost jid="p" host="h" port="1"/>')),
      /UDP mode/,
      'not-acceptable',
    );
  });

  describe('refuses malformed requests with bad-request', () => {
    const streamhost = '<streamhost jid="p.example" host="h" port="7777"/>';
    const cases: [string, string, string, RegExp][] = [
      ['no sid (§5.3.1)', '', streamhost, /missing the 'sid'/],
      ['an unknown mode', 'sid="s" mode="sctp"', streamhost, /'mode' must be tcp or udp/],
      ['no streamhost', 'sid="s"', '', /offers no <streamhost\/>/],
      ['a streamhost without jid', 'sid="s"', '<streamhost host="h" port="1"/>', /missing the 'jid'/],
      ['a streamhost without host', 'sid="s"', '<streamhost jid="p" port="1"/>', /missing the 'host'/],
      ['port 0', 'sid="s"', '<streamhost jid="p" host="h" port="0"/>', /out of range/],
      ['port 65536', 'sid="s"', '<streamhost jid="p" host="h" port="65536"/>', /out of range/],
      ['a negative port', 'sid="s"', '<streamhost jid="p" host="h" port="-1"/>', /not a decimal number/],
      ['a non-numeric port', 'sid="s"', '<streamhost jid="p" host="h" port="http"/>', /not a decimal number/],
      ['a port with a fraction', 'sid="s"', '<streamhost jid="p" host="h" port="77.5"/>', /not a decimal number/],
      ['a host with a space', 'sid="s"', '<streamhost jid="p" host="evil host" port="1"/>', /is not a host/],
      ['a host with a newline', 'sid="s"', '<streamhost jid="p" host="a&#10;b" port="1"/>', /is not a host/],
      ['a dstaddr that is not SHA-1 hex', 'sid="s" dstaddr="../../x"', streamhost, /not a SHA-1 hex digest/],
      ['a sid with a control character', 'sid="a&#9;b"', streamhost, /not a usable stream id/],
    ];
    for (const [what, attributes, children, pattern] of cases) {
      it(what, () => {
        assertStanzaError(() => decodeStreamhosts(query(attributes, children)), pattern);
      });
    }
  });

  it('refuses to encode an out-of-range port or an empty list (programmer errors)', () => {
    assert.throws(
      () => encodeStreamhosts({ sid: 's', mode: 'tcp', streamhosts: [{ ...PROXY, port: 70000 }] }),
      RangeError,
    );
    assert.throws(() => encodeStreamhosts({ sid: 's', mode: 'tcp', streamhosts: [] }), RangeError);
  });
});

describe('streamhost-used (XEP-0065 §6.3.3)', () => {
  it("decodes Spark's <streamhost-used/> answer, which carries no sid", () => {
    assert.deepEqual(decodeStreamhostUsed(payloadOf(XIFF_STREAMHOST_USED)), { jid: 'proxy.192.168.1.113' });
  });

  it('encodes and round-trips with a sid', () => {
    const used = { sid: 'vxf9n471bn46', jid: 'streamer.example.com' };
    assert.equal(
      encodeStreamhostUsed(used).toString(),
      `<query xmlns="${NS.BYTESTREAMS}" sid="vxf9n471bn46"><streamhost-used jid="streamer.example.com"/></query>`,
    );
    assert.deepEqual(decodeStreamhostUsed(reparse(encodeStreamhostUsed(used))), used);
  });

  it('answers bad-request without <streamhost-used/> or its jid', () => {
    assertStanzaError(() => decodeStreamhostUsed(query('sid="s"')), /no <streamhost-used\/>/);
    assertStanzaError(() => decodeStreamhostUsed(query('', '<streamhost-used/>')), /missing the 'jid'/);
  });
});

describe('activate (XEP-0065 §6.3.5)', () => {
  it('decodes the activation XIFF sends to the proxy: sid and the target JID with a spaced resource', () => {
    assert.deepEqual(decodeActivate(payloadOf(XIFF_ACTIVATE)), {
      sid: SID_XIFF,
      activate: 'android@192.168.1.113/Spark 2.6.3',
    });
  });

  it('encodes the target JID as text', () => {
    assert.equal(
      encodeActivate({ sid: SID_XIFF, activate: 'android@192.168.1.113/Spark 2.6.3' }).toString(),
      `<query xmlns="${NS.BYTESTREAMS}" sid="${SID_XIFF}"><activate>android@192.168.1.113/Spark 2.6.3</activate></query>`,
    );
  });

  it('ignores pretty-printing around the JID', () => {
    assert.equal(
      decodeActivate(query('sid="s"', '<activate>\n  target@example.org/bar\n</activate>')).activate,
      'target@example.org/bar',
    );
  });

  it('answers bad-request without sid, without <activate/>, or with an empty one', () => {
    assertStanzaError(() => decodeActivate(query('', '<activate>t@example.org</activate>')), /missing the 'sid'/);
    assertStanzaError(() => decodeActivate(query('sid="s"')), /no <activate\/>/);
    assertStanzaError(() => decodeActivate(query('sid="s"', '<activate> </activate>')), /not a JID/);
  });
});

describe('proxy address (XEP-0065 §4)', () => {
  it('encodes the empty <query/> a client sends to ask the proxy its address', () => {
    assert.equal(encodeProxyQuery().toString(), `<query xmlns="${NS.BYTESTREAMS}"/>`);
    assert.equal(payloadOf(XIFF_PROXY_QUERY).toString(), encodeProxyQuery().toString());
  });

  it("decodes Openfire's proxy address answer: port 7777", () => {
    assert.deepEqual(decodeProxyStreamhosts(payloadOf(XIFF_PROXY_STREAMHOSTS)), [PROXY]);
  });

  it('encodes one streamhost per address and round-trips', () => {
    const streamhosts = [PROXY, { jid: 'proxy.192.168.1.113', host: 'ferry.example.com', port: 7777 }];
    assert.equal(
      encodeProxyStreamhosts(streamhosts).toString(),
      `<query xmlns="${NS.BYTESTREAMS}"><streamhost jid="proxy.192.168.1.113" host="192.168.1.113" port="7777"/>` +
        '<streamhost jid="proxy.192.168.1.113" host="ferry.example.com" port="7777"/></query>',
    );
    assert.deepEqual(decodeProxyStreamhosts(reparse(encodeProxyStreamhosts(streamhosts))), streamhosts);
  });

  it('answers bad-request for an answer without streamhost', () => {
    assertStanzaError(() => decodeProxyStreamhosts(payloadOf(XIFF_PROXY_QUERY)), /no <streamhost\/>/);
  });
});
