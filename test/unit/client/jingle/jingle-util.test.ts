// The small pure pieces of the Jingle wiring: which transport an offer carries, the offset a
// receiver's session-accept asks for (XEP-0234 §4), and the reason a failed receipt ends with.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import { xml } from '@ferry/protocol/xml/element';
import { transportKind } from '@ferry/client/internal/jingle/content-transport';
import { acceptedOffset, failureReason } from '@ferry/client/internal/jingle/jingle-util';
import type { DescribedFile } from '@ferry/client/internal/jingle/described-file';
import { TransferError } from '@ferry/client/internal/transfer-error';

const file = (range: boolean): DescribedFile => ({
  name: 'a.bin',
  size: 1000,
  sendsChecksum: false,
  jingle: { name: 'a.bin', size: 1000, hashes: [], hashesUsed: [], ...(range ? { range: { hashes: [] } } : {}) },
});

const answer = (offset?: number) =>
  xml(
    'description',
    { xmlns: NS.JINGLE_FT },
    xml('file', null, xml('name', null, 'a.bin'), xml('range', offset === undefined ? {} : { offset })),
  );

describe('transportKind', () => {
  it('IBB always; SOCKS5 only when we have it; anything else undefined', () => {
    assert.equal(transportKind(xml('transport', { xmlns: NS.JINGLE_IBB }), false), 'ibb');
    assert.equal(transportKind(xml('transport', { xmlns: NS.JINGLE_S5B }), true), 's5b');
    assert.equal(transportKind(xml('transport', { xmlns: NS.JINGLE_S5B }), false), undefined);
    assert.equal(transportKind(xml('transport', { xmlns: 'urn:xmpp:jingle:transports:ice-udp:1' }), true), undefined);
    assert.equal(transportKind(undefined, true), undefined);
  });
});

describe('acceptedOffset (XEP-0234 §4)', () => {
  it("the answer's <range offset/>, bounded by the size, when we offered a range", () => {
    assert.equal(acceptedOffset(file(true), answer(400)), 400);
    assert.equal(acceptedOffset(file(true), answer(5000)), 1000);
    assert.equal(acceptedOffset(file(true), answer()), 0);
  });

  it('0 when we offered no range (a stream), there is no answer, or it is malformed', () => {
    assert.equal(acceptedOffset(file(false), answer(400)), 0);
    assert.equal(acceptedOffset(file(true), undefined), 0);
    assert.equal(acceptedOffset(file(true), xml('description', { xmlns: 'urn:example' })), 0);
  });
});

describe('failureReason', () => {
  it('hash and size mismatches are media-error, transports failed-transport, timeouts connectivity-error', () => {
    assert.equal(failureReason(new TransferError('FERRY_ERR_HASH_MISMATCH', 'x')).condition, 'media-error');
    assert.equal(failureReason(new TransferError('FERRY_ERR_SIZE_MISMATCH', 'x')).condition, 'media-error');
    assert.equal(failureReason(new TransferError('FERRY_ERR_NO_STREAMHOST', 'x')).condition, 'failed-transport');
    assert.equal(failureReason(new TransferError('FERRY_ERR_TIMEOUT', 'x')).condition, 'connectivity-error');
    assert.equal(failureReason(new Error('user cancelled')).condition, 'cancel');
  });
});
