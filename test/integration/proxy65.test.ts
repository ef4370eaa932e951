// XEP-0065 §6, the server's SOCKS5 proxy, on a real Ferry server on 127.0.0.1 with ephemeral
// ports: alice (xmpp.js) is the initiator, bob the target, and connectSocks5() their SOCKS5 side.
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FerryServer } from '../../src/server/core/server.js';
import type { ClientSession } from '../../src/server/core/session.js';
import type { Proxy65Service, RelayRecord } from '../../src/server/modules/proxy65/index.js';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { parseElement } from '@ferry/protocol/xml/parse-element';
import type { Element } from '@ferry/protocol/xml/element';
import {
  REPLY,
  connectSocks5,
  decodeMethodSelection,
  decodeReply,
  dstAddrHash,
  encodeConnectRequest,
  encodeGreeting,
} from '@ferry/protocol/socks5';
import { PASSWORD, startTestServer } from '../helpers/server.js';
import { connectClient, withTimeout, xml, type TestClient } from '../helpers/xmpp-client.js';

const PROXY = 'proxy.localhost';
const WAIT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// A Ferry server whose logs the test can read, with alice and bob online.

interface LogLine {
  level: number;
  msg: string;
  module?: string;
  [key: string]: unknown;
}

class LogCapture {
  readonly lines: LogLine[] = [];
  readonly #waiters = new Set<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text === '') continue;
        const line = JSON.parse(text) as LogLine;
        this.lines.push(line);
        for (const waiter of [...this.#waiters]) {
          if (waiter.predicate(line)) {
            this.#waiters.delete(waiter);
            waiter.resolve(line);
          }
        }
      }
      callback();
    },
  });

  waitFor(predicate: (line: LogLine) => boolean, what: string): Promise<LogLine> {
    const seen = this.lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return withTimeout(new Promise((resolve) => this.#waiters.add({ predicate, resolve })), WAIT_MS, what);
  }
}

interface Ferry {
  server: FerryServer;
  logs: LogCapture;
  alice: TestClient;
  bob: TestClient;
  /** The proxy65 service: the real listening port. */
  proxy: Proxy65Service;
  stop(): Promise<void>;
}

async function startFerry(overrides: Record<string, string | number | boolean> = {}): Promise<Ferry> {
  const logs = new LogCapture();
  const ferry = await startTestServer(overrides, { logger: pino({ level: 'debug', base: undefined }, logs.stream) });
  const { server } = ferry;
  await server.storage.accounts.create('alice', PASSWORD);
  await server.storage.accounts.create('bob', PASSWORD);
  const port = server.addresses().c2s!.port;
  const alice = await connectClient({ port, username: 'alice', resource: 'initiator' });
  const bob = await connectClient({ port, username: 'bob', resource: 'target' });
  return {
    server,
    logs,
    alice,
    bob,
    // Undefined only when the module is disabled; those tests never read it.
    proxy: server.service('proxy65')!,
    async stop() {
      await alice.stop();
      await bob.stop();
      await ferry.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// XMPP side.

function iq(client: TestClient, type: 'get' | 'set', child: Element, to = PROXY): Promise<Element> {
  return client.xmpp.iqCaller.request(xml('iq', { type, to }, child), WAIT_MS);
}

const streamhostQuery = (): Element => xml('query', { xmlns: NS.BYTESTREAMS });
const activateQuery = (sid: string, target: string): Element =>
  xml('query', { xmlns: NS.BYTESTREAMS, sid }, xml('activate', {}, target));

function activate(ferry: Ferry, sid: string, target = ferry.bob.jid, from = ferry.alice): Promise<Element> {
  return iq(from, 'set', activateQuery(sid, target));
}

/** Asserts the promise rejects with this stanza error condition. */
async function rejectsWith(promise: Promise<unknown>, condition: string): Promise<void> {
  await assert.rejects(promise, (error: { condition?: string }) => {
    assert.equal(error.condition, condition);
    return true;
  });
}

/** Resolves with the 'proxy65-relay' record of this sid. */
function nextRelay(server: FerryServer, sid: string): Promise<RelayRecord> {
  let off = (): void => {};
  const relay = new Promise<RelayRecord>((resolve) => {
    off = server.events.on('proxy65-relay', (record) => {
      if (record.sid === sid) resolve(record);
    });
  });
  return withTimeout(relay, WAIT_MS * 3, `the proxy65-relay event for ${sid}`).finally(off);
}

// ---------------------------------------------------------------------------------------------
// SOCKS5 side.

const hashOf = (ferry: Ferry, sid: string): string => dstAddrHash(sid, ferry.alice.jid, ferry.bob.jid);

function socks5(ferry: Ferry, hash: string): Promise<net.Socket> {
  return connectSocks5({ host: '127.0.0.1', port: ferry.proxy.listening.port, hash, timeoutMs: WAIT_MS });
}

/** Target first, initiator second (XEP-0065 §6.3.2, §6.3.4); not activated. */
async function connectBoth(ferry: Ferry, sid: string): Promise<{ initiator: net.Socket; target: net.Socket }> {
  const target = await socks5(ferry, hashOf(ferry, sid));
  const initiator = await socks5(ferry, hashOf(ferry, sid));
  return { initiator, target };
}

async function openBytestream(ferry: Ferry, sid: string): Promise<{ initiator: net.Socket; target: net.Socket }> {
  const sockets = await connectBoth(ferry, sid);
  await activate(ferry, sid);
  return sockets;
}

/** Reads a socket to its end: how many bytes, their sha256. Rejects if it closes without an end. */
function receive(socket: net.Socket, what: string): Promise<{ length: number; sha256: string }> {
  const hash = createHash('sha256');
  let length = 0;
  const done = new Promise<{ length: number; sha256: string }>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    socket.once('end', () => resolve({ length, sha256: hash.digest('hex') }));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`${what}: closed without an end of stream`)));
    socket.resume();
  });
  return withTimeout(done, WAIT_MS * 3, what);
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function rawSocket(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {}); // a reset by the proxy is what some tests expect
  await withTimeout(once(socket, 'connect'), WAIT_MS, 'TCP connect to the proxy');
  socket.setNoDelay(true);
  return socket;
}

