import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import { decodeDiscoInfo, encodeDiscoInfo } from '@ferry/protocol/payloads/disco';
import {
  decodeUploadRequest,
  decodeUploadSlot,
  encodeUploadRequest,
  uploadServiceForm,
  encodeUploadSlot,
  readFileTooLarge,
  readMaxFileSize,
  uploadErrors,
  type UploadSlot,
} from '@ferry/protocol/payloads/http-upload';
import { xml } from '@ferry/protocol/xml/element';
import { assertStanzaError, parseXml, reparse } from './fixtures.js';

const PUT = 'https://upload.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg';
const GET = 'https://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg';

function slot(put: string, get = `<get url="${GET}"/>`) {
  return parseXml(`<slot xmlns="${NS.HTTP_UPLOAD}">${put}${get}</slot>`);
}

describe('upload slot request (XEP-0363 §4)', () => {
  it('encodes the request as attributes', () => {
    assert.equal(
      encodeUploadRequest({ filename: 'très cool.jpg', size: 23456, contentType: 'image/jpeg' }).toString(),
      `<request xmlns="${NS.HTTP_UPLOAD}" filename="très cool.jpg" size="23456" content-type="image/jpeg"/>`,
    );
  });

  it('round-trips with and without a content type', () => {
    for (const request of [
      { filename: 'très cool.jpg', size: 23456, contentType: 'image/jpeg' },
      { filename: 'a.bin', size: 1 },
    ]) {
      assert.deepEqual(decodeUploadRequest(reparse(encodeUploadRequest(request))), request);
    }
  });

  describe('refuses hostile requests with bad-request', () => {
    const cases: [string, string, RegExp][] = [
      ['no filename', 'size="1"', /missing the 'filename'/],
      ['no size', 'filename="a"', /missing the 'size'/],
      ['a path as filename', 'filename="../../srv/ferry/db.sqlite" size="1"', /not a plain file name/],
      ['a negative size', 'filename="a" size="-1"', /not a decimal number/],
      ['a size above 2^53', 'filename="a" size="9007199254740993"', /out of range/],
      ['a content-type with CRLF', 'filename="a" size="1" content-type="text/plain&#13;&#10;X: y"', /not a MIME type/],
      ['a content-type that is no MIME type', 'filename="a" size="1" content-type="jpeg"', /not a MIME type/],
    ];
    for (const [what, attributes, pattern] of cases) {
      it(what, () => {
        assertStanzaError(
          () => decodeUploadRequest(parseXml(`<request xmlns="${NS.HTTP_UPLOAD}" ${attributes}/>`)),
          pattern,
        );
      });
    }
  });
});

describe('upload slot (XEP-0363 §4)', () => {
  const value: UploadSlot = {
    put: {
      url: PUT,
      headers: [
        { name: 'Authorization', value: 'Basic Base64String==' },
        { name: 'Cookie', value: 'foo=bar; user=romeo' },
      ],
    },
    get: { url: GET },
  };

  it('encodes put with headers, then get', () => {
    assert.equal(
      encodeUploadSlot(value).toString(),
      `<slot xmlns="${NS.HTTP_UPLOAD}"><put url="${PUT}">` +
        '<header name="Authorization">Basic Base64String==</header><header name="Cookie">foo=bar; user=romeo</header>' +
        `</put><get url="${GET}"/></slot>`,
    );
  });

  it('round-trips', () => {
    assert.deepEqual(decodeUploadSlot(reparse(encodeUploadSlot(value))), value);
  });

  it('ignores headers outside Authorization, Cookie, Expires and strips newlines', () => {
    const decoded = decodeUploadSlot(
      slot(
        `<put url="${PUT}"><header name="Host">evil.example</header><header name="authorization">Bearer x&#13;&#10;Host: evil</header>` +
          '<header name="Expires">Tue, 01 Jan 2030 00:00:00 GMT</header><header>no name</header></put>',
      ),
    );
    assert.deepEqual(decoded.put.headers, [
      { name: 'Authorization', value: 'Bearer xHost: evil' },
      { name: 'Expires', value: 'Tue, 01 Jan 2030 00:00:00 GMT' },
    ]);
  });

  it('accepts a plain-http URL (local test servers); TLS policy is the caller’s', () => {
    assert.equal(
      decodeUploadSlot(slot('<put url="http://127.0.0.1:5280/u/a"/>', '<get url="http://127.0.0.1:5280/u/a"/>')).put
        .url,
      'http://127.0.0.1:5280/u/a',
    );
  });

  it('refuses to encode a header value with a newline (programmer error)', () => {
    assert.throws(
      () => encodeUploadSlot({ ...value, put: { url: PUT, headers: [{ name: 'Cookie', value: 'a\r\nb' }] } }),
      RangeError,
    );
  });

  describe('refuses malformed slots with bad-request', () => {
    const cases: [string, ReturnType<typeof slot>, RegExp][] = [
      ['no <get/>', slot(`<put url="${PUT}"/>`, ''), /needs both <put\/> and <get\/>/],
      ['no <put/>', slot(''), /needs both <put\/> and <get\/>/],
      ['a put without url', slot('<put/>'), /missing the 'url'/],
      ['a relative URL', slot('<put url="/upload/a"/>'), /not a URL/],
      ['a javascript: URL', slot('<put url="javascript:alert(1)"/>'), /not an http\(s\) URL/],
      ['a file: URL', slot(`<put url="${PUT}"/>`, '<get url="file:///etc/passwd"/>'), /not an http\(s\) URL/],
    ];
    for (const [what, element, pattern] of cases) {
      it(what, () => {
        assertStanzaError(() => decodeUploadSlot(element), pattern);
      });
    }
  });
});

