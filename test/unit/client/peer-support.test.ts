// Choosing what to offer from the peer's disco#info features, before any offer is sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS } from '@ferry/protocol/namespaces';
import {
  selectOfferTransports,
  takesFileProposals,
  triesPeerDirectCandidates,
  type PeerSupport,
} from '@ferry/client/internal/peer-support';

const socks5 = { method: 'socks5', namespace: NS.BYTESTREAMS };
const ibb = { method: 'ibb', namespace: NS.IBB };
const PEER = 'bob@example.com/laptop';

describe('selectOfferTransports', () => {
  it('offers every method the peer lists, in our order of preference', () => {
    const features = [NS.DISCO_INFO, NS.IBB, NS.SI_FILE, NS.BYTESTREAMS, NS.SI];
    assert.deepEqual(selectOfferTransports(PEER, features, [socks5, ibb]), [socks5, ibb]);
  });

  it('offers IBB alone to a peer that lists ibb but not bytestreams', () => {
    assert.deepEqual(selectOfferTransports(PEER, [NS.SI, NS.SI_FILE, NS.IBB], [socks5, ibb]), [ibb]);
  });

  it('offers SOCKS5 alone to a peer that lists bytestreams but not ibb', () => {
    assert.deepEqual(selectOfferTransports(PEER, [NS.SI, NS.SI_FILE, NS.BYTESTREAMS], [socks5, ibb]), [socks5]);
  });

  it('refuses a peer without SI file transfer, naming what it offers', () => {
    assert.throws(
      () => selectOfferTransports(PEER, [NS.DISCO_INFO, 'urn:xmpp:jingle:1'], [socks5, ibb]),
      (error: { code?: string; message: string }) =>
        error.code === 'FERRY_ERR_PEER_UNSUPPORTED' &&
        error.message ===
          `${PEER} does not support SI file transfer (XEP-0096) (it offers: ${NS.DISCO_INFO}, urn:xmpp:jingle:1)`,
    );
  });

  it('refuses a peer with SI but not the file-transfer profile', () => {
    assert.throws(
      () => selectOfferTransports(PEER, [NS.SI, NS.IBB], [ibb]),
      (error: { code?: string }) => error.code === 'FERRY_ERR_PEER_UNSUPPORTED',
    );
  });

  it('refuses a peer that lists none of the methods offered here', () => {
    assert.throws(
      () => selectOfferTransports(PEER, [NS.SI, NS.SI_FILE, NS.BYTESTREAMS], [ibb]),
      (error: { code?: string; message: string }) =>
        error.code === 'FERRY_ERR_PEER_UNSUPPORTED' &&
        error.message ===
          `${PEER} supports none of the stream methods offered here (ibb); it offers: SOCKS5 bytestreams`,
    );
    assert.throws(
      () => selectOfferTransports(PEER, [NS.SI, NS.SI_FILE], [socks5, ibb]),
      /it offers: no stream method Ferry knows/,
    );
  });

  it('shortens a long feature list', () => {
    const features = Array.from({ length: 20 }, (_, index) => `urn:example:${String(index).padStart(2, '0')}`);
    assert.throws(() => selectOfferTransports(PEER, features, [ibb]), /urn:example:11, … \(20 in all\)\)$/);
  });
});

describe('takesFileProposals (XEP-0353)', () => {
  const info = (name: string, features: string[]) => ({
    kind: 'known' as const,
    info: { identities: [{ category: 'client', type: 'pc', name }], features },
  });
  const JINGLE_FILES = [NS.JINGLE, NS.JINGLE_FT, NS.JINGLE_IBB];

  it('a peer that advertises urn:xmpp:jingle-message:0 (Ferry, Libervia) takes file proposals', () => {
    assert.equal(takesFileProposals(info('Ferry', [...JINGLE_FILES, NS.JINGLE_MESSAGE])), true);
    assert.equal(takesFileProposals(info('Libervia', [...JINGLE_FILES, NS.JINGLE_MESSAGE])), true);
  });

  it('not without the feature, nor with an unknown disco#info', () => {
    assert.equal(takesFileProposals(info('Gajim', JINGLE_FILES)), false);
    assert.equal(takesFileProposals({ kind: 'unknown', isMaybeOffline: false }), false);
  });

  it('COMPAT: not Dino or Conversations, whose XEP-0353 answers calls only', () => {
    assert.equal(takesFileProposals(info('Dino', [...JINGLE_FILES, NS.JINGLE_MESSAGE])), false);
    assert.equal(takesFileProposals(info('Conversations', [...JINGLE_FILES, NS.JINGLE_MESSAGE])), false);
  });
});

describe('triesPeerDirectCandidates', () => {
  const known = (name: string): PeerSupport => ({
    kind: 'known',
    info: { identities: [{ category: 'client', type: 'pc', name }], features: [NS.JINGLE_S5B] },
  });

  it("tries Gajim's proxies only (its own listener drops the nominated connection)", () => {
    assert.equal(triesPeerDirectCandidates(known('Gajim')), false);
  });

  it('tries every candidate of any other peer, and of a peer whose disco#info is unknown', () => {
    assert.equal(triesPeerDirectCandidates(known('Dino')), true);
    assert.equal(triesPeerDirectCandidates(known('Ferry')), true);
    assert.equal(triesPeerDirectCandidates({ kind: 'unknown', isMaybeOffline: false }), true);
  });
});
