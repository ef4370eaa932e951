// The IBB Writable and Readable (XEP-0047 §2.2–§2.3) against a connection with no socket:
// the sender's window, back-pressure through the write callback and close after the last ack;
// the receiver's acks after push (held while the consumer is not reading), violations answered
// then closed, and the initiator's close.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { XmppConnection } from '@ferry/client/internal/connection';
import { TransferError } from '@ferry/client/internal/transfer-error';
import { IbbReceiver } from '@ferry/client/internal/transports/ibb/ibb-receiver';
import { IbbSender } from '@ferry/client/internal/transports/ibb/ibb-sender';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { encodeIbbData } from '@ferry/protocol/payloads/ibb';
import { xml, type Element } from '@ferry/protocol/xml/element';

interface PendingRequest {
  iq: Element;
  payload: Element;
  resolve(): void;
  reject(error: unknown): void;
}

/** Requests wait until the test answers them; every stanza sent is kept. */
function fakeConnection(jid = 'alice@localhost/sender') {
  const requests: PendingRequest[] = [];
  const sent: Element[] = [];
  const connection: XmppConnection = {
    jid: Jid.parse(jid),
    localAddress: undefined,
    send: async (stanza) => {
      sent.push(stanza);
    },
    request: (iq) =>
      new Promise<Element>((resolve, reject) => {
        const payload = iq.getChildElements()[0];
        if (!payload) throw new Error('an iq without payload');
        requests.push({ iq, payload, resolve: () => resolve(iq), reject });
      }),
    onIq: () => () => {},
    onDisconnect: () => () => {},
    onMessage: () => () => {},
    onPresence: () => () => {},
    addPresenceFilter: () => () => {},
    stop: async () => {},
  };
  return { connection, requests, sent };
}

