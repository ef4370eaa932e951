// XEP-0065 SOCKS5 Bytestreams through a real Ferry server: alice (Requester) → bob (Target),
// direct (§5, alice's own listener) and mediated (§6, proxy.localhost), and how each fails.
import { createHash, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { startConnectionPair, type ConnectionPair } from '../../helpers/connection-pair.js';
import { withTimeout } from '../../helpers/xmpp-client.js';
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { decodeStreamhosts, type Streamhost } from '@ferry/protocol/payloads/bytestreams';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import { TransferError } from '@ferry/client/internal/transfer-error';
import type { BytestreamContext } from '@ferry/client/internal/transports/bytestream';
import { createSocks5Transport, type Socks5TransportOptions } from '@ferry/client/internal/transports/socks5/index';
import type { RelayRecord } from '../../../src/server/modules/proxy65/index.js';

const MiB = 1024 * 1024;
const WAIT_MS = 20_000; // the bound on every await in this file
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

let sidCounter = 0;
const nextSid = (): string => `s5-${process.pid}-${++sidCounter}`;

/** Both ends' contexts for one sid; each side may have its own AbortSignal. */
function contexts(
  pair: ConnectionPair,
  sid: string,
  signals: { alice?: AbortSignal; bob?: AbortSignal } = {},
): { alice: BytestreamContext; bob: BytestreamContext } {
  const common = { sid, initiator: pair.alice.jid, target: pair.bob.jid };
  return {
    alice: { ...common, connection: pair.alice, signal: signals.alice ?? new AbortController().signal },
    bob: { ...common, connection: pair.bob, signal: signals.bob ?? new AbortController().signal },
  };
}

/** Records the streamhost offers bob receives without claiming them (returns undefined). */
function spyOnOffers(pair: ConnectionPair): { offers: Streamhost[][]; stop: () => void } {
  const offers: Streamhost[][] = [];
  const stop = pair.bob.onIq('set', NS.BYTESTREAMS, 'query', (_stanza: Element, payload: Element) => {
    offers.push(decodeStreamhosts(payload).streamhosts);
    return undefined;
  });
  return { offers, stop };
}

/** Writes `data` in 64 KiB chunks and ends the writable. */
function send(writable: Writable, data: Buffer): Promise<void> {
  const chunks = function* () {
    for (let offset = 0; offset < data.length; offset += 64 * 1024) yield data.subarray(offset, offset + 64 * 1024);
  };
  return pipeline(Readable.from(chunks()), writable);
}

/** Reads everything up to the end. */
async function receive(readable: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Opens alice → bob with these transports and moves `data`, checked by sha256 on bob's side. */
async function transfer(
  pair: ConnectionPair,
  data: Buffer,
  options: { alice?: Socks5TransportOptions; bob?: Socks5TransportOptions } = {},
  sid = nextSid(),
) {
  const ctx = contexts(pair, sid);
  const expectation = createSocks5Transport(options.bob).expect(ctx.bob, WAIT_MS);
  const outgoing = await withTimeout(createSocks5Transport(options.alice).open(ctx.alice), WAIT_MS, 'alice open()');
  const incoming = await withTimeout(expectation.established, WAIT_MS, 'bob established');
  const [, received] = await withTimeout(
    Promise.all([send(outgoing.writable, data), receive(incoming.readable)]),
    WAIT_MS,
    'the transfer',
  );
  assert.equal(received.length, data.length);
  assert.equal(sha256(received), sha256(data));
  return { sid, outgoing, incoming };
}

function isTransferError(code: string, ...fragments: string[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TransferError, `expected a TransferError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const fragment of fragments)
      assert.ok(error.message.includes(fragment), `"${fragment}" not in: ${error.message}`);
    return true;
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves with the next proxy65-relay record for this sid. */
function nextRelay(pair: ConnectionPair, sid: string): Promise<RelayRecord> {
  return new Promise((resolve) => {
    const stop = pair.ferry.server.events.on('proxy65-relay', (record: RelayRecord) => {
      if (record.sid !== sid) return;
      stop();
      resolve(record);
    });
  });
}

describe('SOCKS5 transport over a real Ferry server (alice → bob)', () => {
  let pair: ConnectionPair;
  before(async () => {
    pair = await startConnectionPair();
  });
  after(() => pair.stop());

  describe('direct connection (XEP-0065 §5): alice offers only her own streamhost', () => {
    const options = { alice: { discoverProxies: false } };

    it('moves 5 MiB intact, and both ends name alice as the streamhost', async () => {
      const spy = spyOnOffers(pair);
      try {
        const { outgoing, incoming } = await transfer(pair, randomBytes(5 * MiB), options);
        assert.equal(outgoing.streamhost.jid, pair.alice.jid.toString());
        assert.equal(incoming.streamhost.jid, pair.alice.jid.toString());
        assert.deepEqual(
          spy.offers.map((offer) => offer.map((streamhost) => streamhost.jid)),
          [[pair.alice.jid.toString()]],
        );
        assert.equal(spy.offers[0]?.[0]?.host, '127.0.0.1');
      } finally {
        spy.stop();
      }
    });

    it('moves 0 bytes: the end() alone reaches bob as end of stream', async () => {
      await transfer(pair, Buffer.alloc(0), options);
    });

    it('moves 1 byte', async () => {
      await transfer(pair, Buffer.from([0x42]), options);
    });

    it('keeps two concurrent bytestreams (two sids, one namespace) apart', async () => {
      const [first, second] = await Promise.all([
        transfer(pair, randomBytes(MiB), options),
        transfer(pair, randomBytes(MiB), options),
      ]);
      assert.notEqual(first.sid, second.sid);
    });
  });

  describe("mediated connection (XEP-0065 §6): alice offers only the server's proxy", () => {
    it('discovers proxy.localhost, activates it, and relays 16 MiB intact', async () => {
      const spy = spyOnOffers(pair);
      try {
        const data = randomBytes(16 * MiB);
        const sid = nextSid();
        const relayDone = nextRelay(pair, sid);
        const { outgoing, incoming } = await transfer(pair, data, { alice: { direct: false } }, sid);
        assert.equal(outgoing.streamhost.jid, 'proxy.localhost');
        assert.equal(incoming.streamhost.jid, 'proxy.localhost');
        assert.deepEqual(
          spy.offers.map((offer) => offer.map((streamhost) => streamhost.jid)),
          [['proxy.localhost']],
        );
        const relay = await withTimeout(relayDone, WAIT_MS, 'the proxy65-relay event');
        assert.equal(relay.bytesToTarget, data.length);
        assert.equal(relay.bytesToInitiator, 0);
        assert.equal(relay.initiator, pair.alice.jid.toString());
        assert.equal(relay.target, pair.bob.jid.toString());
        assert.equal(relay.isAborted, false);
      } finally {
        spy.stop();
      }
    });

    it('moves 0 bytes through the proxy', async () => {
      await transfer(pair, Buffer.alloc(0), { alice: { direct: false } });
    });

    it('uses an explicitly configured proxy without disco', async () => {
      const { outgoing } = await transfer(pair, randomBytes(64 * 1024), {
        alice: { direct: false, proxies: ['proxy.localhost'] },
      });
      assert.equal(outgoing.streamhost.jid, 'proxy.localhost');
    });
  });

  describe('both offered', () => {
    it('offers direct first, then the proxy, and bob takes the first in document order (direct)', async () => {
      const spy = spyOnOffers(pair);
      const sid = nextSid();
      let relayed = 0;
      const stopCounting = pair.ferry.server.events.on('proxy65-relay', (record: RelayRecord) => {
        if (record.sid === sid) relayed += 1;
      });
      try {
        const { outgoing, incoming } = await transfer(pair, randomBytes(MiB), {}, sid);
        assert.deepEqual(
          spy.offers.map((offer) => offer.map((streamhost) => streamhost.jid)),
          [[pair.alice.jid.toString(), 'proxy.localhost']],
        );
        assert.equal(outgoing.streamhost.jid, pair.alice.jid.toString());
        assert.equal(incoming.streamhost.jid, pair.alice.jid.toString());
        assert.equal(relayed, 0, 'nothing went through the proxy');
      } finally {
        spy.stop();
        stopCounting();
      }
    });
  });

  describe('aborts', () => {
    for (const mode of ['direct', 'mediated'] as const) {
      const alice: Socks5TransportOptions = mode === 'direct' ? { discoverProxies: false } : { direct: false };

      it(`${mode}: the sender aborts mid-way → bob's readable errors or ends short`, async () => {
        const sender = new AbortController();
        const ctx = contexts(pair, nextSid(), { alice: sender.signal });
        const expectation = createSocks5Transport().expect(ctx.bob, WAIT_MS);
        const outgoing = await withTimeout(createSocks5Transport(alice).open(ctx.alice), WAIT_MS, 'open()');
        const incoming = await withTimeout(expectation.established, WAIT_MS, 'established');
        outgoing.writable.on('error', () => {});
        const total = 64 * MiB;
        let received = 0;
        const reading = (async () => {
          for await (const chunk of incoming.readable) {
            received += (chunk as Buffer).length;
            if (received >= MiB && !sender.signal.aborted) sender.abort(new Error('user cancelled'));
          }
        })();
        void send(outgoing.writable, Buffer.alloc(total)).catch(() => {});
        await withTimeout(
          reading.then(
            () => assert.ok(received < total, `bob received ${received} of ${total} bytes and saw a normal end`),
            () => {}, // an error (ECONNRESET, premature close) is just as good
          ),
          WAIT_MS,
          "bob's readable ending after the abort",
        );
        assert.ok(outgoing.writable.destroyed);
        assert.ok(received < total);
      });

      it(`${mode}: the receiver aborts mid-way → alice's writable errors`, async () => {
        const ctx = contexts(pair, nextSid());
        const expectation = createSocks5Transport().expect(ctx.bob, WAIT_MS);
        const outgoing = await withTimeout(createSocks5Transport(alice).open(ctx.alice), WAIT_MS, 'open()');
        const incoming = await withTimeout(expectation.established, WAIT_MS, 'established');
        let received = 0;
        incoming.readable.on('error', () => {});
        incoming.readable.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= MiB) incoming.abort(new Error('receiver cancelled'));
        });
        await withTimeout(
          assert.rejects(send(outgoing.writable, Buffer.alloc(256 * MiB)), (error: unknown) => {
            assert.ok(error instanceof Error);
            return true;
          }),
          WAIT_MS,
          "alice's writable failing",
        );
        assert.ok(incoming.readable.destroyed);
      });
    }

    it('alice aborts while bob has not answered the offer → AbortError, bounded, listener closed', async () => {
      const sender = new AbortController();
      const ctx = contexts(pair, nextSid(), { alice: sender.signal });
      let offered: Streamhost | undefined;
      let answer: (error: StanzaError) => void = () => {};
      const stall = pair.bob.onIq('set', NS.BYTESTREAMS, 'query', (_stanza, payload) => {
        if (payload.attrs.sid !== ctx.alice.sid) return undefined;
        offered = decodeStreamhosts(payload).streamhosts[0];
        return new Promise<never>((_, reject) => (answer = reject));
      });
      try {
        const opening = createSocks5Transport({ discoverProxies: false }).open(ctx.alice);
        setTimeout(() => sender.abort(new Error('user cancelled')), 200);
        await withTimeout(
          assert.rejects(opening, (error: Error) => error.name === 'AbortError'),
          5_000,
          'open() rejecting',
        );
        // The direct streamhost alice offered is gone with the abort.
        assert.ok(offered);
        const probe = net.connect({ host: offered.host, port: offered.port });
        const [error] = (await withTimeout(once(probe, 'error'), 5_000, 'the probe failing')) as [
          NodeJS.ErrnoException,
        ];
        assert.equal(error.code, 'ECONNREFUSED');
      } finally {
        // Let alice's pending iq settle now rather than at its 30 s timeout.
        answer(new StanzaError('not-acceptable'));
        stall();
      }
    });

    it("bob's expect() rejects FERRY_ERR_TIMEOUT when no offer comes", async () => {
      const ctx = contexts(pair, nextSid());
      const started = Date.now();
      await assert.rejects(
        createSocks5Transport().expect(ctx.bob, 300).established,
        isTransferError('FERRY_ERR_TIMEOUT'),
      );
      assert.ok(Date.now() - started < 3_000);
    });
  });
});

