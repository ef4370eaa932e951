import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import {
  classifySiError,
  decodeSiAccept,
  decodeSiOffer,
  encodeSiAccept,
  encodeSiOffer,
  selectStreamMethod,
  siErrors,
  type SiOffer,
} from '@ferry/protocol/payloads/si';
import { xml } from '@ferry/protocol/xml/element';
import {
  SPARK_IBB_ACCEPT,
  SPARK_IBB_DECLINE,
  SPARK_IBB_DECLINE_AS_PRINTED,
  SPARK_IBB_OFFER,
  SPARK_IBB_OFFER_DECLINED,
  XIFF_ACCEPT,
  XIFF_OFFER,
  AGSXMPP_OFFER,
  SID_XIFF,
  assertStanzaError,
  parseXml,
  payloadOf,
  reparse,
} from './fixtures.js';

const BOTH = [NS.BYTESTREAMS, NS.IBB];

/** An offer <si/> with the stream-method field replaced by `field`. */
function offerWithField(field: string): ReturnType<typeof parseXml> {
  return parseXml(
    `<si xmlns="${NS.SI}" id="s1" profile="${NS.SI_FILE}"><file xmlns="${NS.SI_FILE}" name="a" size="1"/>` +
      `<feature xmlns="${NS.FEATURE_NEG}"><x xmlns="jabber:x:data" type="form">${field}</x></feature></si>`,
  );
}

function acceptWithField(field: string, type = 'submit'): ReturnType<typeof parseXml> {
  return parseXml(
    `<si xmlns="${NS.SI}"><feature xmlns="${NS.FEATURE_NEG}"><x xmlns="jabber:x:data" type="${type}">${field}</x></feature></si>`,
  );
}