/** Lets every pending promise callback and the next macrotask run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

const TARGET = Jid.parse('bob@localhost/receiver');

function sender(options: { window?: number; blockSize?: number } = {}) {
  const fake = fakeConnection();
  let releases = 0;
  const writable = new IbbSender({
    connection: fake.connection,
    sid: 's1',
    target: TARGET,
    blockSize: options.blockSize ?? 4,
    window: options.window ?? 1,
    stanza: 'iq',
    ackTimeoutMs: 1_000,
    release: () => (releases += 1),
  });
  return { ...fake, writable, releases: () => releases };
}

describe('IbbSender', () => {
  it('sends <data seq/> blocks of block-size, one at a time by default (the next only after the ack, as Spark does)', async () => {
    const { writable, requests } = sender();
    let isWritten = false;
    writable.write(Buffer.from('abcdefghij'), () => (isWritten = true));
    await tick();
    assert.equal(requests.length, 1);
    assert.equal(
      requests[0]?.iq.toString(),
      `<iq type="set" to="bob@localhost/receiver"><data xmlns="${NS.IBB}" seq="0" sid="s1">YWJjZA==</data></iq>`,
    );
    requests[0]?.resolve();
    await tick();
    assert.equal(requests.length, 2);
    assert.equal(requests[1]?.payload.attrs.seq, '1');
    assert.equal(isWritten, false, 'the callback waits until the window has room again');
    requests[1]?.resolve();
    await tick();
    assert.equal(isWritten, true);
    assert.equal(requests.length, 2, 'the last two bytes wait for more input or end()');
    writable.destroy();
  });

  it('keeps at most `window` data iqs unacknowledged', async () => {
    const { writable, requests } = sender({ window: 3 });
    let isWritten = false;
    writable.write(Buffer.alloc(40), () => (isWritten = true));
    await tick();
    assert.equal(requests.length, 3);
    assert.equal(writable.blocksInFlight, 3);
    requests[1]?.resolve(); // acks may come in any order
    await tick();
    assert.equal(requests.length, 4);
    for (let i = 0; i < 20 && !isWritten; i++) {
      for (const request of requests) request.resolve();
      await tick();
    }
    assert.equal(requests.length, 10);
    assert.deepEqual(
      requests.map((request) => request.payload.attrs.seq),
      ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    );
    assert.equal(isWritten, true);
    writable.destroy();
  });

  it('on end(), sends the short last block, waits for every ack, then <close/> and its result', async () => {
    const { writable, requests, releases } = sender({ window: 2 });
    const finished = new Promise((resolve) => writable.on('finish', resolve));
    writable.end(Buffer.from('abcdefghij'));
    await tick();
    assert.deepEqual(
      requests.map((request) => request.payload.name),
      ['data', 'data'],
    );
    requests[0]?.resolve();
    await tick();
    assert.equal(requests[2]?.payload.getText(), Buffer.from('ij').toString('base64'));
    requests[1]?.resolve();
    await tick();
    assert.equal(requests.length, 3, 'no close while a block is unacknowledged');
    requests[2]?.resolve();
    await tick();
    assert.equal(requests[3]?.payload.toString(), `<close xmlns="${NS.IBB}" sid="s1"/>`);
    assert.equal(releases(), 0);
    requests[3]?.resolve();
    await finished;
    assert.equal(releases(), 1);
  });

  it('errors FERRY_ERR_IBB when the target answers a block with an error', async () => {
    const { writable, requests, releases } = sender();
    const failed = new Promise<unknown>((resolve) => writable.on('error', resolve));
    writable.write(Buffer.alloc(8));
    await tick();
    requests[0]?.reject(new StanzaError('unexpected-request', { type: 'cancel', text: 'expected seq 1, got 0' }));
    const error = await failed;
    assert.ok(error instanceof TransferError);
    assert.equal(error.code, 'FERRY_ERR_IBB');
    assert.match(error.message, /bob@localhost\/receiver refused IBB data seq 0: unexpected-request/);
    assert.ok(error.cause instanceof StanzaError);
    assert.equal(requests.at(-1)?.payload.name, 'close', 'the session is closed, best effort');
    assert.equal(releases(), 1);
  });

  it('errors FERRY_ERR_CANCELLED when the target closes mid-transfer, and does not close back', async () => {
    const { writable, requests } = sender();
    const failed = new Promise<unknown>((resolve) => writable.on('error', resolve));
    writable.write(Buffer.alloc(8));
    await tick();
    writable.closedByPeer();
    const error = await failed;
    assert.ok(error instanceof TransferError);
    assert.equal(error.code, 'FERRY_ERR_CANCELLED');
    assert.equal(error.message, 'the receiver closed the stream');
    assert.deepEqual(
      requests.map((request) => request.payload.name),
      ['data'],
    );
  });

  it('abort (destroy with a reason) sends <close/> and errors with that reason', async () => {
    const { writable, requests } = sender();
    const failed = new Promise<unknown>((resolve) => writable.on('error', resolve));
    writable.write(Buffer.alloc(8));
    await tick();
    const reason = new Error('user cancelled');
    writable.destroy(reason);
    assert.equal(await failed, reason);
    assert.equal(requests.at(-1)?.payload.name, 'close');
  });
});

const INITIATOR = Jid.parse('alice@localhost/sender');

function receiver(options: { blockSize?: number; stanza?: 'iq' | 'message' } = {}) {
  const fake = fakeConnection('bob@localhost/receiver');
  let releases = 0;
  const readable = new IbbReceiver({
    connection: fake.connection,
    sid: 's1',
    initiator: INITIATOR,
    blockSize: options.blockSize ?? 4096,
    stanza: options.stanza ?? 'iq',
    idleTimeoutMs: 60_000,
    closeTimeoutMs: 1_000,
    release: () => (releases += 1),
  });
  return { ...fake, readable, releases: () => releases };
}

const data = (seq: number, bytes: Buffer) => encodeIbbData({ sid: 's1', seq, data: bytes });

describe('IbbReceiver', () => {
  it('acknowledges a chunk once pushed, and holds the ack while the consumer is not reading', async () => {
    const { readable } = receiver({ blockSize: 65535 }); // highWaterMark: two blocks
    assert.equal(readable.receive(data(0, Buffer.alloc(65535, 1)), 'iq'), null);
    const held = readable.receive(data(1, Buffer.alloc(65535, 2)), 'iq');
    assert.ok(held instanceof Promise, 'the buffer is full: the ack waits');
    let isAcked = false;
    void held.then(() => (isAcked = true));
    await tick();
    assert.equal(isAcked, false);
    assert.equal(readable.read()?.length, 2 * 65535); // the consumer reads → _read releases the ack
    await tick();
    assert.equal(isAcked, true);
    readable.destroy();
  });

  it('never holds message-mode data (there is no ack to hold)', () => {
    const { readable } = receiver({ blockSize: 65535, stanza: 'message' });
    for (let seq = 0; seq < 4; seq++) assert.equal(readable.receive(data(seq, Buffer.alloc(65535)), 'message'), null);
    assert.equal(readable.readableLength, 4 * 65535);
    readable.destroy();
  });

  it('answers an out-of-order seq with unexpected-request, then closes and errors FERRY_ERR_IBB', async () => {
    const { readable, requests, releases } = receiver();
    const failed = new Promise<unknown>((resolve) => readable.on('error', resolve));
    readable.receive(data(0, Buffer.from('a')), 'iq');
    assert.throws(
      () => readable.receive(data(2, Buffer.from('c')), 'iq'),
      (error) => error instanceof StanzaError && error.condition === 'unexpected-request' && error.type === 'cancel',
    );
    assert.equal(releases(), 1, 'the handlers go at once: later data gets item-not-found');
    assert.equal(requests.length, 0, 'the close waits until the error reply is out');
    await tick();
    assert.equal(
      requests[0]?.iq.toString(),
      `<iq type="set" to="alice@localhost/sender"><close xmlns="${NS.IBB}" sid="s1"/></iq>`,
    );
    const error = await failed;
    assert.ok(error instanceof TransferError);
    assert.equal(error.code, 'FERRY_ERR_IBB');
    assert.match(error.message, /expected seq 1, got 2/);
  });

  it('refuses a block larger than the block-size and data in the wrong stanza kind', () => {
    const big = receiver({ blockSize: 4 });
    big.readable.on('error', () => {});
    assert.throws(
      () => big.readable.receive(data(0, Buffer.alloc(5)), 'iq'),
      (error) => error instanceof StanzaError && error.condition === 'bad-request',
    );
    const wrongKind = receiver();
    wrongKind.readable.on('error', () => {});
    assert.throws(
      () => wrongKind.readable.receive(data(0, Buffer.alloc(1)), 'message'),
      (error) => error instanceof StanzaError && /<iq\/> stanzas, not <message\/>/.test(error.message),
    );
  });

  it('refuses bad base64', () => {
    const { readable } = receiver();
    readable.on('error', () => {});
    assert.throws(
      () => readable.receive(xml('data', { xmlns: NS.IBB, sid: 's1', seq: 0 }, 'QR=='), 'iq'),
      (error) => error instanceof StanzaError && error.condition === 'bad-request',
    );
  });

  it("ends on the initiator's <close/>, releasing held acks and sending no close back", async () => {
    const { readable, requests, releases } = receiver({ blockSize: 65535 });
    readable.receive(data(0, Buffer.alloc(65535)), 'iq');
    const held = readable.receive(data(1, Buffer.alloc(65535)), 'iq');
    readable.closedByPeer();
    assert.equal(await held, null);
    assert.equal(releases(), 1);
    const chunks = await readable.toArray();
    assert.equal(Buffer.concat(chunks).length, 2 * 65535);
    await tick();
    assert.equal(requests.length, 0);
  });

  it('abort (destroy with a reason) sends <close/> at once', () => {
    const { readable, requests } = receiver();
    readable.on('error', () => {});
    readable.destroy(new Error('user cancelled'));
    assert.equal(requests[0]?.payload.name, 'close');
  });
});