describe('file-too-large (XEP-0363 §5)', () => {
  it('is not-acceptable, type modify, with <max-file-size/>', () => {
    assert.equal(
      uploadErrors.fileTooLarge(20000).toElement().toString(),
      '<error type="modify"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">File too large. The maximum file size is 20000 bytes</text>' +
        `<file-too-large xmlns="${NS.HTTP_UPLOAD}"><max-file-size>20000</max-file-size></file-too-large></error>`,
    );
  });

  it('reads the limit back from an error stanza', () => {
    const stanza = xml('iq', { type: 'error' }, uploadErrors.fileTooLarge(20000).toElement());
    assert.equal(readFileTooLarge(StanzaError.fromStanza(parseXml(stanza.toString()))), 20000);
  });

  it('is null without <max-file-size/>, undefined for other errors', () => {
    const bare = new StanzaError('not-acceptable', { application: xml('file-too-large', { xmlns: NS.HTTP_UPLOAD }) });
    assert.equal(readFileTooLarge(bare), null);
    assert.equal(readFileTooLarge(new StanzaError('not-allowed')), undefined);
  });

  it('answers bad-request for a non-numeric limit', () => {
    const error = new StanzaError('not-acceptable', {
      application: xml('file-too-large', { xmlns: NS.HTTP_UPLOAD }, xml('max-file-size', null, 'lots')),
    });
    assertStanzaError(() => readFileTooLarge(error), /not a decimal number/);
  });
});

describe('max-file-size in disco#info (XEP-0363 §3)', () => {
  it('encodes the XEP-0128 form and reads it back', () => {
    const query = encodeDiscoInfo({
      identities: [{ category: 'store', type: 'file' }],
      features: [NS.HTTP_UPLOAD],
      forms: [uploadServiceForm(5242880)],
    });
    assert.equal(
      query.toString(),
      '<query xmlns="http://jabber.org/protocol/disco#info"><identity category="store" type="file"/>' +
        '<feature var="urn:xmpp:http:upload:0"/>' +
        '<x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:http:upload:0</value></field>' +
        '<field var="max-file-size"><value>5242880</value></field></x></query>',
    );
    assert.equal(readMaxFileSize(decodeDiscoInfo(reparse(query))), 5242880);
  });

  it('skips other extension forms, even malformed ones', () => {
    const info = decodeDiscoInfo(
      parseXml(
        '<query xmlns="http://jabber.org/protocol/disco#info">' +
          '<x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>urn:example:other</value></field><field><value>no var</value></field></x>' +
          '<x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:http:upload:0</value></field>' +
          '<field var="max-file-size"><value>100</value></field></x></query>',
      ),
    );
    assert.equal(readMaxFileSize(info), 100);
  });

  it('is undefined when the service states no limit', () => {
    assert.equal(readMaxFileSize({ identities: [], features: [], forms: [uploadServiceForm()] }), undefined);
    assert.equal(readMaxFileSize({ identities: [], features: [] }), undefined);
  });
});
