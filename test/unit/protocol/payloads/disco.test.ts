import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS } from '../../../../src/protocol/namespaces.js';
import {
  decodeDiscoInfo,
  decodeDiscoItems,
  encodeDiscoInfo,
  encodeDiscoItems,
  hasIdentity,
  type DiscoInfo,
} from '../../../../src/protocol/payloads/disco.js';
import { xml } from '../../../../src/protocol/xml/element.js';
import { XIFF_DISCO_ITEMS, XIFF_DISCO_ITEMS_GET, assertStanzaError, parseXml, payloadOf, reparse } from './fixtures.js';

describe('disco#info', () => {
  const proxyInfo: DiscoInfo = {
    identities: [{ category: 'proxy', type: 'bytestreams', name: 'SOCKS5 Bytestreams Service' }],
    features: [NS.DISCO_INFO, NS.BYTESTREAMS],
  };

  it('encodes identities then features', () => {
    assert.equal(
      encodeDiscoInfo(proxyInfo).toString(),
      '<query xmlns="http://jabber.org/protocol/disco#info">' +
        '<identity category="proxy" type="bytestreams" name="SOCKS5 Bytestreams Service"/>' +
        '<feature var="http://jabber.org/protocol/disco#info"/>' +
        '<feature var="http://jabber.org/protocol/bytestreams"/>' +
        '</query>',
    );
  });

  it('round-trips a result with a node, xml:lang and an extension form', () => {
    const form = xml('x', { xmlns: NS.DATA_FORMS, type: 'result' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }));
    const info: DiscoInfo = {
      node: 'http://ferry.example/caps#abc',
      identities: [{ category: 'client', type: 'pc', name: 'Ferry', lang: 'en' }],
      features: [NS.SI, NS.SI_FILE],
      forms: [form],
    };
    const decoded = decodeDiscoInfo(reparse(encodeDiscoInfo(info)));
    assert.equal(decoded.node, info.node);
    assert.deepEqual(decoded.identities, info.identities);
    assert.deepEqual(decoded.features, info.features);
    assert.equal(decoded.forms?.length, 1);
    assert.equal(decoded.forms?.[0]?.toString(), form.toString());
  });

  it('decodes an empty request query to empty lists', () => {
    assert.deepEqual(decodeDiscoInfo(parseXml('<query xmlns="http://jabber.org/protocol/disco#info"/>')), {
      identities: [],
      features: [],
    });
  });

  it('folds a repeated feature', () => {
    const query = parseXml(
      '<query xmlns="http://jabber.org/protocol/disco#info"><feature var="a"/><feature var="a"/></query>',
    );
    assert.deepEqual(decodeDiscoInfo(query).features, ['a']);
  });

  it('finds the proxy identity', () => {
    assert.equal(hasIdentity(proxyInfo, 'proxy', 'bytestreams'), true);
    assert.equal(hasIdentity(proxyInfo, 'store', 'file'), false);
  });

  it('answers bad-request for an identity without category', () => {
    assertStanzaError(
      () =>
        decodeDiscoInfo(parseXml('<query xmlns="http://jabber.org/protocol/disco#info"><identity type="pc"/></query>')),
      /missing the 'category'/,
    );
  });

  it('answers bad-request for a feature without var', () => {
    assertStanzaError(
      () => decodeDiscoInfo(parseXml('<query xmlns="http://jabber.org/protocol/disco#info"><feature/></query>')),
      /missing the 'var'/,
    );
  });

  it('refuses a disco#items query handed to the disco#info decoder', () => {
    assertStanzaError(
      () => decodeDiscoInfo(payloadOf(XIFF_DISCO_ITEMS_GET)),
      /expected <query xmlns='http:\/\/jabber.org\/protocol\/disco#info'/,
    );
  });
});

describe('disco#items', () => {
  it("decodes Openfire's disco#items list, the proxy first", () => {
    const { items, node } = decodeDiscoItems(payloadOf(XIFF_DISCO_ITEMS));
    assert.equal(node, undefined);
    assert.deepEqual(items, [
      { jid: 'proxy.192.168.1.113', name: 'Socks 5 Bytestreams Proxy' },
      { jid: 'pubsub.192.168.1.113', name: 'Publish-Subscribe service' },
      { jid: 'conference.192.168.1.113', name: '公共房間' },
      { jid: 'search.192.168.1.113', name: 'User Search' },
    ]);
  });

  it('decodes the empty disco#items request as no items', () => {
    assert.deepEqual(decodeDiscoItems(payloadOf(XIFF_DISCO_ITEMS_GET)), { items: [] });
  });

  it('encodes items, leaving out absent names (Prosody has none for its proxy)', () => {
    assert.equal(
      encodeDiscoItems({
        items: [{ jid: 'proxy.example.com' }, { jid: 'upload.example.com', name: 'HTTP File Upload' }],
      }).toString(),
      '<query xmlns="http://jabber.org/protocol/disco#items">' +
        '<item jid="proxy.example.com"/><item jid="upload.example.com" name="HTTP File Upload"/></query>',
    );
  });

  it('round-trips a node and item nodes', () => {
    const items = { node: 'music', items: [{ jid: 'pubsub.example.com', node: 'songs', name: 'Songs' }] };
    assert.deepEqual(decodeDiscoItems(reparse(encodeDiscoItems(items))), items);
  });

  it('answers bad-request for an item without jid', () => {
    assertStanzaError(
      () =>
        decodeDiscoItems(parseXml('<query xmlns="http://jabber.org/protocol/disco#items"><item name="x"/></query>')),
      /missing the 'jid'/,
    );
  });

  it('answers bad-request for an item jid with a control character', () => {
    assertStanzaError(
      () =>
        decodeDiscoItems(
          parseXml('<query xmlns="http://jabber.org/protocol/disco#items"><item jid="a&#x7f;b"/></query>'),
        ),
      /is not a JID/,
    );
  });
});
