import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeJingleFtDescription,
  decodeJingleFtInfo,
  encodeJingleChecksum,
  encodeJingleFtDescription,
  encodeJingleReceived,
  fileSender,
  jingleFtReasons,
  type JingleFile,
} from '@ferry/protocol/payloads/jingle-ft';
import { assertStanzaError, parseXml, reparse } from './fixtures.js';

const FT5 = 'urn:xmpp:jingle:apps:file-transfer:5';
const HELLO_SHA256 = 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ='; // sha-256("hello"), XEP-0300 form

function description(ns: string, file: string): ReturnType<typeof parseXml> {
  return parseXml(`<description xmlns="${ns}">${file}</description>`);
}

// XEP-0234 §5.1 example 1: the description of the complete offer.
const XEP_OFFER = `<description xmlns='urn:xmpp:jingle:apps:file-transfer:5'>
        <file>
          <date>1969-07-21T02:56:15Z</date>
          <desc>This is a test. If this were a real file...</desc>
          <media-type>text/plain</media-type>
          <name>test.txt</name>
          <range/>
          <size>6144</size>
          <hash xmlns='urn:xmpp:hashes:2'
                algo='sha-1'>w0mcJylzCn+AfvuGdqkty2+KP48=</hash>
        </file>
      </description>`;

// Libervia 0.9 session-initiate: empty <desc/>, empty <range/>, hash-used.
const LIBERVIA_OFFER = `<description xmlns="urn:xmpp:jingle:apps:file-transfer:5"><file>
      <name>f.bin</name><size>300000</size><media-type>application/octet-stream</media-type>
      <desc/><range/><hash-used xmlns="urn:xmpp:hashes:2" algo="sha-256"/></file></description>`;

// Conversations 2.x (FileTransferDescription.of): name, size, camel-case <mediaType/>, no hash.
const CONVERSATIONS_OFFER = `<description xmlns="urn:xmpp:jingle:apps:file-transfer:5"><file><name>IMG_2041.jpg</name><size>2174013</size><mediaType>image/jpeg</mediaType></file></description>`;

// Conversations < 2.10 to a peer advertising only :3 — the file inside <offer/>, size before name.
const CONVERSATIONS_FT3_OFFER = `<description xmlns="urn:xmpp:jingle:apps:file-transfer:3"><offer><file><size>12345</size><name>notes.txt</name></file></offer></description>`;

// telepathy-gabble's :3 form (jingle-ft-content.c), with an empty <desc/>.
const GABBLE_FT3_OFFER = `<description xmlns='urn:xmpp:jingle:apps:file-transfer:3'><offer><file><size>291419</size><name>SirensOfTheSeaCD.jpg</name><desc/></file></offer></description>`;

// Dino 0.4: :5 with <media-type/>, no hash.
const DINO_OFFER = `<description xmlns="urn:xmpp:jingle:apps:file-transfer:5"><file><name>test.pdf</name><size>1048576</size><media-type>application/pdf</media-type></file></description>`;

