// RFC 6120 §6.3.8: an authzid naming the account itself (its bare JID, as several clients send it)
// is accepted; one naming anybody else is invalid-authzid.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { SaslNegotiation } from '../../../../src/server/stream/sasl-negotiation.js';
import { openMemoryStorage, type Storage } from '../../../../src/server/storage/index.js';
import { parseElement } from '@ferry/protocol/xml/parse-element';

const plain = (authzid: string) =>
  parseElement(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`${authzid}\0alice\0a long password`).toString('base64')}</auth>`,
  )!;

describe('SASL negotiation on a stream', () => {
  let storage: Storage;
  before(async () => {
    storage = await openMemoryStorage({ scramIterations: 4096 });
    await storage.accounts.create('alice', 'a long password');
  });

  it("accepts the account's own bare JID as authzid", async () => {
    const sasl = new SaslNegotiation(storage.accounts, true, undefined, 'localhost');
    const outcome = await sasl.handle(plain('alice@localhost'));
    assert.equal(outcome?.kind, 'success');
  });

  it('refuses an authzid naming another account with invalid-authzid', async () => {
    const sasl = new SaslNegotiation(storage.accounts, true, undefined, 'localhost');
    const outcome = await sasl.handle(plain('bob@localhost'));
    assert.equal(outcome?.kind, 'failure');
    assert.equal(outcome?.kind === 'failure' ? outcome.failure.condition : '', 'invalid-authzid');
  });
});
