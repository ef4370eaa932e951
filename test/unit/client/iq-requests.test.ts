// Our IQ requests: answered by the addressee only, bounded, abortable, and a late answer is
// simply ignored (xmpp.js's iqCaller turns it into an unhandled rejection).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IqRequests } from '@ferry/client/internal/iq-requests';
import { Jid } from '@ferry/protocol/jid';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';

function setup() {
  const sent: Element[] = [];
  const requests = new IqRequests(
    async (stanza) => {
      sent.push(stanza);
    },
    () => Jid.parse('alice@localhost/a'),
  );
  const ask = (to?: string, timeoutMs = 1_000, signal?: AbortSignal) =>
    requests.request(xml('iq', { type: 'get', to }, xml('ping', { xmlns: 'urn:xmpp:ping' })), timeoutMs, signal);
  const answer = (id: string, from: string | undefined, type = 'result') =>
    requests.settle(
      xml(
        'iq',
        { type, id, from, to: 'alice@localhost/a' },
        type === 'error' && new StanzaError('item-not-found').toElement(),
      ),
    );
  return { sent, requests, ask, answer };
}

describe('IqRequests', () => {
  it('resolves with the result from the addressee', async () => {
    const { sent, ask, answer } = setup();
    const pending = ask('bob@localhost/b');
    assert.equal(answer(sent[0]!.attrs.id as string, 'bob@localhost/b'), true);
    assert.equal((await pending).attrs.type, 'result');
  });

  it('ignores an answer with the right id from someone else', async () => {
    const { sent, ask, answer } = setup();
    const pending = ask('bob@localhost/b', 200);
    assert.equal(answer(sent[0]!.attrs.id as string, 'mallory@localhost/m'), false);
    await assert.rejects(pending, (error: { code?: string }) => error.code === 'FERRY_ERR_TIMEOUT');
  });

  it('accepts the server or our bare JID answering a request without "to"', async () => {
    const { sent, ask, answer } = setup();
    const first = ask(undefined);
    const second = ask(undefined);
    assert.equal(answer(sent[0]!.attrs.id as string, undefined), true);
    assert.equal(answer(sent[1]!.attrs.id as string, 'alice@localhost'), true);
    await Promise.all([first, second]);
  });

  it('rejects with the StanzaError of an error answer', async () => {
    const { sent, ask, answer } = setup();
    const pending = ask('bob@localhost/b');
    answer(sent[0]!.attrs.id as string, 'bob@localhost/b', 'error');
    await assert.rejects(
      pending,
      (error: unknown) => error instanceof StanzaError && error.condition === 'item-not-found',
    );
  });

  it('ignores an answer that comes after the timeout, without an unhandled rejection', async () => {
    const { sent, ask, answer } = setup();
    await assert.rejects(ask('bob@localhost/b', 10), (error: { code?: string }) => error.code === 'FERRY_ERR_TIMEOUT');
    assert.equal(answer(sent[0]!.attrs.id as string, 'bob@localhost/b', 'error'), false);
  });

  it('rejects with the signal’s reason when aborted, and drains once nothing is in flight', async () => {
    const { ask, requests } = setup();
    const controller = new AbortController();
    const pending = ask('bob@localhost/b', 10_000, controller.signal);
    controller.abort(new Error('user cancelled'));
    await assert.rejects(pending, /user cancelled/);
    await requests.drain(5_000); // returns at once: nothing pending
  });
});
