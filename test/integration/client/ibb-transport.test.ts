// XEP-0047 In-Band Bytestreams between two client-library connections (alice → bob) through a
// real Ferry server: sizes around the block-size, windows, seq wrap, block-size retry, both
// sides aborting, protocol violations, message-mode data, timeouts, and no handler left behind.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startConnectionPair, loginConnection, type ConnectionPair } from '../../helpers/connection-pair.js';
import type { XmppConnection } from '@ferry/client/internal/connection';
import { TransferError } from '@ferry/client/internal/transfer-error';
import type { BytestreamContext } from '@ferry/client/internal/transports/bytestream';
import { createIbbTransport, type IbbTransportOptions } from '@ferry/client/internal/transports/ibb/index';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import { xml, type Element } from '@ferry/protocol/xml/element';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A connection whose onIq/onMessage registrations are counted: `active()` is what is still registered. */
function tracked(connection: XmppConnection) {
  let active = 0;
  const counted = (remove: () => unknown) => {
    active += 1;
    let isRemoved = false;
    return () => {
      if (!isRemoved) active -= 1;
      isRemoved = true;
      remove();
    };
  };
  const wrapped: XmppConnection = {
    ...connection,
    onIq: (type, namespace, name, handler) => counted(connection.onIq(type, namespace, name, handler)),
    onMessage: (listener) => counted(connection.onMessage(listener)),
  };
  return { connection: wrapped, active: () => active };
}

/** Records the IBB payloads a connection sends through request() (and lets tests rewrite them). */
function recording(connection: XmppConnection, rewrite?: (iq: Element) => void) {
  const sent: Element[] = [];
  const wrapped: XmppConnection = {
    ...connection,
    request(iq, timeoutMs) {
      rewrite?.(iq);
      const payload = iq.getChildElements()[0];
      if (payload?.attrs.xmlns === NS.IBB) sent.push(payload);
      return connection.request(iq, timeoutMs);
    },
  };
  return { connection: wrapped, sent };
}

function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let sidCount = 0;
const newSid = () => `ibb-test-${++sidCount}`;