/** Everything the peer sends until the connection closes. */
function untilClosed(socket: net.Socket, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {}); // a dropped pairing is reset (ECONNRESET); closing is what counts
  socket.resume(); // connectSocks5 hands over paused sockets
  // Not events.once: it rejects on 'error', and a reset is one way of being closed.
  const closed = socket.destroyed
    ? Promise.resolve()
    : new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return withTimeout(closed, WAIT_MS, what).then(() => Buffer.concat(chunks));
}

/** Exactly n bytes (the rest stays unread). */
function readBytes(socket: net.Socket, n: number, what: string): Promise<Buffer> {
  let buffered = Buffer.alloc(0);
  const read = new Promise<Buffer>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < n) return;
      socket.off('data', onData);
      socket.pause();
      if (buffered.length > n) socket.unshift(buffered.subarray(n));
      resolve(buffered.subarray(0, n));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`${what}: closed after ${buffered.length} of ${n} bytes`)));
  });
  return withTimeout(read, WAIT_MS, what);
}

async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function isProxyWarning(line: LogLine): boolean {
  return line.level >= 40 && line.module === 'proxy65';
}

// ---------------------------------------------------------------------------------------------

describe('proxy65 with the default configuration', () => {
  let ferry: Ferry;
  before(async () => {
    ferry = await startFerry();
  });
  after(async () => {
    await ferry.stop();
  });

  describe('discovery: disco#items on the domain, disco#info and the streamhost query on the proxy (§4)', () => {
    it('lists proxy.localhost in the domain\'s disco#items as "SOCKS5 Bytestreams Proxy"', async () => {
      // <iq type='get' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>
      const result = await iq(ferry.alice, 'get', xml('query', { xmlns: NS.DISCO_ITEMS }), 'localhost');
      const items = result.getChild('query')!.getChildren('item');
      const proxy = items.filter((item: Element) => item.attrs.jid === PROXY);
      assert.equal(proxy.length, 1);
      assert.equal(proxy[0]!.attrs.name, 'SOCKS5 Bytestreams Proxy');
    });

    it('answers disco#info on proxy.localhost with identity proxy/bytestreams and the bytestreams feature', async () => {
      const result = await iq(ferry.alice, 'get', xml('query', { xmlns: NS.DISCO_INFO }));
      assert.equal(result.attrs.from, PROXY);
      const query = result.getChild('query')!;
      const identities = query.getChildren('identity').map((i: Element) => `${i.attrs.category}/${i.attrs.type}`);
      assert.deepEqual(identities, ['proxy/bytestreams']);
      const features = query.getChildren('feature').map((f: Element) => f.attrs.var);
      assert.ok(features.includes(NS.BYTESTREAMS), `features: ${features.join(', ')}`);
    });

    it('answers the streamhost query with exactly one <streamhost jid host port/>: the advertised address', async () => {
      // <iq type='get' to='proxy.localhost'><query xmlns='http://jabber.org/protocol/bytestreams'/></iq>
      const result = await iq(ferry.alice, 'get', streamhostQuery());
      assert.equal(result.attrs.from, PROXY);
      const streamhosts = result.getChild('query', NS.BYTESTREAMS)!.getChildren('streamhost');
      assert.equal(streamhosts.length, 1);
      // <streamhost jid='proxy.localhost' host='127.0.0.1' port='…'/>
      assert.deepEqual(streamhosts[0]!.attrs, {
        jid: PROXY,
        host: '127.0.0.1',
        port: String(ferry.proxy.listening.port),
      });
      assert.deepEqual(ferry.proxy.advertised, { host: '127.0.0.1', port: ferry.proxy.listening.port });
    });

    it('checks at start that its advertised address answers SOCKS5, and does not warn when it does', async () => {
      await ferry.logs.waitFor((line) => line.msg === 'SOCKS5 proxy answers at its advertised address', 'the check');
      assert.deepEqual(ferry.logs.lines.filter(isProxyWarning), []);
    });
  });

  describe('mediated transfer', () => {
    it('runs a mediated transfer end to end (discover, offer, streamhost-used, activate) and relays 8 MiB and 64 KiB both ways, intact, with both ends seen', async () => {
      const { alice, bob } = ferry;
      // Find the proxy, ask it for its address.
      const items = await iq(alice, 'get', xml('query', { xmlns: NS.DISCO_ITEMS }), 'localhost');
      const proxyJid = items
        .getChild('query')!
        .getChildren('item')
        .find((item: Element) => item.attrs.name === 'SOCKS5 Bytestreams Proxy')!.attrs.jid as string;
      const answer = await iq(alice, 'get', streamhostQuery(), proxyJid);
      const streamhost = answer.getChild('query')!.getChild('streamhost')!;
      const sid = `mediated-${randomBytes(4).toString('hex')}`;

      // bob, the target, connects to the streamhost he is offered, then says which one he used.
      let onTargetConnected: (socket: net.Socket) => void = () => {};
      const targetConnected = new Promise<net.Socket>((resolve) => (onTargetConnected = resolve));
      bob.xmpp.iqCallee.set(NS.BYTESTREAMS, 'query', async (ctx: { stanza: Element; element: Element }) => {
        const offered = ctx.element.getChild('streamhost')!;
        const socket = await connectSocks5({
          host: offered.attrs.host as string,
          port: Number(offered.attrs.port),
          hash: dstAddrHash(ctx.element.attrs.sid as string, ctx.stanza.attrs.from as string, bob.jid),
          timeoutMs: WAIT_MS,
        });
        onTargetConnected(socket);
        return xml('query', { xmlns: NS.BYTESTREAMS, sid }, xml('streamhost-used', { jid: offered.attrs.jid }));
      });
      // <iq type='set' to='bob@localhost/target'><query sid mode='tcp'><streamhost …/></query></iq>
      const used = await iq(
        alice,
        'set',
        xml('query', { xmlns: NS.BYTESTREAMS, sid, mode: 'tcp' }, xml('streamhost', streamhost.attrs)),
        bob.jid,
      );
      assert.equal(used.getChild('query')!.getChild('streamhost-used')!.attrs.jid, PROXY);
      // bob answered only once connected: his socket is there.
      const target = await targetConnected;
      const initiator = await socks5(ferry, dstAddrHash(sid, alice.jid, bob.jid));

      const relayed = nextRelay(ferry.server, sid);
      // <iq type='set' to='proxy.localhost'><query sid><activate>bob@localhost/target</activate></query></iq>
      const result = await activate(ferry, sid);
      assert.equal(result.attrs.type, 'result');
      assert.equal(result.attrs.from, PROXY);
      assert.equal(result.getChildElements().length, 0);

      const toTarget = randomBytes(8 << 20);
      const toInitiator = randomBytes(64 << 10);
      const targetReceived = receive(target, 'bob reading');
      const initiatorReceived = receive(initiator, 'alice reading');
      initiator.write(toTarget);
      initiator.end();
      target.end(toInitiator);
      assert.deepEqual(await targetReceived, { length: toTarget.length, sha256: sha256(toTarget) });
      assert.deepEqual(await initiatorReceived, { length: toInitiator.length, sha256: sha256(toInitiator) });

      const record = await relayed;
      assert.equal(record.initiator, alice.jid);
      assert.equal(record.target, bob.jid);
      assert.equal(record.bytesToTarget, toTarget.length);
      assert.equal(record.bytesToInitiator, toInitiator.length);
      assert.equal(record.isAborted, false);
      assert.ok(record.durationMs >= 0);
    });

    it('pairs a client that sends its greeting and CONNECT one byte at a time', async () => {
      const sid = 'one-byte-at-a-time';
      const hash = hashOf(ferry, sid);
      const target = await rawSocket(ferry.proxy.listening.port);
      for (const byte of Buffer.concat([encodeGreeting(), encodeConnectRequest(hash)])) {
        target.write(Buffer.from([byte]));
        // Let the proxy read each byte on its own before the next one is sent.
        await new Promise((resolve) => setImmediate(resolve));
      }
      // 05 00, then 05 00 00 03 28 <hash> 00 00 echoing DST.ADDR.
      const answer = await readBytes(target, 2 + 5 + hash.length + 2, 'the SOCKS5 answers');
      assert.deepEqual(decodeMethodSelection(answer), { kind: 'ok', value: { method: 0 }, consumed: 2 });
      const reply = decodeReply(answer.subarray(2));
      assert.equal(reply.kind === 'ok' && reply.value.rep, REPLY.SUCCEEDED);
      assert.equal(reply.kind === 'ok' && reply.value.address.host, hash);

      const initiator = await socks5(ferry, hash);
      await activate(ferry, sid);
      const received = receive(target, 'the one-byte client reading');
      initiator.end(Buffer.from('through the proxy'));
      assert.equal((await received).sha256, sha256(Buffer.from('through the proxy')));
      target.end();
    });

    it('refuses a third connection with the same hash (REP 0x02, then closed) and keeps the pair', async () => {
      const sid = 'third-wheel';
      const { initiator, target } = await connectBoth(ferry, sid);
      const third = await rawSocket(ferry.proxy.listening.port);
      third.write(Buffer.concat([encodeGreeting(), encodeConnectRequest(hashOf(ferry, sid))]));
      const answer = await untilClosed(third, 'the third connection being closed');
      const selection = decodeMethodSelection(answer);
      assert.equal(selection.kind, 'ok');
      const reply = decodeReply(answer.subarray(2));
      assert.equal(reply.kind === 'ok' && reply.value.rep, REPLY.NOT_ALLOWED);

      await activate(ferry, sid);
      const received = receive(target, 'bob reading');
      initiator.end(Buffer.from('still paired'));
      assert.equal((await received).length, 'still paired'.length);
      target.end();
    });

    it('answers item-not-found, not-allowed and conflict as the pairing progresses', async () => {
      const sid = 'progress';
      // No connection with this hash at all.
      await rejectsWith(activate(ferry, sid), 'item-not-found');
      // Only the target has connected.
      const target = await socks5(ferry, hashOf(ferry, sid));
      await rejectsWith(activate(ferry, sid), 'not-allowed');
      const initiator = await socks5(ferry, hashOf(ferry, sid));
      // Only the initiator whose JIDs make the hash may activate: from bob the hash is another one.
      await rejectsWith(activate(ferry, sid, ferry.bob.jid, ferry.bob), 'item-not-found');
      await rejectsWith(activate(ferry, sid, ferry.alice.jid, ferry.bob), 'item-not-found');
      const relayed = nextRelay(ferry.server, sid);
      await activate(ferry, sid);
      await rejectsWith(activate(ferry, sid), 'conflict');
      initiator.end();
      target.end();
      await Promise.all([receive(initiator, 'alice end'), receive(target, 'bob end')]);
      assert.equal((await relayed).bytesToTarget, 0);
    });

    it('prepares the <activate/> JID before hashing, as the target did with its own', async () => {
      const sid = 'prepared';
      const { initiator, target } = await connectBoth(ferry, sid);
      const result = await activate(ferry, sid, ferry.bob.jid.replace('bob@localhost', 'BOB@LocalHost'));
      assert.equal(result.attrs.type, 'result');
      initiator.end();
      target.end();
      await Promise.all([receive(initiator, 'alice end'), receive(target, 'bob end')]);
    });

    it('answers bad-request to a malformed activation and keeps serving', async () => {
      const bs = NS.BYTESTREAMS;
      const malformed: [string, Element][] = [
        ['no sid', xml('query', { xmlns: bs }, xml('activate', {}, ferry.bob.jid))],
        ['empty sid', xml('query', { xmlns: bs, sid: '' }, xml('activate', {}, ferry.bob.jid))],
        [
          'a 2000-character sid',
          xml('query', { xmlns: bs, sid: 'x'.repeat(2000) }, xml('activate', {}, ferry.bob.jid)),
        ],
        ['no <activate/>', xml('query', { xmlns: bs, sid: 's' })],
        ['an empty <activate/>', xml('query', { xmlns: bs, sid: 's' }, xml('activate'))],
        ['two @ in the JID', activateQuery('s', 'bob@localhost@evil')],
        ['an empty localpart', activateQuery('s', '@localhost/target')],
        ['an empty resource', activateQuery('s', 'bob@localhost/')],
      ];
      for (const [what, query] of malformed) {
        await assert.rejects(iq(ferry.alice, 'set', query), (error: { condition?: string }) => {
          assert.equal(error.condition, 'bad-request', what);
          return true;
        });
      }
      const answer = await iq(ferry.alice, 'get', streamhostQuery());
      assert.equal(answer.attrs.type, 'result');
    });

    it('keeps back-pressure: a target that does not read stalls the initiator, then gets every byte', async () => {
      const sid = 'back-pressure';
      const { initiator, target } = await openBytestream(ferry, sid);
      const chunk = randomBytes(1 << 20);
      const limit = 256 << 20;
      let written = 0;
      let isStalled = false;
      while (written < limit && !isStalled) {
        written += chunk.length;
        if (initiator.write(chunk)) continue;
        // Without back-pressure the proxy would read everything into memory and 'drain' would come
        // at once; with it, 'drain' stops coming once the buffers on the way are full.
        const drained = once(initiator, 'drain').then(() => false);
        const quiet = new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 750).unref());
        isStalled = await Promise.race([drained, quiet]);
      }
      assert.ok(isStalled, `the initiator wrote ${written >> 20} MiB without being held back`);
      assert.ok(written < limit);
      const received = receive(target, 'bob reading at last');
      initiator.end();
      assert.equal((await received).length, written);
      target.end();
    });

    it('closes the initiator when the target resets mid-transfer, and reports the relay as aborted', async () => {
      const sid = 'reset';
      const { initiator, target } = await openBytestream(ferry, sid);
      const relayed = nextRelay(ferry.server, sid);
      initiator.on('error', () => {});
      // The proxy may reset the initiator (unread bytes in its buffer): wait for 'close', not once().
      const initiatorClosed = withTimeout(
        new Promise((resolve) => initiator.once('close', resolve)),
        WAIT_MS,
        'the initiator being closed',
      );
      const chunk = randomBytes(256 << 10);
      const pump = (): void => {
        while (!initiator.destroyed && initiator.write(chunk));
      };
      initiator.on('drain', pump);
      pump();
      let received = 0;
      target.on('data', (data: Buffer) => {
        received += data.length;
        if (received >= 1 << 20 && !target.destroyed) target.resetAndDestroy();
      });
      target.on('error', () => {});
      target.resume();
      await initiatorClosed;
      const record = await relayed;
      assert.equal(record.isAborted, true);
      assert.ok(record.bytesToTarget >= 1 << 20);
      const pong = await iq(ferry.alice, 'get', xml('ping', { xmlns: 'urn:xmpp:ping' }), 'localhost');
      assert.equal(pong.attrs.type, 'result');
    });
    it('survives a proxy65-relay listener that throws, logging it', async () => {
      const off = ferry.server.events.on('proxy65-relay', () => {
        throw new Error('a buggy metrics exporter');
      });
      try {
        const { initiator, target } = await openBytestream(ferry, 'throwing-listener');
        initiator.end();
        target.end();
        await ferry.logs.waitFor(
          (line) => line.msg === 'an event listener failed' && line.event === 'proxy65-relay',
          'the logged failure',
        );
      } finally {
        off();
      }
      const answer = await iq(ferry.alice, 'get', streamhostQuery());
      assert.equal(answer.attrs.type, 'result');
    });
  });

  describe('hostile input', () => {
    it('closes a connection that sends HTTP instead of a SOCKS5 greeting, answering nothing', async () => {
      const socket = await rawSocket(ferry.proxy.listening.port);
      socket.write('GET / HTTP/1.1\r\nHost: proxy.localhost\r\n\r\n');
      const answer = await untilClosed(socket, 'the HTTP client being closed');
      assert.equal(answer.length, 0);
    });

    it('closes a connection whose CONNECT is garbage after a valid greeting', async () => {
      const socket = await rawSocket(ferry.proxy.listening.port);
      socket.write(Buffer.concat([encodeGreeting(), Buffer.from('\x05\x01\x00\x09garbage garbage garbage')]));
      const answer = await untilClosed(socket, 'the garbage client being closed');
      assert.deepEqual([...answer], [0x05, 0x00]); // the method selection, then nothing
    });

    it('still serves XMPP and SOCKS5 after all that', async () => {
      const sid = 'after-hostile';
      const { initiator, target } = await openBytestream(ferry, sid);
      const received = receive(target, 'bob reading');
      initiator.end(Buffer.from('fine'));
      assert.equal((await received).length, 4);
      target.end();
    });
  });

  describe("acl = 'local'", () => {
    // No server-to-server exists yet, so no foreign user can log in. These stanzas enter the router
    // as s2s will deliver them (a foreign `from`, an origin to answer); that proves the module's
    // decision on the wire format, not an s2s path.
    const mallory = (inbox: Element[]): ClientSession => ({
      id: 'mallory',
      jid: Jid.parse('mallory@elsewhere.example/x'),
      isLocal: true,
      remoteAddress: '192.0.2.66',
      transport: 'tcp',
      isSecure: true,
      since: 0,
      presence: undefined,
      priority: 0,
      directedPresence: new Set(),
      isRosterRequested: false,
      send: (stanza) => inbox.push(stanza),
      close: () => {},
    });

    it('answers forbidden to a user of another domain, for the streamhost query and for activation', () => {
      for (const text of [
        `<iq type='get' id='m1' from='mallory@elsewhere.example/x' to='${PROXY}'><query xmlns='${NS.BYTESTREAMS}'/></iq>`,
        `<iq type='set' id='m2' from='mallory@elsewhere.example/x' to='${PROXY}'>` +
          `<query xmlns='${NS.BYTESTREAMS}' sid='s'><activate>bob@localhost/target</activate></query></iq>`,
      ]) {
        const inbox: Element[] = [];
        ferry.server.router.route(parseElement(text)!, mallory(inbox));
        assert.equal(inbox.length, 1);
        assert.equal(inbox[0]!.attrs.type, 'error');
        assert.equal(inbox[0]!.getChild('error')!.getChildElements()[0]!.name, 'forbidden');
      }
    });
  });
});