describe('XEP-0234 <description/>', () => {
  it('decodes the complete XEP offer', () => {
    assert.deepEqual(decodeJingleFtDescription(parseXml(XEP_OFFER)), {
      version: 5,
      file: {
        name: 'test.txt',
        size: 6144,
        mediaType: 'text/plain',
        date: '1969-07-21T02:56:15Z',
        desc: 'This is a test. If this were a real file...',
        hashes: [{ algo: 'sha-1', value: 'w0mcJylzCn+AfvuGdqkty2+KP48=' }],
        hashesUsed: [],
        range: { hashes: [] },
      },
    });
  });

  it("decodes Libervia's offer: hash-used, empty desc and range", () => {
    const { file } = decodeJingleFtDescription(parseXml(LIBERVIA_OFFER));
    assert.deepEqual(file, {
      name: 'f.bin',
      size: 300000,
      mediaType: 'application/octet-stream',
      desc: '',
      hashes: [],
      hashesUsed: ['sha-256'],
      range: { hashes: [] },
    });
  });

  it("reads Conversations' camel-case <mediaType/> (COMPAT) and accepts a file with no hash", () => {
    const { file } = decodeJingleFtDescription(parseXml(CONVERSATIONS_OFFER));
    assert.deepEqual(file, {
      name: 'IMG_2041.jpg',
      size: 2174013,
      mediaType: 'image/jpeg',
      hashes: [],
      hashesUsed: [],
    });
  });

  it('reads the older <mime-type/> spelling too', () => {
    const { file } = decodeJingleFtDescription(
      description(FT5, '<file><name>a</name><mime-type>text/plain</mime-type></file>'),
    );
    assert.equal(file.mediaType, 'text/plain');
  });

  it("reads Dino's offer", () => {
    const { file } = decodeJingleFtDescription(parseXml(DINO_OFFER));
    assert.deepEqual(file, {
      name: 'test.pdf',
      size: 1048576,
      mediaType: 'application/pdf',
      hashes: [],
      hashesUsed: [],
    });
  });

  it("reads Gajim's offer, whose date has an offset and a 'Z' (COMPAT), and drops a date that is none", () => {
    const gajim = `<description xmlns="urn:xmpp:jingle:apps:file-transfer:5"><file><name>from-gajim.bin</name>
      <date>2026-12-07T18:14:36.730146+00:00Z</date><size>2097165</size><desc /></file></description>`;
    assert.deepEqual(decodeJingleFtDescription(parseXml(gajim)).file, {
      name: 'from-gajim.bin',
      size: 2097165,
      date: '2026-12-07T18:14:36.730146+00:00',
      desc: '',
      hashes: [],
      hashesUsed: [],
    });
    const undated = decodeJingleFtDescription(
      parseXml(
        '<description xmlns="urn:xmpp:jingle:apps:file-transfer:5"><file><date>yesterday</date></file></description>',
      ),
    );
    assert.equal(undated.file.date, undefined);
  });

  it('reads :3 with the file wrapped in <offer/> (Conversations, telepathy-gabble)', () => {
    assert.deepEqual(decodeJingleFtDescription(parseXml(CONVERSATIONS_FT3_OFFER)), {
      version: 3,
      file: { name: 'notes.txt', size: 12345, hashes: [], hashesUsed: [] },
    });
    assert.deepEqual(decodeJingleFtDescription(parseXml(GABBLE_FT3_OFFER)).file, {
      name: 'SirensOfTheSeaCD.jpg',
      size: 291419,
      desc: '',
      hashes: [],
      hashesUsed: [],
    });
  });

  it('reads :4, and a :3 hash in urn:xmpp:hashes:1 (COMPAT)', () => {
    const ft4 = decodeJingleFtDescription(
      description('urn:xmpp:jingle:apps:file-transfer:4', `<file><name>a</name><size>5</size></file>`),
    );
    assert.equal(ft4.version, 4);
    const ft3 = decodeJingleFtDescription(
      description(
        'urn:xmpp:jingle:apps:file-transfer:3',
        `<offer><file><name>a</name><hash xmlns="urn:xmpp:hashes:1" algo="sha-256">${HELLO_SHA256}</hash></file></offer>`,
      ),
    );
    assert.deepEqual(ft3.file.hashes, [{ algo: 'sha-256', value: HELLO_SHA256 }]);
  });

  it('treats an empty <hash algo/> as "the value comes later" (§4)', () => {
    const { file } = decodeJingleFtDescription(
      description(FT5, '<file><name>a</name><hash xmlns="urn:xmpp:hashes:2" algo="sha-256"/></file>'),
    );
    assert.deepEqual([file.hashes, file.hashesUsed], [[], ['sha-256']]);
  });

  it('flags an OMEMO-encrypted file from Conversations (COMPAT)', () => {
    const { file } = decodeJingleFtDescription(
      description(
        'urn:xmpp:jingle:apps:file-transfer:4',
        '<file><name>a</name><size>1</size><encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="1"/></encrypted></file>',
      ),
    );
    assert.equal(file.isEncrypted, true);
  });

  it('reads a resume range (§6: offset only)', () => {
    const { file } = decodeJingleFtDescription(
      description(
        FT5,
        `<file><range offset='270336'/><hash xmlns='urn:xmpp:hashes:2' algo='sha-1'>w0mcJylzCn+AfvuGdqkty2+KP48=</hash></file>`,
      ),
    );
    assert.deepEqual(file.range, { offset: 270336, hashes: [] });
  });

  it('always encodes :5, with <media-type/>, range and hash-used', () => {
    const file: JingleFile = {
      name: 'a.bin',
      size: 5,
      mediaType: 'application/octet-stream',
      hashes: [],
      hashesUsed: ['sha-256'],
      range: { offset: 2, hashes: [] },
    };
    assert.equal(
      encodeJingleFtDescription({ file }).toString(),
      `<description xmlns="${FT5}"><file xmlns="${FT5}"><media-type>application/octet-stream</media-type><name>a.bin</name><size>5</size><range offset="2"/><hash-used xmlns="urn:xmpp:hashes:2" algo="sha-256"/></file></description>`,
    );
  });

  it('round-trips :3 and :4 offers into :5', () => {
    for (const text of [XEP_OFFER, LIBERVIA_OFFER, CONVERSATIONS_OFFER, CONVERSATIONS_FT3_OFFER, DINO_OFFER]) {
      const decoded = decodeJingleFtDescription(parseXml(text));
      const again = decodeJingleFtDescription(reparse(encodeJingleFtDescription(decoded)));
      assert.deepEqual(again, { ...decoded, version: 5 }, text);
    }
  });

  describe('refuses hostile or broken offers with bad-request', () => {
    const cases: [string, string, RegExp][] = [
      ['no <file/>', '', /has no <file\/>/],
      ['a negative size', '<file><size>-1</size></file>', /not a decimal number/],
      ['a size above 2^53', '<file><size>9007199254740993</size></file>', /out of range/],
      ['a name with a DEL character', '<file><name>a&#127;b</name></file>', /not a file name/],
      ['a media type with a newline', '<file><media-type>text/plain&#10;X: y</media-type></file>', /not a MIME type/],
      ['a bad mime-type spelling value', '<file><mime-type>nonsense</mime-type></file>', /not a MIME type/],
      [
        'a hash that is not base64',
        '<file><hash xmlns="urn:xmpp:hashes:2" algo="sha-256">!!!</hash></file>',
        /not base64/,
      ],
      [
        'a sha-256 of the wrong length',
        '<file><hash xmlns="urn:xmpp:hashes:2" algo="sha-256">AAAA</hash></file>',
        /not 32 bytes/,
      ],
      ['a hash without algo', '<file><hash xmlns="urn:xmpp:hashes:2">AAAA</hash></file>', /'algo'/],
      ['a range with a negative offset', '<file><range offset="-1"/></file>', /not a decimal number/],
    ];
    for (const [what, file, pattern] of cases) {
      it(what, () => {
        assertStanzaError(() => decodeJingleFtDescription(description(FT5, file)), pattern);
      });
    }
    it('a description in another namespace', () => {
      assertStanzaError(
        () => decodeJingleFtDescription(description('urn:xmpp:jingle:apps:rtp:1', '')),
        /expected <description/,
      );
    });
  });
});