describe("SOCKS5 transport, bob's side against hand-written offers", () => {
  let pair: ConnectionPair;
  before(async () => {
    pair = await startConnectionPair();
  });
  after(() => pair.stop());

  /** A TCP listener that accepts and never says a word: a SOCKS5 tarpit. */
  async function silentStreamhost(): Promise<{ port: number; close(): void }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      port: (server.address() as net.AddressInfo).port,
      close() {
        for (const socket of sockets) socket.destroy();
        server.close();
      },
    };
  }

  const offer = (sid: string, streamhosts: string) =>
    parseElement(
      `<iq type='set' to='${pair.bob.jid.toString()}'>
        <query xmlns='${NS.BYTESTREAMS}' sid='${sid}' mode='tcp'>${streamhosts}</query>
      </iq>`,
    );

  it('answers item-not-found within the per-streamhost timeout when one streamhost is silent and one refuses', async () => {
    const silent = await silentStreamhost();
    const refused = await closedPort();
    try {
      const sid = nextSid();
      const ctx = contexts(pair, sid);
      const expectation = createSocks5Transport({ candidateTimeoutMs: 1_000 }).expect(ctx.bob, WAIT_MS);
      const started = Date.now();
      const request = offer(
        sid,
        `<streamhost jid='${pair.alice.jid.toString()}' host='127.0.0.1' port='${silent.port}'/>
         <streamhost jid='proxy.localhost' host='127.0.0.1' port='${refused}'/>`,
      );
      assert.ok(request);
      await assert.rejects(pair.alice.request(request, WAIT_MS), (error: unknown) => {
        assert.ok(error instanceof StanzaError);
        assert.equal(error.condition, 'item-not-found');
        assert.equal(error.type, 'cancel');
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 3_000, `answered after ${elapsed} ms`);
      await assert.rejects(
        expectation.established,
        isTransferError(
          'FERRY_ERR_NO_STREAMHOST',
          `127.0.0.1:${silent.port}: SOCKS5 StreamHost 127.0.0.1:${silent.port}: SOCKS5 handshake not done within 1000 ms`,
          `127.0.0.1:${refused}: SOCKS5 StreamHost 127.0.0.1:${refused}: cannot connect`,
        ),
      );
    } finally {
      silent.close();
    }
  });

  it('skips a dead first streamhost and names the next one that works in streamhost-used', async () => {
    const dead = await closedPort();
    // The proxy's address, as any client learns it (XEP-0065 §4).
    const answer = await pair.alice.request(
      xml('iq', { type: 'get', to: 'proxy.localhost' }, xml('query', { xmlns: NS.BYTESTREAMS })),
      WAIT_MS,
    );
    const proxyPort = answer.getChild('query', NS.BYTESTREAMS)?.getChild('streamhost')?.attrs.port as string;
    const sid = nextSid();
    const ctx = contexts(pair, sid);
    const expectation = createSocks5Transport().expect(ctx.bob, WAIT_MS);
    const request = offer(
      sid,
      `<streamhost jid='${pair.alice.jid.toString()}' host='127.0.0.1' port='${dead}'/>
       <streamhost jid='proxy.localhost' host='127.0.0.1' port='${proxyPort}'/>`,
    );
    assert.ok(request);
    const result = await withTimeout(pair.alice.request(request, WAIT_MS), WAIT_MS, "bob's answer");
    // <query xmlns='http://jabber.org/protocol/bytestreams' sid='…'><streamhost-used jid='proxy.localhost'/></query>
    const query = result.getChild('query', NS.BYTESTREAMS);
    assert.equal(query?.attrs.sid, sid);
    assert.equal(query?.getChild('streamhost-used')?.attrs.jid, 'proxy.localhost');
    const incoming = await withTimeout(expectation.established, WAIT_MS, 'established');
    assert.equal(incoming.streamhost.jid, 'proxy.localhost');
    incoming.readable.on('error', () => {});
    incoming.abort(new Error('test over'));
  });

  it('leaves an offer for another sid, or from anyone but the initiator, to others (service-unavailable)', async () => {
    const sid = nextSid();
    const ctx = contexts(pair, sid);
    const expectation = createSocks5Transport().expect(ctx.bob, WAIT_MS);
    const streamhost = `<streamhost jid='proxy.localhost' host='127.0.0.1' port='1'/>`;
    const isUnavailable = (error: unknown) => {
      assert.ok(error instanceof StanzaError);
      assert.equal(error.condition, 'service-unavailable');
      return true;
    };
    const otherSid = offer(`${sid}-other`, streamhost);
    const fromBob = offer(sid, streamhost);
    assert.ok(otherSid && fromBob);
    await assert.rejects(pair.alice.request(otherSid, WAIT_MS), isUnavailable);
    await assert.rejects(pair.bob.request(fromBob, WAIT_MS), isUnavailable);
    expectation.cancel();
    await assert.rejects(expectation.established, isTransferError('FERRY_ERR_CANCELLED'));
  });

  it('answers bad-request to a malformed offer for its sid and rejects established', async () => {
    const sid = nextSid();
    const ctx = contexts(pair, sid);
    const expectation = createSocks5Transport().expect(ctx.bob, WAIT_MS);
    const request = offer(sid, '');
    assert.ok(request);
    await assert.rejects(pair.alice.request(request, WAIT_MS), (error: unknown) => {
      assert.ok(error instanceof StanzaError);
      assert.equal(error.condition, 'bad-request');
      return true;
    });
    await assert.rejects(expectation.established, isTransferError('FERRY_ERR_NO_STREAMHOST', 'unusable offer'));
  });
});