describe('proxy65 timeouts (activation 0.5 s, handshake 0.5 s)', () => {
  let ferry: Ferry;
  before(async () => {
    ferry = await startFerry({
      'modules.proxy65.activation_timeout_seconds': 0.5,
      'modules.proxy65.handshake_timeout_seconds': 0.5,
    });
  });
  after(async () => {
    await ferry.stop();
  });

  it('closes a client that connects and says nothing', async () => {
    const startedAt = performance.now();
    const socket = await rawSocket(ferry.proxy.listening.port);
    const answer = await untilClosed(socket, 'the silent client being closed');
    assert.equal(answer.length, 0);
    assert.ok(performance.now() - startedAt >= 400, 'closed by the handshake timeout, not at once');
  });

  it('drops a pairing that is not activated in time, resetting both connections', async () => {
    const sid = 'too-slow';
    const { initiator, target } = await connectBoth(ferry, sid);
    const resets = [initiator, target].map((socket) =>
      once(socket, 'error').then(([error]) => (error as NodeJS.ErrnoException).code),
    );
    await Promise.all([
      untilClosed(initiator, 'the initiator being closed'),
      untilClosed(target, 'the target being closed'),
    ]);
    // A reset, not a FIN: neither side may take a dropped pairing for an empty, complete stream.
    assert.deepEqual(await Promise.all(resets), ['ECONNRESET', 'ECONNRESET']);
    await rejectsWith(activate(ferry, sid), 'item-not-found');
  });
});