describe('SI offer', () => {
  const offer: SiOffer = {
    id: 'a0',
    mimeType: 'text/plain',
    profile: NS.SI_FILE,
    file: { name: 'test.txt', size: 1022 },
    methods: BOTH,
  };

  it('encodes the XEP-0096 §4 offer', () => {
    assert.equal(
      encodeSiOffer(offer).toString(),
      `<si xmlns="${NS.SI}" id="a0" mime-type="text/plain" profile="${NS.SI_FILE}">` +
        `<file xmlns="${NS.SI_FILE}" name="test.txt" size="1022"/>` +
        `<feature xmlns="${NS.FEATURE_NEG}"><x xmlns="jabber:x:data" type="form">` +
        '<field var="stream-method" type="list-single">' +
        '<option><value>http://jabber.org/protocol/bytestreams</value></option>' +
        '<option><value>http://jabber.org/protocol/ibb</value></option>' +
        '</field></x></feature></si>',
    );
  });

  it('refuses to encode an offer without methods (programmer error)', () => {
    assert.throws(() => encodeSiOffer({ ...offer, methods: [] }), RangeError);
  });

  it('round-trips an offer with every file attribute', () => {
    const full: SiOffer = {
      ...offer,
      file: {
        name: 'a.bin',
        size: 5,
        hash: '552da749930852c69ae5d2141d3766b1',
        date: '2024-01-02T03:04:05Z',
        description: 'd',
        range: true,
      },
    };
    assert.deepEqual(decodeSiOffer(reparse(encodeSiOffer(full))), full);
  });

  it('decodes an IBB-only offer to Spark', () => {
    assert.deepEqual(decodeSiOffer(payloadOf(SPARK_IBB_OFFER_DECLINED)), {
      id: 'jsi_33fe4dbdf2313',
      mimeType: 'application/pdf',
      profile: NS.SI_FILE,
      file: { name: 'File (2).pdf', size: 457701 },
      methods: [NS.IBB],
    });
  });

  it('decodes an offer Spark accepted, whose id the IBB <open/> reuses as sid', () => {
    const decoded = decodeSiOffer(payloadOf(SPARK_IBB_OFFER));
    assert.equal(decoded.id, 'jsi_33fe66c647209');
    assert.deepEqual(decoded.file, { name: 'File (1).pdf', size: 1073243 });
  });

  it('decodes the Flex/XIFF offer (file after feature)', () => {
    assert.deepEqual(decodeSiOffer(payloadOf(XIFF_OFFER)), {
      id: SID_XIFF,
      mimeType: 'text/plain',
      profile: NS.SI_FILE,
      file: { name: 'img0545.png', size: 152443, description: 'send' },
      methods: BOTH,
    });
  });

  it('decodes the agsXMPP offer: no mime-type, a resumable file', () => {
    const decoded = decodeSiOffer(payloadOf(AGSXMPP_OFFER));
    assert.equal(decoded.mimeType, undefined);
    assert.equal(decoded.file.range, true);
  });

  it('COMPAT: accepts a list-multi stream-method field (Smack ≤ 4.3 / Spark)', () => {
    const si = offerWithField(
      '<field var="stream-method" type="list-multi"><option><value>http://jabber.org/protocol/ibb</value></option></field>',
    );
    assert.deepEqual(decodeSiOffer(si).methods, [NS.IBB]);
  });

  it('answers bad-profile for an unknown profile', () => {
    const si = parseXml(`<si xmlns="${NS.SI}" id="s" profile="urn:example:voice"/>`);
    const error = assertStanzaError(() => decodeSiOffer(si), /^$/);
    assert.equal(classifySiError(error), 'bad-profile');
  });

  it('answers bad-profile when the <file/> is missing', () => {
    const si = parseXml(`<si xmlns="${NS.SI}" id="s" profile="${NS.SI_FILE}"/>`);
    assert.equal(classifySiError(assertStanzaError(() => decodeSiOffer(si), /^$/)), 'bad-profile');
  });

  it('answers bad-request for a missing id', () => {
    const si = parseXml(`<si xmlns="${NS.SI}" profile="${NS.SI_FILE}"/>`);
    assertStanzaError(() => decodeSiOffer(si), /missing the 'id'/);
  });

  it('answers bad-request for an offer without feature negotiation', () => {
    const si = parseXml(
      `<si xmlns="${NS.SI}" id="s" profile="${NS.SI_FILE}"><file xmlns="${NS.SI_FILE}" name="a" size="1"/></si>`,
    );
    assertStanzaError(() => decodeSiOffer(si), /has no <feature>/);
  });

  it('answers bad-request for a stream-method field with no option', () => {
    assertStanzaError(
      () => decodeSiOffer(offerWithField('<field var="stream-method" type="list-single"/>')),
      /at least one option/,
    );
  });

  it('answers bad-request for a text-single stream-method field', () => {
    assertStanzaError(
      () => decodeSiOffer(offerWithField('<field var="stream-method" type="text-single"><value>x</value></field>')),
      /must be list-single/,
    );
  });

  it('answers bad-request for a submit form inside an offer', () => {
    const si = parseXml(
      `<si xmlns="${NS.SI}" id="s1" profile="${NS.SI_FILE}"><file xmlns="${NS.SI_FILE}" name="a" size="1"/>` +
        `<feature xmlns="${NS.FEATURE_NEG}"><x xmlns="jabber:x:data" type="submit"/></feature></si>`,
    );
    assertStanzaError(() => decodeSiOffer(si), /must be type 'form'/);
  });

  it('answers bad-request for a mime-type that could inject a header', () => {
    const si = parseXml(
      `<si xmlns="${NS.SI}" id="s1" profile="${NS.SI_FILE}" mime-type="text/plain&#13;&#10;X-Evil: 1"><file xmlns="${NS.SI_FILE}" name="a" size="1"/>` +
        `<feature xmlns="${NS.FEATURE_NEG}"><x xmlns="jabber:x:data" type="form"><field var="stream-method" type="list-single"><option><value>m</value></option></field></x></feature></si>`,
    );
    assertStanzaError(() => decodeSiOffer(si), /not a MIME type/);
  });
});

describe('SI accept', () => {
  it('encodes a single <value/> in a type-less submit field (never the two-value COMPAT form)', () => {
    assert.equal(
      encodeSiAccept({ method: NS.BYTESTREAMS }).toString(),
      `<si xmlns="${NS.SI}"><feature xmlns="${NS.FEATURE_NEG}"><x xmlns="jabber:x:data" type="submit">` +
        '<field var="stream-method"><value>http://jabber.org/protocol/bytestreams</value></field></x></feature></si>',
    );
  });

  it('encodes a resume range before the feature', () => {
    assert.equal(
      encodeSiAccept({ method: NS.IBB, range: { offset: 128 } }).toString(),
      `<si xmlns="${NS.SI}"><file xmlns="${NS.SI_FILE}"><range offset="128"/></file>` +
        `<feature xmlns="${NS.FEATURE_NEG}"><x xmlns="jabber:x:data" type="submit">` +
        '<field var="stream-method"><value>http://jabber.org/protocol/ibb</value></field></x></feature></si>',
    );
  });

  it('round-trips method and range', () => {
    const accept = { method: NS.BYTESTREAMS, range: { offset: 10, length: 20 } };
    assert.deepEqual(decodeSiAccept(reparse(encodeSiAccept(accept)), BOTH), accept);
  });

  it("decodes Spark's IBB accept", () => {
    assert.deepEqual(decodeSiAccept(payloadOf(SPARK_IBB_ACCEPT), [NS.IBB]), { method: NS.IBB });
  });

  it('COMPAT: takes the first supported of the two <value>s Spark sends', () => {
    assert.deepEqual(decodeSiAccept(payloadOf(XIFF_ACCEPT), BOTH), { method: NS.BYTESTREAMS });
    assert.deepEqual(decodeSiAccept(payloadOf(XIFF_ACCEPT), [NS.IBB]), { method: NS.IBB });
  });

  it('answers bad-request when the chosen method was not offered', () => {
    assertStanzaError(() => decodeSiAccept(payloadOf(SPARK_IBB_ACCEPT), [NS.BYTESTREAMS]), /was not offered/);
  });

  it('answers bad-request for an accept without a value', () => {
    assertStanzaError(() => decodeSiAccept(acceptWithField('<field var="stream-method"/>'), BOTH), /has no <value\/>/);
  });

  it('answers bad-request for an accept without the stream-method field', () => {
    assertStanzaError(
      () => decodeSiAccept(acceptWithField('<field var="other"><value>x</value></field>'), BOTH),
      /no 'stream-method' field/,
    );
  });

  it('answers bad-request for an accept whose form is not a submit', () => {
    const si = acceptWithField(`<field var="stream-method"><value>${NS.IBB}</value></field>`, 'form');
    assertStanzaError(() => decodeSiAccept(si, BOTH), /must be type 'submit'/);
  });
});

