import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeSiFile,
  decodeSiFileRange,
  encodeSiFile,
  encodeSiFileRange,
  type SiFile,
} from '@ferry/protocol/payloads/si-file';
import { XIFF_OFFER, AGSXMPP_OFFER, assertStanzaError, parseXml, payloadOf, reparse } from './fixtures.js';

const FILE_NS = 'http://jabber.org/protocol/si/profile/file-transfer';

function file(attributes: string, children = ''): ReturnType<typeof parseXml> {
  return parseXml(`<file xmlns="${FILE_NS}" ${attributes}>${children}</file>`);
}

function fileOf(stanza: string) {
  const element = payloadOf(stanza).getChild('file', FILE_NS);
  assert.ok(element);
  return element;
}

describe('XEP-0096 <file/>', () => {
  it('encodes the complete offer form of XEP-0096 §4', () => {
    const offered: SiFile = {
      name: 'test.txt',
      size: 1022,
      hash: '552da749930852c69ae5d2141d3766b1',
      date: '1969-07-21T02:56:15Z',
      description: 'This is a test. If this were a real file...',
      range: true,
    };
    assert.equal(
      encodeSiFile(offered).toString(),
      `<file xmlns="${FILE_NS}" name="test.txt" size="1022" hash="552da749930852c69ae5d2141d3766b1" date="1969-07-21T02:56:15Z">` +
        '<desc>This is a test. If this were a real file...</desc><range/></file>',
    );
    assert.deepEqual(decodeSiFile(reparse(encodeSiFile(offered))), offered);
  });

  it('decodes the Flex/XIFF file offer with its <desc/>', () => {
    assert.deepEqual(decodeSiFile(fileOf(XIFF_OFFER)), { name: 'img0545.png', size: 152443, description: 'send' });
  });

  it("decodes agsXMPP's empty <range/> as 'can resume'", () => {
    assert.deepEqual(decodeSiFile(fileOf(AGSXMPP_OFFER)), { name: 'MiniClient.exe.config', size: 382, range: true });
  });

  it('decodes a size beyond 4 GiB exactly', () => {
    assert.equal(decodeSiFile(file('name="disk.img" size="8589934592"')).size, 8589934592);
  });

  it('accepts an empty file and a date without seconds (as in the XEP-0096 §6.2 example)', () => {
    assert.deepEqual(decodeSiFile(file('name="e" size="0" date="2005-11-29T11:21Z"')), {
      name: 'e',
      size: 0,
      date: '2005-11-29T11:21Z',
    });
  });

  it('keeps (validated) attributes on an offer <range/> instead of dropping them', () => {
    assert.deepEqual(decodeSiFile(file('name="a" size="10"', '<range offset="4"/>')).range, { offset: 4 });
  });

  describe('refuses hostile or broken offers with bad-request', () => {
    const cases: [string, string, RegExp][] = [
      ['no name', 'size="1"', /needs both 'name' and 'size'/],
      ['no size', 'name="a"', /needs both 'name' and 'size'/],
      ['a negative size', 'name="a" size="-1"', /not a decimal number/],
      ['a fractional size', 'name="a" size="1.5"', /not a decimal number/],
      ['a hex size', 'name="a" size="0x10"', /not a decimal number/],
      ['a size with spaces', 'name="a" size=" 10"', /not a decimal number/],
      ['a size in exponent form', 'name="a" size="1e9"', /not a decimal number/],
      ['a size above 2^53', 'name="a" size="9007199254740993"', /out of range/],
      ['a 30-digit size', 'name="a" size="999999999999999999999999999999"', /not a decimal number/],
      ['a path as name', 'name="../../etc/passwd" size="1"', /not a plain file name/],
      ['a Windows path as name', 'name="C:\\evil.exe" size="1"', /not a plain file name/],
      ['a name with a newline', 'name="a&#10;b" size="1"', /not a plain file name/],
      ['".." as name', 'name=".." size="1"', /not a plain file name/],
      ['an empty name', 'name="" size="1"', /not a plain file name/],
      ['a hash that is not MD5 hex', 'name="a" size="1" hash="xyz"', /not an MD5/],
      ['a date that is not a DateTime', 'name="a" size="1" date="yesterday"', /not an XEP-0082 DateTime/],
      ['an impossible date', 'name="a" size="1" date="2024-13-45T99:99:99Z"', /not an XEP-0082 DateTime/],
    ];
    for (const [what, attributes, pattern] of cases) {
      it(what, () => {
        assertStanzaError(() => decodeSiFile(file(attributes)), pattern);
      });
    }
    it('a negative range offset', () => {
      assertStanzaError(() => decodeSiFile(file('name="a" size="1"', '<range offset="-5"/>')), /not a decimal number/);
    });
  });
});

describe('XEP-0096 accept range', () => {
  it('encodes <range offset length/> inside <file/>', () => {
    assert.equal(
      encodeSiFileRange({ offset: 128, length: 256 }).toString(),
      `<file xmlns="${FILE_NS}"><range offset="128" length="256"/></file>`,
    );
  });

  it('round-trips offset only and length only', () => {
    for (const range of [{ offset: 128 }, { length: 256 }]) {
      assert.deepEqual(decodeSiFileRange(reparse(encodeSiFileRange(range))), range);
    }
  });

  it('reads an empty <range/> as "the whole file" (XEP-0096 §3)', () => {
    assert.equal(decodeSiFileRange(file('', '<range/>')), undefined);
    assert.equal(decodeSiFileRange(file('')), undefined);
  });

  it('answers bad-request for a non-numeric length', () => {
    assertStanzaError(() => decodeSiFileRange(file('', '<range length="all"/>')), /'length' is not a decimal number/);
  });
});