describe('proxy65 max_pending_per_address = 2', () => {
  let ferry: Ferry;
  before(async () => {
    ferry = await startFerry({ 'modules.proxy65.max_pending_per_address': 2 });
  });
  after(async () => {
    await ferry.stop();
  });

  /** A connection the proxy admitted: it answered the greeting. */
  async function admitted(): Promise<net.Socket> {
    const socket = await rawSocket(ferry.proxy.listening.port);
    socket.write(encodeGreeting());
    assert.deepEqual([...(await readBytes(socket, 2, 'the method selection'))], [0x05, 0x00]);
    return socket;
  }

  it('refuses connections beyond the limit until pending ones close or are activated', async () => {
    const sid = 'quota';
    const target = await socks5(ferry, hashOf(ferry, sid)); // pending 1
    const idle = await admitted(); // pending 2
    const refused = await rawSocket(ferry.proxy.listening.port);
    refused.write(encodeGreeting());
    assert.equal((await untilClosed(refused, 'the refused connection')).length, 0);

    // The idle one leaves; the proxy notices its close asynchronously, so retry until admitted.
    idle.destroy();
    const deadline = performance.now() + WAIT_MS;
    let initiator: net.Socket | undefined;
    while (!initiator) {
      try {
        initiator = await socks5(ferry, hashOf(ferry, sid));
      } catch (error) {
        if (performance.now() > deadline) throw error;
      }
    }
    // Activated connections no longer count: two new ones fit.
    await activate(ferry, sid);
    const more = [await admitted(), await admitted()];
    for (const socket of [...more, initiator, target]) socket.destroy();
  });
});

