// Fuzzing the SOCKS5 handshakes (packages/protocol/src/socks5/server-handshake.ts and client-handshake.ts, RFC 1928
// as XEP-0065 uses it): any bytes, cut anywhere, give actions or one clean failure — never an
// exception — and the same actions however they were cut (Prosody's mod_proxy65 assumed one
// read is one message; we must not).
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { ServerHandshake, type ServerAction } from '@ferry/protocol/socks5/server-handshake';
import { ClientHandshake, type ClientAction } from '@ferry/protocol/socks5/client-handshake';
import { GREETING, HASH, REPLY_OK, REQUEST, SELECTION } from '../unit/socks5/fixtures.js';
import { cuts, fc, property, replay, split } from './harness.js';

/** Bytes that are SOCKS5 at first and then go wrong: valid messages, mutated, with noise. */
function socksBytes(valid: readonly Buffer[]): fc.Arbitrary<Uint8Array> {
  const piece = fc.oneof(
    fc.constantFrom(...valid),
    fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
    fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([message, at, byte]) => {
      const copy = Buffer.from(message);
      copy[at % copy.length] = byte;
      return copy;
    }),
    fc.constantFrom(...valid).map((message) => message.subarray(0, message.length - 1)),
  );
  return fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.array(piece, { maxLength: 4 }).map((pieces) => new Uint8Array(Buffer.concat(pieces))),
  );
}

/** The server's actions for these chunks, and the leftover accept() would hand over. */
function runServer(chunks: Buffer[]): { actions: ServerAction[]; leftover?: string } {
  const handshake = new ServerHandshake();
  const actions: ServerAction[] = [];
  for (const chunk of chunks) {
    if (handshake.state === 'failed' || handshake.state === 'done') break;
    actions.push(...handshake.feed(chunk));
  }
  const errors = actions.filter((action) => action.kind === 'error');
  assert.ok(errors.length <= 1, 'one failure at most');
  if (errors.length === 1) assert.equal(handshake.state, 'failed');
  if (handshake.state !== 'wait-decision') return { actions };
  return { actions, leftover: handshake.accept().leftover.toString('hex') };
}

/** The client's actions for these chunks, and the bytestream's first bytes once connected. */
function runClient(chunks: Buffer[]): { actions: ClientAction[]; stream?: string } {
  const handshake = new ClientHandshake(HASH);
  handshake.start();
  const actions: ClientAction[] = [];
  const after: Buffer[] = []; // what arrives once connected is bytestream data, not handshake
  for (const chunk of chunks) {
    if (handshake.state === 'failed') break;
    if (handshake.state === 'done') after.push(chunk);
    else actions.push(...handshake.feed(chunk));
  }
  assert.ok(actions.filter((action) => action.kind === 'error').length <= 1, 'one failure at most');
  const connected = actions.findIndex((action) => action.kind === 'connected');
  if (connected < 0) return { actions };
  const { leftover } = actions[connected] as { leftover: Buffer };
  actions[connected] = { kind: 'connected', leftover: Buffer.alloc(0) };
  return { actions, stream: Buffer.concat([leftover, ...after]).toString('hex') };
}

describe('fuzz: SOCKS5 handshakes', () => {
  property(
    'server: any bytes, cut anywhere, give the same actions or one failure, never a throw',
    { seed: 0x50c5, numRuns: 1000 },
    fc.property(socksBytes([GREETING, REQUEST]), cuts, (bytes, at) => {
      const whole = runServer(bytes.length > 0 ? [Buffer.from(bytes)] : []);
      assert.deepEqual(runServer(split(bytes, at)), whole);
    }),
  );

  // The client's input has one boundary that is not the network's choice: the StreamHost can
  // only reply after our CONNECT, which we send once its 2-byte selection arrived (bytes before
  // that are refused). So the first cut is always there; every cut after it is free.
  property(
    'client: any bytes, cut anywhere after the selection, give the same actions or one failure, never a throw',
    { seed: 0x50c6, numRuns: 1000 },
    fc.property(socksBytes([SELECTION, REPLY_OK]), cuts, (bytes, at) => {
      const whole = runClient(split(bytes, [2]));
      assert.deepEqual(runClient(split(bytes, [2, ...at.map((cut) => cut + 2)])), whole);
    }),
  );

  describe('regressions', () => {
    replay<{ side: 'server' | 'client'; chunks: string[] }>('socks5.json', ({ side, chunks }) => {
      const input = chunks.map((hex) => Buffer.from(hex, 'hex'));
      const run = side === 'server' ? runServer : runClient;
      assert.deepEqual(run(input), run([Buffer.concat(input)]));
    });
  });
});
