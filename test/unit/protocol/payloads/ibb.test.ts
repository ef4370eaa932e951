import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import {
  base64EncodedLength,
  decodeIbbClose,
  decodeIbbData,
  decodeIbbOpen,
  encodeIbbClose,
  encodeIbbData,
  encodeIbbOpen,
  nextSeq,
} from '@ferry/protocol/payloads/ibb';
import { xml } from '@ferry/protocol/xml/element';
import {
  SPARK_IBB_IBB_CLOSE,
  SPARK_IBB_IBB_CLOSE_FROM_SPARK,
  SPARK_IBB_IBB_DATA,
  SPARK_IBB_IBB_OPEN,
  assertStanzaError,
  parseXml,
  payloadOf,
  reparse,
} from './fixtures.js';

const SID = 'jsi_33fe66c647209';

function data(attributes: string, text: string) {
  return parseXml(`<data xmlns="${NS.IBB}" ${attributes}>${text}</data>`);
}

describe('IBB open (XEP-0047 §2.1)', () => {
  it('decodes the IBB <open/> of a Spark session: block-size 4096 over iq', () => {
    assert.deepEqual(decodeIbbOpen(payloadOf(SPARK_IBB_IBB_OPEN)), { sid: SID, blockSize: 4096, stanza: 'iq' });
  });

  it('encodes open', () => {
    assert.equal(
      encodeIbbOpen({ sid: SID, blockSize: 4096, stanza: 'iq' }).toString(),
      `<open xmlns="${NS.IBB}" sid="${SID}" block-size="4096" stanza="iq"/>`,
    );
  });

  it("round-trips message delivery and Spark's 61440 block-size", () => {
    const open = { sid: 's', blockSize: 61440, stanza: 'message' as const };
    assert.deepEqual(decodeIbbOpen(reparse(encodeIbbOpen(open))), open);
  });

  it('defaults stanza to iq', () => {
    assert.equal(decodeIbbOpen(parseXml(`<open xmlns="${NS.IBB}" sid="s" block-size="1"/>`)).stanza, 'iq');
  });

  describe('refuses malformed opens with bad-request', () => {
    const cases: [string, string, RegExp][] = [
      ['no sid', 'block-size="4096"', /missing the 'sid'/],
      ['no block-size', 'sid="s"', /missing the 'block-size'/],
      ['block-size 0', 'sid="s" block-size="0"', /out of range/],
      ['block-size 65536', 'sid="s" block-size="65536"', /out of range/],
      ['a negative block-size', 'sid="s" block-size="-4096"', /not a decimal number/],
      ['a block-size in hex', 'sid="s" block-size="0x1000"', /not a decimal number/],
      ['a huge block-size', 'sid="s" block-size="99999999999999999999"', /not a decimal number/],
      ['an unknown stanza', 'sid="s" block-size="4096" stanza="presence"', /must be iq or message/],
    ];
    for (const [what, attributes, pattern] of cases) {
      it(what, () => {
        assertStanzaError(() => decodeIbbOpen(parseXml(`<open xmlns="${NS.IBB}" ${attributes}/>`)), pattern);
      });
    }
  });

  it('refuses to encode block-size 0 (programmer error)', () => {
    assert.throws(() => encodeIbbOpen({ sid: 's', blockSize: 0, stanza: 'iq' }), RangeError);
  });
});

