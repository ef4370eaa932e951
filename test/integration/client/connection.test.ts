// The client library's connection wrapper: IQ handlers that come and go, typed errors, timeouts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { xml } from '@ferry/protocol/xml/element';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';

describe('client connection', () => {
  let pair: ConnectionPair;
  before(async () => {
    pair = await startConnectionPair();
  });
  after(() => pair.stop());

  const query = (to: string) => xml('iq', { type: 'set', to }, xml('q', { xmlns: 'urn:example:q' }, 'hi'));

  it('routes an IQ to a handler and returns its payload', async () => {
    const remove = pair.bob.onIq('set', 'urn:example:q', 'q', (_stanza, payload) =>
      xml('a', { xmlns: 'urn:example:q' }, payload.getText()),
    );
    const result = await pair.alice.request(query(pair.bob.jid.toString()), 5_000);
    assert.equal(result.getChild('a')?.getText(), 'hi');
    remove();
  });

  it('answers service-unavailable once the handler is removed, as a StanzaError', async () => {
    await assert.rejects(pair.alice.request(query(pair.bob.jid.toString()), 5_000), (error: unknown) => {
      assert.ok(error instanceof StanzaError);
      assert.equal(error.condition, 'service-unavailable');
      return true;
    });
  });

  it('turns a thrown StanzaError into that error reply', async () => {
    const remove = pair.bob.onIq('set', 'urn:example:q', 'q', () => {
      throw new StanzaError('forbidden', { text: 'Offer Declined' });
    });
    await assert.rejects(pair.alice.request(query(pair.bob.jid.toString()), 5_000), (error: unknown) => {
      assert.ok(error instanceof StanzaError);
      assert.equal(error.condition, 'forbidden');
      assert.equal(error.text, 'Offer Declined');
      return true;
    });
    remove();
  });

  it('passes a stanza a handler declines (undefined) to the next handler', async () => {
    const removeFirst = pair.bob.onIq('set', 'urn:example:q', 'q', () => undefined);
    const removeSecond = pair.bob.onIq('set', 'urn:example:q', 'q', () => null);
    const result = await pair.alice.request(query(pair.bob.jid.toString()), 5_000);
    assert.equal(result.attrs.type, 'result');
    removeFirst();
    removeSecond();
  });

  it('times out with FERRY_ERR_TIMEOUT when no answer comes', async () => {
    const remove = pair.bob.onIq('set', 'urn:example:q', 'q', () => new Promise(() => {}));
    await assert.rejects(
      pair.alice.request(query(pair.bob.jid.toString()), 300),
      (error: { code?: string }) => error.code === 'FERRY_ERR_TIMEOUT',
    );
    remove();
  });
});