describe('proxy65 bandwidth_bytes_per_second = 512 KiB', () => {
  const RATE = 512 * 1024;
  let ferry: Ferry;
  before(async () => {
    ferry = await startFerry({ 'modules.proxy65.bandwidth_bytes_per_second': RATE });
  });
  after(async () => {
    await ferry.stop();
  });

  it('relays 1 MiB in no less than 70% of size / limit, every byte intact', async () => {
    const sid = 'throttled';
    const { initiator, target } = await openBytestream(ferry, sid);
    const relayed = nextRelay(ferry.server, sid);
    const data = randomBytes(1 << 20);
    const startedAt = performance.now();
    const received = receive(target, 'bob reading the throttled stream');
    initiator.end(data);
    assert.equal((await received).sha256, sha256(data));
    const elapsedMs = performance.now() - startedAt;
    const minimumMs = 0.7 * (data.length / RATE) * 1000;
    assert.ok(elapsedMs >= minimumMs, `took ${elapsedMs.toFixed(0)} ms, the limit allows no less than ${minimumMs}`);
    target.end();
    const record = await relayed;
    assert.equal(record.bytesToTarget, data.length);
    assert.ok(record.durationMs >= minimumMs);
  });
});

describe("proxy65 acl = 'any'", () => {
  let ferry: Ferry;
  before(async () => {
    ferry = await startFerry({ 'modules.proxy65.acl': 'any' });
  });
  after(async () => {
    await ferry.stop();
  });

  it('answers the streamhost query of a user of another domain', () => {
    const inbox: Element[] = [];
    const origin: ClientSession = {
      id: 'mallory',
      jid: Jid.parse('mallory@elsewhere.example/x'),
      isLocal: true,
      remoteAddress: '192.0.2.66',
      transport: 'tcp',
      isSecure: true,
      since: 0,
      presence: undefined,
      priority: 0,
      directedPresence: new Set(),
      isRosterRequested: false,
      send: (stanza) => inbox.push(stanza),
      close: () => {},
    };
    ferry.server.router.route(
      parseElement(
        `<iq type='get' id='m1' from='mallory@elsewhere.example/x' to='${PROXY}'><query xmlns='${NS.BYTESTREAMS}'/></iq>`,
      )!,
      origin,
    );
    assert.equal(inbox[0]?.attrs.type, 'result');
    assert.equal(inbox[0]!.getChild('query')!.getChildren('streamhost').length, 1);
  });
});