describe('XEP-0234 §8 session-info', () => {
  it('decodes the XEP checksum', () => {
    const checksum =
      parseXml(`<checksum xmlns='urn:xmpp:jingle:apps:file-transfer:5' creator='initiator' name='a-file-offer'>
      <file>
        <hash xmlns='urn:xmpp:hashes:2' algo='sha-1'>w0mcJylzCn+AfvuGdqkty2+KP48=</hash>
      </file>
    </checksum>`);
    assert.deepEqual(decodeJingleFtInfo(checksum), {
      kind: 'checksum',
      creator: 'initiator',
      name: 'a-file-offer',
      hashes: [{ algo: 'sha-1', value: 'w0mcJylzCn+AfvuGdqkty2+KP48=' }],
      hashesUsed: [],
    });
  });

  it('decodes the XEP checksum of a range', () => {
    const checksum =
      parseXml(`<checksum xmlns='urn:xmpp:jingle:apps:file-transfer:5' creator='initiator' name='a-file-offer'>
      <file><range offset='2048' length='1024'><hash xmlns='urn:xmpp:hashes:2' algo='sha-1'>kHp5RSzW/h7Gm1etSf90Mr5PC/k=</hash></range></file>
    </checksum>`);
    const info = decodeJingleFtInfo(checksum);
    assert.deepEqual(info?.kind === 'checksum' && info.range, {
      offset: 2048,
      length: 1024,
      hashes: [{ algo: 'sha-1', value: 'kHp5RSzW/h7Gm1etSf90Mr5PC/k=' }],
    });
  });

  it("normalises Libervia's base64-of-hex checksum to the XEP-0300 value (COMPAT)", () => {
    const checksum =
      parseXml(`<checksum xmlns="urn:xmpp:jingle:apps:file-transfer:5" creator="initiator" name="f.bin"><file>
      <hash xmlns="urn:xmpp:hashes:2" algo="sha-256">MmNmMjRkYmE1ZmIwYTMwZTI2ZTgzYjJhYzViOWUyOWUxYjE2MWU1YzFmYTc0MjVlNzMwNDMzNjI5MzhiOTgyNA==</hash></file></checksum>`);
    const info = decodeJingleFtInfo(checksum);
    assert.deepEqual(info?.kind === 'checksum' && info.hashes, [{ algo: 'sha-256', value: HELLO_SHA256 }]);
  });

  it('normalises a bare hex digest as well (COMPAT)', () => {
    const checksum = parseXml(
      `<checksum xmlns="${FT5}" name="f"><file><hash xmlns="urn:xmpp:hashes:2" algo="sha-256">2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824</hash></file></checksum>`,
    );
    const info = decodeJingleFtInfo(checksum);
    assert.deepEqual(info?.kind === 'checksum' && info.hashes, [{ algo: 'sha-256', value: HELLO_SHA256 }]);
  });

  it("decodes Conversations' checksum (name, no creator)", () => {
    const info = decodeJingleFtInfo(
      parseXml(
        `<checksum xmlns="${FT5}" name="a"><file xmlns="${FT5}"><hash xmlns="urn:xmpp:hashes:2" algo="sha-256">${HELLO_SHA256}</hash></file></checksum>`,
      ),
    );
    assert.deepEqual(info, {
      kind: 'checksum',
      name: 'a',
      hashes: [{ algo: 'sha-256', value: HELLO_SHA256 }],
      hashesUsed: [],
    });
  });

  it('decodes received, and leaves foreign payloads to the caller', () => {
    assert.deepEqual(
      decodeJingleFtInfo(parseXml(`<received xmlns='${FT5}' creator='initiator' name='a-file-offer'/>`)),
      {
        kind: 'received',
        creator: 'initiator',
        name: 'a-file-offer',
      },
    );
    assert.equal(decodeJingleFtInfo(parseXml(`<ringing xmlns='urn:xmpp:jingle:apps:rtp:1:info'/>`)), undefined);
    assert.equal(decodeJingleFtInfo(parseXml(`<hash xmlns='${FT5}'/>`)), undefined);
  });

  it('encodes checksum and received as :5, and round-trips them', () => {
    const checksum = {
      creator: 'initiator' as const,
      name: 'f',
      hashes: [{ algo: 'sha-256', value: HELLO_SHA256 }],
      hashesUsed: [],
    };
    assert.equal(
      encodeJingleChecksum(checksum).toString(),
      `<checksum xmlns="${FT5}" creator="initiator" name="f"><file><hash xmlns="urn:xmpp:hashes:2" algo="sha-256">${HELLO_SHA256}</hash></file></checksum>`,
    );
    assert.deepEqual(decodeJingleFtInfo(reparse(encodeJingleChecksum(checksum))), { kind: 'checksum', ...checksum });
    assert.deepEqual(decodeJingleFtInfo(reparse(encodeJingleReceived({ creator: 'initiator', name: 'f' }))), {
      kind: 'received',
      creator: 'initiator',
      name: 'f',
    });
  });

  it('answers bad-request for a checksum without <file/> or without any hash', () => {
    assertStanzaError(() => decodeJingleFtInfo(parseXml(`<checksum xmlns="${FT5}" name="f"/>`)), /no <file\/>/);
    assertStanzaError(
      () => decodeJingleFtInfo(parseXml(`<checksum xmlns="${FT5}" name="f"><file/></checksum>`)),
      /no hash/,
    );
  });
});

describe('XEP-0234 senders and reasons', () => {
  it("takes the file's sender from 'senders', or from the creator when absent (COMPAT)", () => {
    assert.equal(fileSender({ creator: 'initiator', senders: 'responder' }), 'responder');
    assert.equal(fileSender({ creator: 'responder' }), 'responder');
    assert.equal(fileSender({ creator: 'initiator', senders: 'both' }), 'initiator');
    assertStanzaError(() => fileSender({ creator: 'initiator', senders: 'none' }), /senders='none'/);
  });

  it('builds the §9 reasons', () => {
    assert.equal(jingleFtReasons.fileTooLarge().condition, 'media-error');
    assert.equal(
      jingleFtReasons.fileTooLarge().application?.toString(),
      '<file-too-large xmlns="urn:xmpp:jingle:apps:file-transfer:errors:0"/>',
    );
    assert.equal(jingleFtReasons.fileNotAvailable().condition, 'failed-application');
    assert.equal(jingleFtReasons.hashMismatch().condition, 'media-error');
  });
});
