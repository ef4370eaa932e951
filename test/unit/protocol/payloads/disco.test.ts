import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import type { DataFormField } from '@ferry/protocol/payloads/data-form';
import {
  decodeDiscoInfo,
  decodeDiscoItems,
  encodeDiscoInfo,
  encodeDiscoItems,
  extensionForm,
  findExtensionForm,
  hasIdentity,
  type DiscoInfo,
} from '@ferry/protocol/payloads/disco';
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
    const info: DiscoInfo = {
      node: 'http://ferry.example/caps#abc',
      identities: [{ category: 'client', type: 'pc', name: 'Ferry', lang: 'en' }],
      features: [NS.SI, NS.SI_FILE],
      forms: [extensionForm('urn:example:info', [{ var: 'colour', values: ['blue'], options: [] }])],
    };
    assert.deepEqual(decodeDiscoInfo(reparse(encodeDiscoInfo(info))), info);
  });

  describe('extension forms (XEP-0128)', () => {
    const serverInfo = (fields: DataFormField[]): DiscoInfo => ({
      identities: [{ category: 'server', type: 'im' }],
      features: [NS.DISCO_INFO],
      forms: [{ type: 'result', fields }],
    });
    const formTypeField: DataFormField = {
      var: 'FORM_TYPE',
      type: 'hidden',
      values: ['urn:example:info'],
      options: [],
    };
    const colour: DataFormField = { var: 'colour', values: ['blue'], options: [] };

    it('encodes each form after the features, a result with the hidden FORM_TYPE first', () => {
      // Built with FORM_TYPE last: the encoder still puts it first (XEP-0068).
      assert.equal(
        encodeDiscoInfo(serverInfo([colour, formTypeField])).toString(),
        '<query xmlns="http://jabber.org/protocol/disco#info">' +
          '<identity category="server" type="im"/>' +
          '<feature var="http://jabber.org/protocol/disco#info"/>' +
          '<x xmlns="jabber:x:data" type="result">' +
          '<field var="FORM_TYPE" type="hidden"><value>urn:example:info</value></field>' +
          '<field var="colour"><value>blue</value></field>' +
          '</x></query>',
      );
    });

    it('refuses to encode a form without FORM_TYPE or of another type than result', () => {
      assert.throws(() => encodeDiscoInfo(serverInfo([colour])), TypeError);
      assert.throws(
        () => encodeDiscoInfo({ identities: [], features: [], forms: [{ type: 'form', fields: [formTypeField] }] }),
        TypeError,
      );
    });

    it('decodes forms to typed values and finds one by FORM_TYPE', () => {
      const info = decodeDiscoInfo(
        parseXml(
          '<query xmlns="http://jabber.org/protocol/disco#info"><identity category="store" type="file"/>' +
            '<feature var="urn:xmpp:http:upload:0"/>' +
            '<x xmlns="jabber:x:data" type="result">' +
            '<field var="FORM_TYPE" type="hidden"><value>urn:xmpp:http:upload:0</value></field>' +
            '<field var="max-file-size"><value>5242880</value></field></x></query>',
        ),
      );
      assert.deepEqual(findExtensionForm(info, 'urn:xmpp:http:upload:0'), {
        type: 'result',
        fields: [
          { var: 'FORM_TYPE', type: 'hidden', values: ['urn:xmpp:http:upload:0'], options: [] },
          { var: 'max-file-size', values: ['5242880'], options: [] },
        ],
      });
      assert.equal(findExtensionForm(info, 'urn:example:other'), undefined);
    });

    it('skips forms it cannot use (no FORM_TYPE, not a result, malformed) and keeps the rest', () => {
      const info = decodeDiscoInfo(
        parseXml(
          '<query xmlns="http://jabber.org/protocol/disco#info">' +
            '<x xmlns="jabber:x:data" type="result"><field var="colour"><value>red</value></field></x>' +
            '<x xmlns="jabber:x:data" type="form"><field var="FORM_TYPE" type="hidden"><value>urn:a</value></field></x>' +
            '<x xmlns="jabber:x:data" type="result"><field><value>no var</value></field></x>' +
            '<x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>urn:b</value></field></x>' +
            '</query>',
        ),
      );
      assert.deepEqual(
        info.forms?.map((form) => form.fields[0]?.values[0]),
        ['urn:b'],
      );
    });
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