describe('proxy65 advertising an address where nothing listens', () => {
  let ferry: Ferry;
  let port: number;
  before(async () => {
    port = await closedPort();
    ferry = await startFerry({
      'modules.proxy65.advertised_host': '127.0.0.1',
      'modules.proxy65.advertised_port': port,
    });
  });
  after(async () => {
    await ferry.stop();
  });

  it('warns at start, naming modules.proxy65.advertised_host', async () => {
    const warning = await ferry.logs.waitFor(isProxyWarning, 'the advertised-address warning');
    assert.equal(warning.level, 40);
    assert.match(warning.msg, /modules\.proxy65\.advertised_host/);
    assert.match(warning.msg, new RegExp(`127\\.0\\.0\\.1:${port}\\b`));
  });

  it('still advertises exactly what was configured', async () => {
    const answer = await iq(ferry.alice, 'get', streamhostQuery());
    const streamhosts = answer.getChild('query')!.getChildren('streamhost');
    assert.deepEqual(
      streamhosts.map((s: Element) => s.attrs),
      [{ jid: PROXY, host: '127.0.0.1', port: String(port) }],
    );
  });
});

describe('proxy65 disabled ([modules.proxy65] enabled = false)', () => {
  let ferry: Ferry;
  before(async () => {
    ferry = await startFerry({ 'modules.proxy65.enabled': false });
  });
  after(async () => {
    await ferry.stop();
  });

  it('lists no proxy in disco#items and provides no proxy65 service', async () => {
    const result = await iq(ferry.alice, 'get', xml('query', { xmlns: NS.DISCO_ITEMS }), 'localhost');
    const jids = result
      .getChild('query')!
      .getChildren('item')
      .map((item: Element) => item.attrs.jid);
    assert.ok(!jids.includes(PROXY), `items: ${jids.join(', ')}`);
    assert.equal(ferry.server.service('proxy65'), undefined);
  });

  it('answers IQs to proxy.localhost with remote-server-not-found: the router serves no such host', async () => {
    await rejectsWith(iq(ferry.alice, 'get', streamhostQuery()), 'remote-server-not-found');
    await rejectsWith(activate(ferry, 'sid'), 'remote-server-not-found');
  });
});
