import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPLY } from '@ferry/protocol/socks5/codec';
import { ServerHandshake, type ServerAction } from '@ferry/protocol/socks5/server-handshake';
import { GREETING, HASH, REPLY_OK, REQUEST, SELECTION, addressed, bytes, prng, randomSplit } from './fixtures.js';

const HANDSHAKE = Buffer.concat([GREETING, REQUEST]);
const EXPECTED: ServerAction[] = [
  { kind: 'send', bytes: SELECTION },
  { kind: 'request', hash: HASH },
];

function feedAll(server: ServerHandshake, chunks: Buffer[]): ServerAction[] {
  return chunks.flatMap((chunk) => server.feed(chunk));
}

function errorOf(actions: ServerAction[]): string {
  const last = actions.at(-1);
  assert.equal(last?.kind, 'error', `expected a final error, got ${JSON.stringify(actions)}`);
  return last?.kind === 'error' ? last.reason : '';
}

describe('ServerHandshake (StreamHost side, XEP-0065 §5.3.2)', () => {
  it('answers the greeting with 05 00, then reports the CONNECT hash', () => {
    const server = new ServerHandshake();
    assert.deepEqual(server.feed(GREETING), [{ kind: 'send', bytes: SELECTION }]);
    assert.equal(server.state, 'wait-request');
    assert.deepEqual(server.feed(REQUEST), [{ kind: 'request', hash: HASH }]);
    assert.equal(server.state, 'wait-decision');
    assert.deepEqual(server.accept(), { reply: REPLY_OK, leftover: Buffer.alloc(0) });
    assert.equal(server.state, 'done');
  });

  it('handles greeting + request merged in one chunk (a pipelining client)', () => {
    const server = new ServerHandshake();
    assert.deepEqual(server.feed(HANDSHAKE), EXPECTED);
  });

  it(`gives the same result for every two-chunk split of the ${HANDSHAKE.length}-byte handshake`, () => {
    for (let cut = 0; cut <= HANDSHAKE.length; cut++) {
      const server = new ServerHandshake();
      const actions = feedAll(server, [HANDSHAKE.subarray(0, cut), HANDSHAKE.subarray(cut)]);
      assert.deepEqual(actions, EXPECTED, `split at ${cut}`);
      assert.deepEqual(server.accept(), { reply: REPLY_OK, leftover: Buffer.alloc(0) }, `split at ${cut}`);
    }
  });

  it('gives the same result fed one byte at a time', () => {
    const server = new ServerHandshake();
    const actions = feedAll(
      server,
      [...HANDSHAKE].map((byte) => Buffer.from([byte])),
    );
    assert.deepEqual(actions, EXPECTED);
  });

  it('gives the same result, leftover included, for 500 random multi-splits with trailing data', () => {
    const random = prng(0x65);
    const data = Buffer.from('early bytestream data, must survive');
    const stream = Buffer.concat([HANDSHAKE, data]);
    for (let round = 0; round < 500; round++) {
      const chunks = randomSplit(stream, random, 12);
      const server = new ServerHandshake();
      assert.deepEqual(feedAll(server, chunks), EXPECTED, `round ${round}: ${chunks.map((c) => c.length)}`);
      assert.deepEqual(server.accept().leftover, data, `round ${round}: ${chunks.map((c) => c.length)}`);
    }
  });

  it('keeps bytes after the request as leftover, including ones fed while awaiting the decision', () => {
    const server = new ServerHandshake();
    assert.deepEqual(server.feed(Buffer.concat([HANDSHAKE, bytes('01 02')])), EXPECTED);
    assert.deepEqual(server.feed(bytes('03')), []);
    assert.deepEqual(server.accept(), { reply: REPLY_OK, leftover: bytes('01 02 03') });
  });

  it("does not alias the caller's chunk in the leftover", () => {
    const server = new ServerHandshake();
    const chunk = Buffer.concat([HANDSHAKE, bytes('aa')]);
    server.feed(chunk);
    chunk.fill(0);
    assert.deepEqual(server.accept().leftover, bytes('aa'));
  });

  it('echoes a non-zero DST.PORT (XEP-0065 §10.1: a StreamHost MAY ignore it)', () => {
    const server = new ServerHandshake();
    server.feed(Buffer.concat([GREETING, addressed(0x01, HASH, 1080)]));
    assert.deepEqual(server.accept().reply, addressed(0x00, HASH, 1080));
  });

  it('accepts a greeting offering several methods as long as 00 is among them', () => {
    const server = new ServerHandshake();
    assert.deepEqual(server.feed(bytes('05 03 02 01 00')), [{ kind: 'send', bytes: SELECTION }]);
  });

  it('rejects with the given REP echoing the hash, e.g. 02 not allowed', () => {
    const server = new ServerHandshake();
    server.feed(HANDSHAKE);
    assert.deepEqual(server.reject(REPLY.NOT_ALLOWED), addressed(0x02, HASH));
    assert.equal(server.state, 'failed');
  });

  it('rejects with 01 general failure by default', () => {
    const server = new ServerHandshake();
    server.feed(HANDSHAKE);
    assert.deepEqual(server.reject(), addressed(0x01, HASH));
  });

  it('answers 05 FF and fails when the client does not offer no-auth', () => {
    const server = new ServerHandshake();
    const actions = server.feed(bytes('05 01 02'));
    assert.deepEqual(actions[0], { kind: 'send', bytes: bytes('05 ff') });
    assert.match(errorOf(actions), /no acceptable method \(need 0x00 no-auth, offered 0x02\)/);
    assert.equal(server.state, 'failed');
  });

  it('answers 07 command not supported to a BIND or UDP ASSOCIATE, then fails', () => {
    for (const [command, name] of [
      [0x02, 'BIND'],
      [0x03, 'UDP ASSOCIATE'],
      [0x09, 'unknown'],
    ] as const) {
      const server = new ServerHandshake();
      const actions = server.feed(Buffer.concat([GREETING, addressed(command, HASH)]));
      assert.deepEqual(actions[1], { kind: 'send', bytes: addressed(0x07, HASH) });
      assert.match(errorOf(actions), new RegExp(`CMD 0x0${command} \\(${name}\\) is not supported`));
    }
  });

  it('answers 08 address type not supported to an IPv4 or IPv6 DST.ADDR, then fails', () => {
    const server = new ServerHandshake();
    const actions = server.feed(Buffer.concat([GREETING, bytes('05 01 00 01 7f 00 00 01 00 00')]));
    assert.deepEqual(actions[1], { kind: 'send', bytes: bytes('05 08 00 01 7f 00 00 01 00 00') });
    assert.match(errorOf(actions), /ATYP 0x01 \(IPv4\) is not supported, XEP-0065 uses DOMAINNAME/);

    const v6 = new ServerHandshake();
    const request = bytes('05 01 00 04 00000000000000000000000000000001 0000');
    assert.match(errorOf(v6.feed(Buffer.concat([GREETING, request]))), /ATYP 0x04 \(IPv6\)/);
  });

  it('fails with a clear reason on hostile bytes, without waiting for more', () => {
    const cases: [string, Buffer, RegExp][] = [
      ['SOCKS4 greeting', bytes('04 01 00 50'), /greeting: VER is 0x04, expected 0x05/],
      ['HTTP on the port', Buffer.from('GET / HTTP/1.1\r\n'), /greeting: VER is 0x47 \('G'\)/],
      ['NMETHODS 0', bytes('05 00'), /NMETHODS is 0/],
      ['request with VER 04', Buffer.concat([GREETING, bytes('04')]), /request: VER is 0x04/],
      ['request RSV 01', Buffer.concat([GREETING, bytes('05 01 01')]), /request: RSV is 0x01/],
      ['ATYP 02', Buffer.concat([GREETING, bytes('05 01 00 02')]), /unknown ATYP 0x02/],
      ['DOMAINNAME len 0', Buffer.concat([GREETING, bytes('05 01 00 03 00')]), /DOMAINNAME length is 0/],
    ];
    for (const [name, input, reason] of cases) {
      const server = new ServerHandshake();
      assert.match(errorOf(server.feed(input)), reason, name);
      assert.equal(server.state, 'failed', name);
    }
  });

  it('fails fast even when the hostile byte arrives alone after a valid greeting', () => {
    const server = new ServerHandshake();
    server.feed(GREETING);
    assert.match(errorOf(server.feed(bytes('ff'))), /request: VER is 0xff/);
  });

  it('throws on misuse: feed after the end, accept/reject twice or too early, reject(0)', () => {
    const early = new ServerHandshake();
    assert.throws(() => early.accept(), /accept\(\) called in state wait-greeting/);
    const done = new ServerHandshake();
    done.feed(HANDSHAKE);
    assert.throws(() => done.reject(0), RangeError);
    done.accept();
    assert.throws(() => done.accept(), /state done/);
    assert.throws(() => done.reject(), /state done/);
    assert.throws(() => done.feed(bytes('00')), /after the handshake was done/);
    const failed = new ServerHandshake();
    failed.feed(bytes('04'));
    assert.throws(() => failed.feed(GREETING), /after the handshake was failed/);
  });
});
