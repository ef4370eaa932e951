// XEP-0066 oob, XEP-0446 file metadata (+ XEP-0300 hashes) and XEP-0447 file-sharing: the
// elements a link message carries, as real clients send them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import { decodeOob, encodeOob, findOob } from '@ferry/protocol/payloads/oob';
import {
  decodeFileMetadata,
  decodeHash,
  encodeFileMetadata,
  sha256Hash,
  sha256Hex,
  type FileMetadata,
} from '@ferry/protocol/payloads/file-metadata';
import {
  decodeFileSharing,
  encodeFileSharing,
  findFileSharing,
  type FileSharing,
} from '@ferry/protocol/payloads/file-sharing';
import { assertStanzaError, parseXml, reparse } from './fixtures.js';

const URL = 'https://upload.montague.lit/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg';

describe('out of band data (XEP-0066 §3)', () => {
  it('decodes what Conversations sends: the URL as the body and in <x><url/>', () => {
    const message = parseXml(
      `<message to="bob@example.com" type="chat" id="c0ffee"><body>${URL}</body>` +
        `<x xmlns="jabber:x:oob"><url>${URL}</url></x></message>`,
    );
    assert.deepEqual(findOob(message), { url: URL });
  });

  it('keeps a description and trims the whitespace a pretty-printer adds', () => {
    const x = parseXml(`<x xmlns="jabber:x:oob">\n  <url>\n    ${URL}\n  </url>\n  <desc>A photo</desc>\n</x>`);
    assert.deepEqual(decodeOob(x), { url: URL, desc: 'A photo' });
  });

  it('encodes <x><url/><desc/></x> and round-trips', () => {
    const data = { url: URL, desc: 'A photo' };
    assert.equal(encodeOob(data).toString(), `<x xmlns="jabber:x:oob"><url>${URL}</url><desc>A photo</desc></x>`);
    assert.deepEqual(decodeOob(reparse(encodeOob(data))), data);
  });

  it('finds nothing in a message without oob', () => {
    assert.equal(findOob(parseXml('<message><body>hi</body></message>')), undefined);
  });

  describe('refuses broken oob with bad-request', () => {
    const cases: [string, string, RegExp][] = [
      ['no <url/>', '<desc>x</desc>', /needs a <url\/>/],
      ['an empty URL', '<url/>', /not a usable URL/],
      ['a relative URL', '<url>/files/a.jpg</url>', /not an absolute URL/],
      ['a URL with a space inside', '<url>https://a.example/a b</url>', /not a usable URL/],
      ['a URL with a control character', '<url>https://a.example/&#127;</url>', /not a usable URL/],
    ];
    for (const [what, inner, pattern] of cases) {
      it(what, () => void assertStanzaError(() => decodeOob(parseXml(`<x xmlns="${NS.OOB}">${inner}</x>`)), pattern));
    }
  });
});