describe('IBB data (XEP-0047 §2.2)', () => {
  it('encodes seq, sid and base64 with padding', () => {
    assert.equal(
      encodeIbbData({ sid: SID, seq: 0, data: Buffer.from('hello') }).toString(),
      `<data xmlns="${NS.IBB}" seq="0" sid="${SID}">aGVsbG8=</data>`,
    );
  });

  it('round-trips every remainder length and an empty chunk', () => {
    for (const size of [0, 1, 2, 3, 4096]) {
      const chunk = { sid: 's', seq: 65535, data: Buffer.alloc(size, 0xa5) };
      assert.deepEqual(decodeIbbData(reparse(encodeIbbData(chunk))), chunk);
    }
  });

  it('reads seq and sid of the published Spark <data/>, and refuses its placeholder text 数据在这里 as non-base64', () => {
    const element = payloadOf(SPARK_IBB_IBB_DATA);
    const error = assertStanzaError(() => decodeIbbData(element), /not valid base64/);
    assert.equal(error.type, 'cancel');
    element.children = ['aGVsbG8='];
    assert.deepEqual(decodeIbbData(element), { sid: SID, seq: 0, data: Buffer.from('hello') });
  });

  it("accepts the XEP's own line-wrapped, indented example", () => {
    const wrapped =
      '\n    qANQR1DBwU4DX7jmYZnncmUQB/9KuKBddzQH+tZ1ZywKK0yHKnq57kWq+RFtQdCJ\n    WpdWpR0uQsuJe7+vh3NWn59/gTc5MDlX8dS9p0ovStmNcyLhxVgmqS8ZKhsblVeu\n  ';
    assert.equal(decodeIbbData(data('seq="0" sid="i781hf64"', wrapped)).data.length, 96);
  });

  it('refuses a chunk larger than the negotiated block-size', () => {
    const chunk = reparse(encodeIbbData({ sid: 's', seq: 1, data: Buffer.alloc(4097) }));
    assert.equal(decodeIbbData(chunk, { blockSize: 4097 }).data.length, 4097);
    // 4097 bytes are 5464 characters, exactly as many as 4096: the byte count decides.
    assertStanzaError(() => decodeIbbData(chunk, { blockSize: 4096 }), /larger than the block-size 4096/);
    const huge = reparse(encodeIbbData({ sid: 's', seq: 1, data: Buffer.alloc(65535) }));
    assertStanzaError(() => decodeIbbData(huge, { blockSize: 4096 }), /larger than the block-size 4096/);
  });

  describe('rejects (not ignores) bad base64 with bad-request type cancel (XEP-0047 §6)', () => {
    const cases: [string, string][] = [
      ['a character outside the alphabet', 'aGVs*bG8='],
      ['URL-safe base64', 'aGV-bG8_'],
      ['padding in the middle ("BBBB=CCC")', 'BBBB=CCC'],
      ['leading padding ("=AAA")', '=AAA'],
      ['a length that is not a multiple of 4', 'aGVsbG8'],
      ['three padding characters', 'aG==='],
      ['non-zero pad bits ("QR==" for "QQ==")', 'QR=='],
      ['a NUL character (built in-process: no XML parser lets it through)', 'aGVs\u0000bG8='],
      ['a non-breaking space', 'aGVs\u00a0bG8='],
    ];
    for (const [what, text] of cases) {
      it(what, () => {
        const element = xml('data', { xmlns: NS.IBB, seq: 0, sid: 's' }, text);
        const error = assertStanzaError(() => decodeIbbData(element), /base64/);
        assert.equal(error.type, 'cancel');
      });
    }
  });

  describe('refuses a bad seq or sid with bad-request', () => {
    const cases: [string, string, RegExp][] = [
      ['no seq', 'sid="s"', /missing the 'seq'/],
      ['seq 65536', 'sid="s" seq="65536"', /out of range/],
      ['a negative seq', 'sid="s" seq="-1"', /not a decimal number/],
      ['a non-numeric seq', 'sid="s" seq="one"', /not a decimal number/],
      ['no sid', 'seq="0"', /missing the 'sid'/],
    ];
    for (const [what, attributes, pattern] of cases) {
      it(what, () => {
        assertStanzaError(() => decodeIbbData(data(attributes, 'AAAA')), pattern);
      });
    }
  });
});

describe('IBB close (XEP-0047 §2.3)', () => {
  it('decodes the sender close and the receiver (Spark) close of an IBB session', () => {
    assert.deepEqual(decodeIbbClose(payloadOf(SPARK_IBB_IBB_CLOSE)), { sid: SID });
    assert.deepEqual(decodeIbbClose(payloadOf(SPARK_IBB_IBB_CLOSE_FROM_SPARK)), { sid: 'jsi_33fe9702f3329' });
  });

  it('encodes close', () => {
    assert.equal(encodeIbbClose({ sid: SID }).toString(), `<close xmlns="${NS.IBB}" sid="${SID}"/>`);
  });

  it('answers bad-request without sid', () => {
    assertStanzaError(() => decodeIbbClose(parseXml(`<close xmlns="${NS.IBB}"/>`)), /missing the 'sid'/);
  });

  it('refuses an <open/> handed to the close decoder', () => {
    assertStanzaError(() => decodeIbbClose(payloadOf(SPARK_IBB_IBB_OPEN)), /expected <close/);
  });
});

describe('IBB arithmetic', () => {
  it('nextSeq counts up and wraps 65535 → 0', () => {
    assert.equal(nextSeq(0), 1);
    assert.equal(nextSeq(65534), 65535);
    assert.equal(nextSeq(65535), 0);
    assert.throws(() => nextSeq(65536), RangeError);
    assert.throws(() => nextSeq(-1), RangeError);
  });

  it('base64EncodedLength: 4 characters per started 3 bytes', () => {
    assert.equal(base64EncodedLength(0), 0);
    assert.equal(base64EncodedLength(1), 4);
    assert.equal(base64EncodedLength(3), 4);
    assert.equal(base64EncodedLength(4), 8);
    assert.equal(base64EncodedLength(4096), 5464);
    assert.equal(base64EncodedLength(65535), 87380);
    assert.equal(Buffer.alloc(4096).toString('base64').length, base64EncodedLength(4096));
  });
});