function isCode(code: TransferError['code'], pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof TransferError, `expected a TransferError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

describe('IBB transport (XEP-0047) between two clients', () => {
  let pair: ConnectionPair;
  before(async () => {
    pair = await startConnectionPair();
  });
  after(() => pair.stop());

  function contexts(sid: string, alice: XmppConnection = pair.alice, bob: XmppConnection = pair.bob) {
    const signal = new AbortController().signal;
    const common = { sid, initiator: pair.alice.jid, target: pair.bob.jid, signal };
    return {
      initiator: { ...common, connection: alice } satisfies BytestreamContext,
      target: { ...common, connection: bob } satisfies BytestreamContext,
    };
  }

  /** Opens a session alice → bob with the given options on each side. */
  async function openPair(
    options: { send?: IbbTransportOptions; receive?: IbbTransportOptions; alice?: XmppConnection; sid?: string } = {},
  ) {
    const sid = options.sid ?? newSid();
    const alice = tracked(options.alice ?? pair.alice);
    const bob = tracked(pair.bob);
    const { initiator, target } = contexts(sid, alice.connection, bob.connection);
    const expectation = createIbbTransport(options.receive).expect(target, 5_000);
    const outgoing = await createIbbTransport(options.send).open(initiator);
    const incoming = await expectation.established;
    return { sid, outgoing, incoming, handlersLeft: () => alice.active() + bob.active() };
  }

  /** Sends `bytes` alice → bob and returns what bob read; asserts no handler is left behind. */
  async function transfer(
    bytes: Buffer,
    options: {
      send?: IbbTransportOptions;
      receive?: IbbTransportOptions;
      alice?: XmppConnection;
      chunkSize?: number;
    } = {},
  ) {
    const session = await openPair(options);
    const [chunks] = await Promise.all([
      session.incoming.readable.toArray() as Promise<Buffer[]>,
      pipeline(Readable.from(chunksOf(bytes, options.chunkSize ?? 64 * KiB)), session.outgoing.writable),
    ]);
    assert.equal(session.handlersLeft(), 0, 'every IBB handler is removed once the stream ended');
    return { ...session, received: Buffer.concat(chunks) };
  }

  describe('sizes', () => {
    for (const [name, size] of [
      ['0 bytes', 0],
      ['1 byte', 1],
      ['exactly one block (4096)', 4096],
      ['three blocks', 3 * 4096],
      ['one block and a byte', 4097],
    ] as const) {
      it(`carries ${name} intact`, async () => {
        const bytes = randomBytes(size);
        const { received } = await transfer(bytes);
        assert.deepEqual(received, bytes);
      });
    }

    it('carries a 5 MiB random file, verified by sha256, ack-paced (window 1)', async () => {
      const bytes = randomBytes(5 * MiB);
      const { received } = await transfer(bytes);
      assert.equal(received.length, bytes.length);
      assert.equal(sha256(received), sha256(bytes));
    });

    it('carries 16 MiB with window 16 and block-size 65535', async () => {
      const bytes = randomBytes(16 * MiB);
      const { received, outgoing } = await transfer(bytes, { send: { blockSize: 65535, window: 16 } });
      assert.equal(outgoing.blockSize, 65535);
      assert.equal(sha256(received), sha256(bytes));
    });
  });

  it('speaks the XEP-0047 stanzas Spark does: open, data seq 0.. of exactly block-size, close', async () => {
    const alice = recording(pair.alice);
    const bytes = randomBytes(2 * 4096 + 10);
    const { received, sid } = await transfer(bytes, { alice: alice.connection });
    assert.deepEqual(received, bytes);
    assert.deepEqual(
      alice.sent.map((payload) => payload.toString().replace(/>[A-Za-z0-9+/=]+</, '>…<')),
      [
        `<open xmlns="${NS.IBB}" sid="${sid}" block-size="4096" stanza="iq"/>`,
        `<data xmlns="${NS.IBB}" seq="0" sid="${sid}">…</data>`,
        `<data xmlns="${NS.IBB}" seq="1" sid="${sid}">…</data>`,
        `<data xmlns="${NS.IBB}" seq="2" sid="${sid}">…</data>`,
        `<close xmlns="${NS.IBB}" sid="${sid}"/>`,
      ],
    );
    const sizes = alice.sent
      .filter((payload) => payload.name === 'data')
      .map((payload) => Buffer.from(payload.getText(), 'base64').length);
    assert.deepEqual(sizes, [4096, 4096, 10]);
  });

  it('wraps seq from 65535 to 0 after 65536 blocks (block-size 16, window 32)', async () => {
    const alice = recording(pair.alice);
    const bytes = randomBytes(65536 * 16 + 100);
    const { received } = await transfer(bytes, { alice: alice.connection, send: { blockSize: 16, window: 32 } });
    assert.equal(sha256(received), sha256(bytes));
    const seqs = alice.sent.filter((payload) => payload.name === 'data').map((payload) => Number(payload.attrs.seq));
    assert.equal(seqs.length, 65536 + 7);
    assert.equal(seqs[65535], 65535);
    assert.equal(seqs[65536], 0);
    assert.equal(seqs.at(-1), 6);
  });

  it('carries two sessions at once on the same connections, each claiming only its sid', async () => {
    const first = randomBytes(300 * KiB);
    const second = randomBytes(200 * KiB);
    const [a, b] = await Promise.all([transfer(first), transfer(second, { send: { window: 4 } })]);
    assert.equal(sha256(a.received), sha256(first));
    assert.equal(sha256(b.received), sha256(second));
  });

  describe('back-pressure', () => {
    it('reads the source only as fast as blocks are acknowledged', async () => {
      const { outgoing, incoming } = await openPair();
      let produced = 0;
      let received = 0;
      let maxAhead = 0;
      const source = Readable.from(
        (function* () {
          for (let i = 0; i < 80; i++) {
            maxAhead = Math.max(maxAhead, produced - received);
            produced += 64 * KiB;
            yield randomBytes(64 * KiB);
          }
        })(),
      );
      incoming.readable.on('data', (chunk: Buffer) => (received += chunk.length));
      await Promise.all([pipeline(source, outgoing.writable), once(incoming.readable, 'end')]);
      assert.equal(received, 80 * 64 * KiB);
      assert.ok(maxAhead < 1 * MiB, `the source ran ${maxAhead} bytes ahead of the receiver`);
    });

    it('holds acks while the reader is paused, which stops the sender', async () => {
      const { outgoing, incoming } = await openPair({ send: { window: 4 } });
      let produced = 0;
      const source = Readable.from(
        (function* () {
          for (let i = 0; i < 64; i++) {
            produced += 64 * KiB;
            yield randomBytes(64 * KiB);
          }
        })(),
      );
      const sending = pipeline(source, outgoing.writable);
      await new Promise((resolve) => setTimeout(resolve, 500)); // bob has not started reading
      assert.ok(produced < 512 * KiB, `the sender went on to ${produced} bytes while nobody read`);
      assert.equal(outgoing.writable.blocksInFlight, 4, 'the window is full of unacknowledged blocks');
      const [chunks] = await Promise.all([incoming.readable.toArray() as Promise<Buffer[]>, sending]);
      assert.equal(Buffer.concat(chunks).length, 64 * 64 * KiB);
    });
  });

  describe('block-size negotiation', () => {
    it('retries a smaller block-size after resource-constraint (slixmpp refuses > 8192)', async () => {
      const sid = newSid();
      const asked: number[] = [];
      // Like slixmpp/Conversations: a handler in front of the transport refuses large blocks.
      const removeRefusal = pair.bob.onIq('set', NS.IBB, 'open', (_stanza, payload) => {
        if (payload.attrs.sid !== sid) return undefined;
        const size = Number(payload.attrs['block-size']);
        asked.push(size);
        if (size > 8192) throw new StanzaError('resource-constraint', { type: 'modify' });
        return undefined; // small enough: the transport's handler accepts it
      });
      try {
        const session = await openPair({ sid, send: { blockSize: 61440 } }); // Spark's block-size
        assert.deepEqual(asked, [61440, 30720, 15360, 7680]);
        assert.equal(session.outgoing.blockSize, 7680);
        assert.equal(session.incoming.readable.blockSize, 7680);
        const bytes = randomBytes(100 * KiB);
        const [chunks] = await Promise.all([
          session.incoming.readable.toArray() as Promise<Buffer[]>,
          pipeline(Readable.from([bytes]), session.outgoing.writable),
        ]);
        assert.deepEqual(Buffer.concat(chunks), bytes);
      } finally {
        removeRefusal();
      }
    });

    it('as a target, refuses a block-size above maxBlockSize with resource-constraint', async () => {
      const bytes = randomBytes(50 * KiB);
      const { received, outgoing } = await transfer(bytes, {
        send: { blockSize: 65535 },
        receive: { maxBlockSize: 8192 },
      });
      assert.equal(outgoing.blockSize, 8191); // 65535 → 32767 → 16383 → 8191
      assert.deepEqual(received, bytes);
    });

    it('rejects open with the StanzaError when the target declines (not-acceptable)', async () => {
      const sid = newSid();
      const alice = tracked(pair.alice);
      const remove = pair.bob.onIq('set', NS.IBB, 'open', (_stanza, payload) => {
        if (payload.attrs.sid !== sid) return undefined;
        throw new StanzaError('not-acceptable', { code: '406' });
      });
      try {
        await assert.rejects(createIbbTransport().open(contexts(sid, alice.connection).initiator), (error) => {
          assert.ok(error instanceof StanzaError);
          assert.equal(error.condition, 'not-acceptable');
          return true;
        });
        assert.equal(alice.active(), 0);
      } finally {
        remove();
      }
    });

    it('rejects open with item-not-found when the target expects no such sid', async () => {
      await assert.rejects(createIbbTransport().open(contexts(newSid()).initiator), (error) => {
        assert.ok(error instanceof StanzaError);
        assert.equal(error.condition, 'item-not-found');
        return true;
      });
    });
  });

  describe('ending early', () => {
    it('errors the sender with FERRY_ERR_CANCELLED when the receiver sends <close/> mid-way', async () => {
      const session = await openPair();
      const { readable } = session.incoming;
      let received = 0;
      readable.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= 3 * 4096 && !readable.destroyed) {
          session.incoming.abort(new TransferError('FERRY_ERR_CANCELLED', 'bob declined half-way'));
        }
      });
      const readableError = once(readable, 'error');
      await assert.rejects(
        pipeline(Readable.from(chunksOf(randomBytes(2 * MiB), 64 * KiB)), session.outgoing.writable),
        isCode('FERRY_ERR_CANCELLED', /^the receiver closed the stream$/),
      );
      const [error] = (await readableError) as [Error];
      assert.match(error.message, /bob declined half-way/);
      assert.ok(received < 2 * MiB);
      assert.equal(session.handlersLeft(), 0);
    });

    it('ends the receiver (normally, short) when the sender aborts mid-way', async () => {
      // An initiator's <close/> before the last byte
      //   <iq type='set'><close xmlns='http://jabber.org/protocol/ibb' sid='…'/></iq>
      // looks like any close at the IBB level; the file layer compares the bytes read with the offered size.
      const session = await openPair();
      const { readable } = session.incoming;
      let received = 0;
      readable.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= 3 * 4096 && !session.outgoing.writable.destroyed) {
          session.outgoing.abort(new TransferError('FERRY_ERR_CANCELLED', 'alice stopped sending'));
        }
      });
      const sent = 2 * MiB;
      await Promise.all([
        assert.rejects(
          pipeline(Readable.from(chunksOf(randomBytes(sent), 64 * KiB)), session.outgoing.writable),
          isCode('FERRY_ERR_CANCELLED', /alice stopped sending/),
        ),
        once(readable, 'end'),
      ]);
      assert.ok(received >= 3 * 4096 && received < sent, `received ${received} of ${sent}`);
      assert.equal(session.handlersLeft(), 0);
    });

    it('aborts both ends when the context signal fires', async () => {
      const sid = newSid();
      const controller = new AbortController();
      const { initiator, target } = contexts(sid);
      const expectation = createIbbTransport().expect(target, 5_000);
      const outgoing = await createIbbTransport().open({ ...initiator, signal: controller.signal });
      const incoming = await expectation.established;
      const ended = once(incoming.readable.resume(), 'end');
      const failed = assert.rejects(
        pipeline(Readable.from(chunksOf(randomBytes(MiB), 4096)), outgoing.writable),
        (error: Error) => error.name === 'AbortError',
      );
      incoming.readable.once('data', () => controller.abort());
      await Promise.all([failed, ended]);
    });

    it("aborts the target's readable when its signal fires, which cancels the sender", async () => {
      const sid = newSid();
      const controller = new AbortController();
      const { initiator, target } = contexts(sid);
      const expectation = createIbbTransport().expect({ ...target, signal: controller.signal }, 5_000);
      const outgoing = await createIbbTransport().open(initiator);
      const incoming = await expectation.established;
      const receiving = assert.rejects(incoming.readable.toArray(), (error: Error) => error.name === 'AbortError');
      const sending = assert.rejects(
        pipeline(Readable.from(chunksOf(randomBytes(MiB), 4096)), outgoing.writable),
        isCode('FERRY_ERR_CANCELLED', /the receiver closed the stream/),
      );
      incoming.readable.once('data', () => controller.abort());
      await Promise.all([receiving, sending]);
    });
  });

  describe('protocol violations', () => {
    /** Opens a session by hand from alice; bob runs the real receiver. */
    async function handOpen(open: Record<string, string> = {}, receive: IbbTransportOptions = {}) {
      const sid = newSid();
      const bob = tracked(pair.bob);
      const closes: string[] = [];
      const removeClose = pair.alice.onIq('set', NS.IBB, 'close', (_stanza, payload) => {
        if (payload.attrs.sid !== sid) return undefined;
        closes.push(sid);
        return null;
      });
      const expectation = createIbbTransport(receive).expect(contexts(sid, pair.alice, bob.connection).target, 5_000);
      await pair.alice.request(
        xml(
          'iq',
          { type: 'set', to: pair.bob.jid.toString() },
          xml('open', { xmlns: NS.IBB, sid, 'block-size': 4096, ...open }),
        ),
        5_000,
      );
      const incoming = await expectation.established;
      const data = (seq: number, text: string) => xml('data', { xmlns: NS.IBB, seq, sid }, text);
      const sendData = (seq: number, text: string) =>
        pair.alice.request(xml('iq', { type: 'set', to: pair.bob.jid.toString() }, data(seq, text)), 5_000);
      const closeArrived = async () => {
        for (let i = 0; i < 100 && closes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        return closes.length > 0;
      };
      return { sid, incoming, data, sendData, closeArrived, bob, done: removeClose };
    }

    it('answers an out-of-order seq with unexpected-request, closes, and errors FERRY_ERR_IBB', async () => {
      const session = await handOpen();
      const error = once(session.incoming.readable, 'error');
      await session.sendData(0, Buffer.from('hello').toString('base64'));
      await assert.rejects(session.sendData(2, Buffer.from('skipped one').toString('base64')), (reply) => {
        assert.ok(reply instanceof StanzaError);
        assert.equal(reply.condition, 'unexpected-request');
        assert.equal(reply.type, 'cancel');
        return true;
      });
      const [failure] = (await error) as [unknown];
      isCode('FERRY_ERR_IBB', /expected seq 1, got 2/)(failure);
      assert.ok(await session.closeArrived(), 'bob sent <close/> after the error reply');
      assert.equal(session.bob.active(), 0);
      session.done();
    });

    it('answers bad base64 with bad-request and errors FERRY_ERR_IBB', async () => {
      const session = await handOpen();
      const error = once(session.incoming.readable, 'error');
      await assert.rejects(session.sendData(0, 'not*base64'), (reply) => {
        assert.ok(reply instanceof StanzaError);
        assert.equal(reply.condition, 'bad-request');
        return true;
      });
      isCode('FERRY_ERR_IBB', /base64/)(((await error) as [unknown])[0]);
      assert.ok(await session.closeArrived());
      session.done();
    });

    it('answers a block larger than the block-size with bad-request', async () => {
      const session = await handOpen({ 'block-size': '16' });
      const error = once(session.incoming.readable, 'error');
      await assert.rejects(session.sendData(0, randomBytes(17).toString('base64')), (reply) => {
        assert.ok(reply instanceof StanzaError);
        assert.equal(reply.condition, 'bad-request');
        return true;
      });
      isCode('FERRY_ERR_IBB', /larger than the block-size 16/)(((await error) as [unknown])[0]);
      session.done();
    });

    it('gives the real sender the error reply when a block arrives out of order', async () => {
      // Rewrites the third data iq alice sends from seq 2 to seq 3.
      const alice = recording(pair.alice, (iq) => {
        const data = iq.getChild('data', NS.IBB);
        if (data?.attrs.seq === '2' || data?.attrs.seq === 2) data.attrs.seq = '3';
      });
      const session = await openPair({ alice: alice.connection });
      const receiving = assert.rejects(
        session.incoming.readable.toArray(),
        isCode('FERRY_ERR_IBB', /expected seq 2, got 3/),
      );
      await assert.rejects(
        pipeline(Readable.from([randomBytes(10 * 4096)]), session.outgoing.writable),
        (error: unknown) => {
          isCode('FERRY_ERR_IBB', /refused IBB data seq 2: unexpected-request/)(error);
          assert.ok((error as Error).cause instanceof StanzaError);
          return true;
        },
      );
      await receiving;
      assert.equal(session.handlersLeft(), 0);
    });

    it('answers a second open of the same sid with not-acceptable', async () => {
      const session = await handOpen();
      await assert.rejects(
        pair.alice.request(
          xml(
            'iq',
            { type: 'set', to: pair.bob.jid.toString() },
            xml('open', { xmlns: NS.IBB, sid: session.sid, 'block-size': 4096 }),
          ),
          5_000,
        ),
        (error) => error instanceof StanzaError && error.condition === 'not-acceptable',
      );
      const aborted = once(session.incoming.readable, 'error');
      session.incoming.abort(new Error('test over'));
      await aborted;
      session.done();
    });
  });

  describe('message mode (XEP-0047 §3)', () => {
    it('receives data carried in <message/> stanzas, unacknowledged', async () => {
      const bytes = randomBytes(3 * 4096 + 5);
      const blocks = [...chunksOf(bytes, 4096)];
      const session = await (async () => {
        const sid = newSid();
        const bob = tracked(pair.bob);
        const expectation = createIbbTransport().expect(contexts(sid, pair.alice, bob.connection).target, 5_000);
        const to = pair.bob.jid.toString();
        await pair.alice.request(
          xml('iq', { type: 'set', to }, xml('open', { xmlns: NS.IBB, sid, 'block-size': 4096, stanza: 'message' })),
          5_000,
        );
        const incoming = await expectation.established;
        return { sid, to, incoming, bob };
      })();
      assert.equal(session.incoming.stanza, 'message');
      const reading = session.incoming.readable.toArray() as Promise<Buffer[]>;
      for (const [seq, block] of blocks.entries()) {
        await pair.alice.send(
          xml(
            'message',
            { to: session.to, id: `m${seq}` },
            xml('data', { xmlns: NS.IBB, seq, sid: session.sid }, block.toString('base64')),
          ),
        );
      }
      await pair.alice.request(
        xml('iq', { type: 'set', to: session.to }, xml('close', { xmlns: NS.IBB, sid: session.sid })),
        5_000,
      );
      assert.deepEqual(Buffer.concat(await reading), bytes);
      assert.equal(session.bob.active(), 0);
    });

    it('sends in message mode too', async () => {
      const bytes = randomBytes(200 * KiB + 3);
      const { received, incoming } = await transfer(bytes, { send: { stanza: 'message', window: 8 } });
      assert.equal(incoming.stanza, 'message');
      assert.equal(sha256(received), sha256(bytes));
    });
  });

  describe('addressing and timeouts', () => {
    it('ignores an open of the right sid from someone other than the initiator', async () => {
      await pair.ferry.addUser('carol');
      const carol = await loginConnection(pair.ferry.ports.c2s, 'carol', 'intruder');
      try {
        const sid = newSid();
        const expectation = createIbbTransport().expect(contexts(sid).target, 5_000);
        await assert.rejects(
          carol.request(
            xml(
              'iq',
              { type: 'set', to: pair.bob.jid.toString() },
              xml('open', { xmlns: NS.IBB, sid, 'block-size': 4096 }),
            ),
            5_000,
          ),
          (error) => error instanceof StanzaError && error.condition === 'item-not-found',
        );
        expectation.cancel();
        await assert.rejects(expectation.established, isCode('FERRY_ERR_CANCELLED'));
      } finally {
        await carol.stop();
      }
    });

    it('rejects established with FERRY_ERR_TIMEOUT when no open comes, and unregisters', async () => {
      const bob = tracked(pair.bob);
      const expectation = createIbbTransport().expect(contexts(newSid(), pair.alice, bob.connection).target, 200);
      await assert.rejects(
        expectation.established,
        isCode('FERRY_ERR_TIMEOUT', new RegExp(`^no IBB open from ${pair.alice.jid.toString()} within 200 ms$`)),
      );
      assert.equal(bob.active(), 0);
    });

    it('errors the sender with FERRY_ERR_TIMEOUT when a data iq is never acknowledged', async () => {
      const sid = newSid();
      const remove = [
        pair.bob.onIq('set', NS.IBB, 'open', (_s, payload) => (payload.attrs.sid === sid ? null : undefined)),
        pair.bob.onIq('set', NS.IBB, 'data', (_s, payload) =>
          payload.attrs.sid === sid ? new Promise(() => {}) : undefined,
        ),
        pair.bob.onIq('set', NS.IBB, 'close', (_s, payload) => (payload.attrs.sid === sid ? null : undefined)),
      ];
      try {
        const outgoing = await createIbbTransport({ ackTimeoutMs: 300 }).open(contexts(sid).initiator);
        await assert.rejects(
          pipeline(Readable.from([randomBytes(10_000)]), outgoing.writable),
          isCode('FERRY_ERR_TIMEOUT', /did not acknowledge IBB data seq 0 within 300 ms/),
        );
      } finally {
        for (const off of remove) off();
      }
    });

    it('succeeds when every block was acked but the <close/> is never answered (libpurple)', async () => {
      // A scripted receiver as Pidgin behaves: it acks each <data/> and ignores the <close/>.
      const sid = newSid();
      const received: Buffer[] = [];
      let closes = 0;
      const remove = [
        pair.bob.onIq('set', NS.IBB, 'open', (_s, payload) => (payload.attrs.sid === sid ? null : undefined)),
        pair.bob.onIq('set', NS.IBB, 'data', (_s, payload) => {
          if (payload.attrs.sid !== sid) return undefined;
          received.push(Buffer.from(payload.text(), 'base64'));
          return null;
        }),
        pair.bob.onIq('set', NS.IBB, 'close', (_s, payload) => {
          if (payload.attrs.sid !== sid) return undefined;
          closes += 1;
          return new Promise(() => {}); // never answered
        }),
      ];
      try {
        const bytes = randomBytes(3 * 4096 + 5);
        const outgoing = await createIbbTransport().open(contexts(sid).initiator);
        const unanswered = once(outgoing.writable, 'close-unanswered');
        await pipeline(Readable.from([bytes]), outgoing.writable);
        const [event] = (await unanswered) as [{ sid: string; target: string }];
        assert.equal(event.sid, sid);
        assert.equal(event.target, pair.bob.jid.toString());
        assert.equal(closes, 1);
        assert.equal(sha256(Buffer.concat(received)), sha256(bytes));
      } finally {
        for (const off of remove) off();
      }
    });

    it('still fails when the <close/> is answered with an error', async () => {
      const sid = newSid();
      const remove = [
        pair.bob.onIq('set', NS.IBB, 'open', (_s, payload) => (payload.attrs.sid === sid ? null : undefined)),
        pair.bob.onIq('set', NS.IBB, 'data', (_s, payload) => (payload.attrs.sid === sid ? null : undefined)),
        pair.bob.onIq('set', NS.IBB, 'close', (_s, payload) => {
          if (payload.attrs.sid !== sid) return undefined;
          throw new StanzaError('item-not-found', { type: 'cancel' });
        }),
      ];
      try {
        const outgoing = await createIbbTransport().open(contexts(sid).initiator);
        await assert.rejects(
          pipeline(Readable.from([randomBytes(5000)]), outgoing.writable),
          isCode('FERRY_ERR_IBB', /refused the IBB close/),
        );
      } finally {
        for (const off of remove) off();
      }
    });

    it('errors the receiver with FERRY_ERR_TIMEOUT when the sender goes silent', async () => {
      const sid = newSid();
      const bob = tracked(pair.bob);
      const expectation = createIbbTransport({ idleTimeoutMs: 300 }).expect(
        contexts(sid, pair.alice, bob.connection).target,
        5_000,
      );
      const outgoing = await createIbbTransport().open(contexts(sid).initiator);
      const incoming = await expectation.established;
      const senderError = once(outgoing.writable, 'error');
      outgoing.writable.write(randomBytes(5000)); // one full block goes out, then nothing
      await assert.rejects(incoming.readable.toArray(), isCode('FERRY_ERR_TIMEOUT', /no IBB data from .* for 300 ms/));
      // bob's <close/> reaches alice, whose writable then reports the cancel.
      isCode('FERRY_ERR_CANCELLED')(((await senderError) as [unknown])[0]);
      assert.equal(bob.active(), 0);
    });
  });
});