describe('file metadata (XEP-0446 §2) with hashes (XEP-0300 §3)', () => {
  it('decodes the XEP-0446 example', () => {
    const file = parseXml(
      `<file xmlns='urn:xmpp:file:metadata:0'>
        <media-type>text/plain</media-type>
        <name>test.txt</name>
        <date>2015-07-26T21:46:00+01:00</date>
        <size>6144</size>
        <hash xmlns='urn:xmpp:hashes:2' algo='sha-1'>w0mcJylzCn+AfvuGdqkty2+KP48=</hash>
      </file>`,
    );
    assert.deepEqual(decodeFileMetadata(file), {
      mediaType: 'text/plain',
      name: 'test.txt',
      date: '2015-07-26T21:46:00+01:00',
      size: 6144,
      hashes: [{ algo: 'sha-1', value: 'w0mcJylzCn+AfvuGdqkty2+KP48=' }],
    });
  });

  it('encodes in the spec order and round-trips', () => {
    const value: FileMetadata = {
      mediaType: 'image/jpeg',
      name: 'très cool.jpg',
      size: 23456,
      desc: 'the summit',
      width: 4096,
      height: 2160,
      hashes: [sha256Hash('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')],
    };
    assert.equal(
      encodeFileMetadata(value).toString(),
      '<file xmlns="urn:xmpp:file:metadata:0"><media-type>image/jpeg</media-type><name>très cool.jpg</name>' +
        '<size>23456</size><desc>the summit</desc><width>4096</width><height>2160</height>' +
        '<hash xmlns="urn:xmpp:hashes:2" algo="sha-256">47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</hash></file>',
    );
    assert.deepEqual(decodeFileMetadata(reparse(encodeFileMetadata(value))), value);
    assert.equal(sha256Hex(value), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('keeps a name with separators as sent (the receiver sanitises it, §2)', () => {
    const file = parseXml(`<file xmlns="${NS.FILE_METADATA}"><name>../../etc/passwd</name></file>`);
    assert.equal(decodeFileMetadata(file).name, '../../etc/passwd');
  });

  it('keeps hashes of functions it does not know', () => {
    const hash = parseXml(`<hash xmlns="${NS.HASHES}" algo="id-blake2b256">2AfMGH8O7UNPTvUVAM9aK13mpCY=</hash>`);
    assert.deepEqual(decodeHash(hash), { algo: 'id-blake2b256', value: '2AfMGH8O7UNPTvUVAM9aK13mpCY=' });
  });

  describe('refuses hostile metadata with bad-request', () => {
    const cases: [string, string, RegExp][] = [
      ['a negative size', '<size>-1</size>', /not a decimal number/],
      ['a size above 2^53', '<size>9007199254740993</size>', /out of range/],
      ['a media type with CRLF', '<media-type>text/plain&#13;&#10;X: y</media-type>', /not a MIME type/],
      ['a name with a DEL', '<name>a&#127;b</name>', /not a file name/],
      ['a date that is no date', '<date>yesterday</date>', /not an XEP-0082 DateTime/],
      ['a hash without algo', `<hash xmlns="${NS.HASHES}">AAAA</hash>`, /needs an 'algo'/],
      ['a hash that is not base64', `<hash xmlns="${NS.HASHES}" algo="sha-256">not base64!</hash>`, /not base64/],
      ['a sha-256 of the wrong length', `<hash xmlns="${NS.HASHES}" algo="sha-256">AAAA</hash>`, /not 32 bytes/],
    ];
    for (const [what, inner, pattern] of cases) {
      it(what, () => {
        assertStanzaError(
          () => decodeFileMetadata(parseXml(`<file xmlns="${NS.FILE_METADATA}">${inner}</file>`)),
          pattern,
        );
      });
    }
  });
});

describe('stateless file sharing (XEP-0447 §3.1)', () => {
  // After the XEP-0447 example: a url-data source and a jinglepub source Ferry does not fetch.
  const EXAMPLE = `<message from='juliet@shakespeare.lit/chamber' to='romeo@montague.lit' type='chat' id='sfs1'>
  <file-sharing xmlns='urn:xmpp:sfs:0' disposition='inline'>
    <file xmlns='urn:xmpp:file:metadata:0'>
      <media-type>image/jpeg</media-type>
      <name>summit.jpg</name>
      <size>3032449</size>
      <width>4096</width>
      <height>2160</height>
      <hash xmlns='urn:xmpp:hashes:2' algo='sha3-256'>2XarmwTlNxDAMkvymloX3S5+VbylNrJt/l5QyPa+YoU=</hash>
      <desc>Photo from the summit.</desc>
      <thumbnail xmlns='urn:xmpp:thumbs:1' uri='cid:sha1+ffd7c8d28e9c5e82afea41f97108c6b4@bob.xmpp.org' media-type='image/png' width='128' height='96'/>
    </file>
    <sources>
      <url-data xmlns='http://jabber.org/protocol/url-data' target='https://download.montague.lit/4a771ac1/summit.jpg' />
      <jinglepub xmlns='urn:xmpp:jinglepub:1' from='juliet@shakespeare.lit/chamber' id='9559976B'>
        <description xmlns='urn:xmpp:jingle:apps:file-transfer:5' />
      </jinglepub>
    </sources>
  </file-sharing>
</message>`;

  it('decodes the metadata and the url-data source, skipping jinglepub and thumbnails', () => {
    assert.deepEqual(findFileSharing(parseXml(EXAMPLE)), {
      disposition: 'inline',
      file: {
        mediaType: 'image/jpeg',
        name: 'summit.jpg',
        size: 3032449,
        width: 4096,
        height: 2160,
        desc: 'Photo from the summit.',
        hashes: [{ algo: 'sha3-256', value: '2XarmwTlNxDAMkvymloX3S5+VbylNrJt/l5QyPa+YoU=' }],
      },
      sources: [{ url: 'https://download.montague.lit/4a771ac1/summit.jpg' }],
    });
  });

  it('encodes what Ferry sends and round-trips', () => {
    const value: FileSharing = {
      disposition: 'attachment',
      file: {
        name: 'report.pdf',
        size: 1234,
        mediaType: 'application/pdf',
        hashes: [sha256Hash('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')],
      },
      sources: [{ url: URL }],
    };
    assert.equal(
      encodeFileSharing(value).toString(),
      '<file-sharing xmlns="urn:xmpp:sfs:0" disposition="attachment"><file xmlns="urn:xmpp:file:metadata:0">' +
        '<media-type>application/pdf</media-type><name>report.pdf</name><size>1234</size>' +
        '<hash xmlns="urn:xmpp:hashes:2" algo="sha-256">47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</hash></file>' +
        `<sources><url-data xmlns="http://jabber.org/protocol/url-data" target="${URL}"/></sources></file-sharing>`,
    );
    assert.deepEqual(decodeFileSharing(reparse(encodeFileSharing(value))), value);
  });

  describe('refuses broken file-sharing with bad-request', () => {
    const cases: [string, string, RegExp][] = [
      ['no <file/>', '<sources/>', /needs a <file\/>/],
      [
        'a url-data without target',
        `<file xmlns="${NS.FILE_METADATA}"/><sources><url-data xmlns="${NS.URL_DATA}"/></sources>`,
        /missing the 'target'/,
      ],
      [
        'a relative target',
        `<file xmlns="${NS.FILE_METADATA}"/><sources><url-data xmlns="${NS.URL_DATA}" target="a.jpg"/></sources>`,
        /not an absolute URL/,
      ],
    ];
    for (const [what, inner, pattern] of cases) {
      it(what, () => {
        assertStanzaError(
          () => decodeFileSharing(parseXml(`<file-sharing xmlns="${NS.SFS}">${inner}</file-sharing>`)),
          pattern,
        );
      });
    }
  });
});