describe('stream method choice', () => {
  it('prefers SOCKS5 over IBB (XEP-0096 §3.1)', () => {
    assert.equal(selectStreamMethod(BOTH), NS.BYTESTREAMS);
    assert.equal(selectStreamMethod([NS.IBB, NS.BYTESTREAMS]), NS.BYTESTREAMS);
    assert.equal(selectStreamMethod([NS.IBB]), NS.IBB);
  });

  it('throws no-valid-streams when nothing matches', () => {
    let caught: unknown;
    try {
      selectStreamMethod(['jabber:iq:oob']);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof StanzaError);
    assert.equal(classifySiError(caught), 'no-valid-streams');
  });
});

describe('SI errors', () => {
  it('declines with forbidden, type cancel, "Offer Declined" (XEP-0095 §3.2)', () => {
    assert.equal(
      siErrors.declined().toElement().toString(),
      '<error type="cancel" code="403"><forbidden xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">Offer Declined</text></error>',
    );
    assert.equal(siErrors.declined('Disk full').text, 'Disk full');
  });

  it('builds no-valid-streams and bad-profile as bad-request with the SI condition', () => {
    assert.equal(
      siErrors.noValidStreams().toElement().toString(),
      '<error type="cancel" code="400"><bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        `<no-valid-streams xmlns="${NS.SI}"/></error>`,
    );
    // The receiver may say which methods it takes: a <text/> after the conditions.
    const explained = siErrors.noValidStreams('the receiver accepts only ibb').toElement().toString();
    assert.match(explained, new RegExp(`<no-valid-streams xmlns="${NS.SI}"/>`));
    assert.match(explained, /<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">the receiver accepts only ibb<\/text>/);
    assert.equal(
      siErrors.badProfile().toElement().toString(),
      '<error type="modify" code="400"><bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        `<bad-profile xmlns="${NS.SI}"/></error>`,
    );
  });

  it('classifies its own errors after a trip through XML', () => {
    const kind = (error: StanzaError) =>
      classifySiError(StanzaError.fromStanza(parseXml(xml('iq', { type: 'error' }, error.toElement()).toString())));
    assert.equal(kind(siErrors.declined()), 'declined');
    assert.equal(kind(siErrors.noValidStreams()), 'no-valid-streams');
    assert.equal(kind(siErrors.badProfile()), 'bad-profile');
  });

  it('COMPAT: classifies the 406 not-acceptable decline of Smack < 4.0.1 / Spark as declined', () => {
    const error = StanzaError.fromStanza(parseXml(SPARK_IBB_DECLINE));
    assert.equal(error.condition, 'not-acceptable');
    assert.equal(classifySiError(error), 'declined');
  });

  it('COMPAT: classifies a Spark decline carrying only code="406" (no condition element) as declined', () => {
    const error = StanzaError.fromStanza(parseXml(SPARK_IBB_DECLINE_AS_PRINTED));
    assert.equal(error.condition, 'undefined-condition');
    assert.equal(classifySiError(error), 'declined');
  });

  it('classifies other errors as other', () => {
    assert.equal(classifySiError(new StanzaError('service-unavailable')), 'other');
    assert.equal(classifySiError(new StanzaError('bad-request')), 'other');
    assert.equal(classifySiError(new StanzaError('undefined-condition', { code: '500' })), 'other');
  });
});