describe('SOCKS5 transport when no streamhost works', () => {
  it('unreachable proxy: bob answers item-not-found, alice rejects FERRY_ERR_NO_STREAMHOST, bob lists why', async () => {
    const port = await closedPort();
    const pair = await startConnectionPair({ 'modules.proxy65.advertised_port': port });
    try {
      const ctx = contexts(pair, nextSid());
      const bobTransport = createSocks5Transport({ candidateTimeoutMs: 2_000 });
      const expectation = bobTransport.expect(ctx.bob, WAIT_MS);
      const started = Date.now();
      const opening = createSocks5Transport({ direct: false, candidateTimeoutMs: 2_000 }).open(ctx.alice);
      await withTimeout(
        assert.rejects(opening, (error: unknown) => {
          isTransferError(
            'FERRY_ERR_NO_STREAMHOST',
            'proxy.localhost',
            `127.0.0.1:${port}`,
            'none of the streamhosts',
          )(error);
          // What bob answered: <error type='cancel'><item-not-found/></error> (XEP-0065 §5.3.2).
          const cause = (error as TransferError).cause;
          assert.ok(cause instanceof StanzaError);
          assert.equal(cause.condition, 'item-not-found');
          return true;
        }),
        10_000,
        'alice open() rejecting',
      );
      await withTimeout(
        assert.rejects(
          expectation.established,
          isTransferError('FERRY_ERR_NO_STREAMHOST', `proxy.localhost 127.0.0.1:${port}`, 'cannot connect'),
        ),
        1_000,
        'bob established rejecting',
      );
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    } finally {
      await pair.stop();
    }
  });

  it('proxy disabled and direct disabled: alice rejects at once without asking bob', async () => {
    const pair = await startConnectionPair({ 'modules.proxy65.enabled': false });
    const spy = spyOnOffers(pair);
    try {
      const ctx = contexts(pair, nextSid());
      const expectation = createSocks5Transport().expect(ctx.bob, 500);
      await withTimeout(
        assert.rejects(
          createSocks5Transport({ direct: false }).open(ctx.alice),
          isTransferError(
            'FERRY_ERR_NO_STREAMHOST',
            'no streamhost to offer',
            'direct streamhost is disabled',
            'no proxy found',
          ),
        ),
        10_000,
        'alice open() rejecting',
      );
      // Nothing was sent: bob's expectation ends by its own timeout.
      await assert.rejects(expectation.established, isTransferError('FERRY_ERR_TIMEOUT'));
      assert.deepEqual(spy.offers, []);
    } finally {
      spy.stop();
      await pair.stop();
    }
  });
});
