// The responder's table of XEP-0353 proposals: answered ones wait for their session-initiate and
// expire; retracted ones are remembered (so that sid is refused) and expire too; the table is
// bounded per initiator account and in all, refusing new proposals rather than dropping old ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingProposals } from '@ferry/client/internal/jingle/jmi-proposals';

const ROMEO = 'romeo@montague.example/orchard';
const ROMEO_PHONE = 'romeo@montague.example/phone';
const MERCUTIO = 'mercutio@verona.example/street';

describe('PendingProposals', () => {
  it('a proposal is taken once by the session-initiate with its sid, from the same resource only', () => {
    const table = new PendingProposals({ ttlMs: 1_000 });
    assert.equal(table.propose(ROMEO, 'a', 0), 'added');
    assert.equal(table.take(ROMEO_PHONE, 'a', 10), undefined, 'another resource of the account');
    assert.equal(table.take(ROMEO, 'b', 10), undefined, 'another sid');
    assert.equal(table.take(ROMEO, 'a', 10), 'pending');
    assert.equal(table.take(ROMEO, 'a', 20), undefined, 'consumed');
    assert.equal(table.size(20), 0);
  });

  it('a repeated propose is a duplicate, not a second entry', () => {
    const table = new PendingProposals();
    assert.equal(table.propose(ROMEO, 'a', 0), 'added');
    assert.equal(table.propose(ROMEO, 'a', 1), 'duplicate');
    assert.equal(table.size(1), 1);
  });

  it('expires: an answered proposal not initiated within ttlMs is forgotten', () => {
    const table = new PendingProposals({ ttlMs: 1_000 });
    table.propose(ROMEO, 'a', 0);
    assert.equal(table.size(999), 1);
    assert.equal(table.size(1_000), 0);
    assert.equal(table.take(ROMEO, 'a', 1_000), undefined);
    assert.equal(table.propose(ROMEO, 'a', 1_001), 'added', 'the same id may come again after expiry');
  });

  it('retract: before the session-initiate it marks the proposal retracted, which is then refused', () => {
    const table = new PendingProposals({ ttlMs: 1_000 });
    table.propose(ROMEO, 'a', 0);
    assert.equal(table.retract(ROMEO_PHONE, 'a', 5), false, 'only its initiator retracts it');
    assert.equal(table.retract(ROMEO, 'a', 5), true);
    assert.equal(table.retract(ROMEO, 'a', 6), false, 'already retracted');
    assert.equal(table.take(ROMEO, 'a', 10), 'retracted');
    assert.equal(table.take(ROMEO, 'a', 11), 'retracted', 'remembered until it expires');
    assert.equal(table.take(ROMEO, 'a', 1_000), undefined);
  });

  it('a retract for an unknown or expired proposal changes nothing', () => {
    const table = new PendingProposals({ ttlMs: 100 });
    assert.equal(table.retract(ROMEO, 'never', 0), false);
    table.propose(ROMEO, 'a', 0);
    assert.equal(table.retract(ROMEO, 'a', 100), false);
    assert.equal(table.size(100), 0);
  });

  it('bound per initiator account: its next proposal is refused, others still get in', () => {
    const table = new PendingProposals({ maxPerPeer: 2, maxEntries: 10 });
    assert.equal(table.propose(ROMEO, 'a', 0), 'added');
    assert.equal(table.propose(ROMEO_PHONE, 'b', 0), 'added');
    assert.equal(table.propose(ROMEO, 'c', 0), 'full', 'two resources, one account');
    assert.equal(table.propose(MERCUTIO, 'd', 0), 'added');
    // Retracted entries count too: retracting does not make room for a flood.
    table.retract(ROMEO, 'a', 1);
    assert.equal(table.propose(ROMEO, 'e', 1), 'full');
    assert.equal(table.take(ROMEO, 'a', 2), 'retracted');
    table.take(ROMEO_PHONE, 'b', 2);
    assert.equal(table.propose(ROMEO, 'e', 2), 'added', 'room once one is consumed');
  });

  it('bound in all: past maxEntries every new proposal is refused until some expire', () => {
    const table = new PendingProposals({ maxEntries: 3, maxPerPeer: 3, ttlMs: 50 });
    for (const [index, peer] of ['a@x/1', 'b@x/1', 'c@x/1'].entries()) {
      assert.equal(table.propose(peer, `id${index}`, index), 'added');
    }
    assert.equal(table.propose('d@x/1', 'id3', 10), 'full');
    assert.equal(table.size(10), 3, 'no older proposal was dropped');
    assert.equal(table.propose('d@x/1', 'id3', 50), 'added', 'the first expired at 50');
  });

  it('refuses limits that are not positive numbers', () => {
    assert.throws(() => new PendingProposals({ ttlMs: 0 }), /ttlMs/);
    assert.throws(() => new PendingProposals({ maxEntries: Number.NaN }), /maxEntries/);
  });
});
