// XEP-0115 entity capabilities: the spec's own examples (§5.2, §5.3) are the test vectors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import {
  capsVer,
  decodeCaps,
  encodeCaps,
  findCaps,
  isVerified,
  verificationString,
} from '@ferry/protocol/payloads/caps';
import { decodeDiscoInfo, extensionForm, type DiscoInfo } from '@ferry/protocol/payloads/disco';
import { parseXml, payloadOf } from './fixtures.js';

// §5.2: Exodus, one identity, four features.
const SIMPLE: DiscoInfo = {
  identities: [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }],
  features: [
    'http://jabber.org/protocol/disco#info',
    'http://jabber.org/protocol/disco#items',
    'http://jabber.org/protocol/muc',
    'http://jabber.org/protocol/caps',
  ],
};

// §5.3: Psi, two identities in two languages, and a software-info extension form.
const COMPLEX_XML = `<iq type='result' from='benvolio@capulet.lit/230193' to='juliet@capulet.lit/chamber' id='disco1'>
  <query xmlns='http://jabber.org/protocol/disco#info' node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>
    <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
    <identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>
    <feature var='http://jabber.org/protocol/caps'/>
    <feature var='http://jabber.org/protocol/disco#info'/>
    <feature var='http://jabber.org/protocol/disco#items'/>
    <feature var='http://jabber.org/protocol/muc'/>
    <x xmlns='jabber:x:data' type='result'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
      <field var='ip_version'><value>ipv4</value><value>ipv6</value></field>
      <field var='os'><value>Mac</value></field>
      <field var='os_version'><value>10.5.1</value></field>
      <field var='software'><value>Psi</value></field>
      <field var='software_version'><value>0.11</value></field>
    </x>
  </query>
</iq>`;

describe('XEP-0115 verification string and ver', () => {
  it('§5.2 simple: identities, then sorted features', () => {
    assert.equal(
      verificationString(SIMPLE),
      'client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<' +
        'http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<',
    );
    assert.equal(capsVer(SIMPLE), 'QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('§5.3 complex: identities sorted by xml:lang, the extension form sorted by field var', () => {
    const info = decodeDiscoInfo(payloadOf(COMPLEX_XML));
    assert.equal(
      verificationString(info),
      'client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<' +
        'http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<' +
        'http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<' +
        'os_version<10.5.1<software<Psi<software_version<0.11<',
    );
    assert.equal(capsVer(info), 'q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });

  it('the order identities, features and forms were given in does not matter', () => {
    const shuffled: DiscoInfo = { ...SIMPLE, features: [...SIMPLE.features].reverse() };
    assert.equal(capsVer(shuffled), capsVer(SIMPLE));
  });

  it('verifies an answer against the ver it was asked for', () => {
    const caps = { hash: 'sha-1', node: 'http://code.google.com/p/exodus', ver: 'QgayPKawpkPSDYmwT/WM94uAlu0=' };
    assert.equal(isVerified(caps, SIMPLE), true);
    assert.equal(isVerified(caps, { ...SIMPLE, features: SIMPLE.features.slice(1) }), false);
    assert.equal(isVerified({ ...caps, hash: 'sha-256' }, SIMPLE), false, 'a hash Ferry does not compute');
    assert.equal(isVerified({ ...caps, hash: '' }, SIMPLE), false, 'legacy caps');
  });

  it('refuses to verify repeated identities or two forms of one FORM_TYPE (§5.4)', () => {
    const twice: DiscoInfo = { ...SIMPLE, identities: [SIMPLE.identities[0]!, SIMPLE.identities[0]!] };
    assert.equal(isVerified({ hash: 'sha-1', node: 'n', ver: capsVer(twice) }, twice), false);
    const forms: DiscoInfo = { ...SIMPLE, forms: [extensionForm('urn:x'), extensionForm('urn:x')] };
    assert.equal(isVerified({ hash: 'sha-1', node: 'n', ver: capsVer(forms) }, forms), false);
  });
});

describe('XEP-0115 <c/>', () => {
  it('encodes hash, node and ver', () => {
    assert.equal(
      encodeCaps({
        hash: 'sha-1',
        node: 'http://code.google.com/p/exodus',
        ver: 'QgayPKawpkPSDYmwT/WM94uAlu0=',
      }).toString(),
      '<c xmlns="http://jabber.org/protocol/caps" hash="sha-1" node="http://code.google.com/p/exodus" ' +
        'ver="QgayPKawpkPSDYmwT/WM94uAlu0="/>',
    );
  });

  it('finds the caps in a presence and decodes them', () => {
    const presence = parseXml(
      `<presence from='romeo@montague.lit/orchard'><c xmlns='${NS.CAPS}' hash='sha-1' ` +
        `node='http://code.google.com/p/exodus' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>`,
    );
    assert.deepEqual(findCaps(presence), {
      hash: 'sha-1',
      node: 'http://code.google.com/p/exodus',
      ver: 'QgayPKawpkPSDYmwT/WM94uAlu0=',
    });
  });

  it('COMPAT: legacy caps without hash decode with hash ""; a <c/> without ver is no caps', () => {
    assert.equal(decodeCaps(parseXml(`<c xmlns='${NS.CAPS}' node='http://psi-im.org/caps' ver='0.11'/>`)).hash, '');
    assert.equal(findCaps(parseXml(`<presence><c xmlns='${NS.CAPS}' node='n'/></presence>`)), undefined);
    assert.equal(findCaps(parseXml('<presence/>')), undefined);
  });
});
