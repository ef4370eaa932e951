import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientHandshake, type ClientAction } from '@ferry/protocol/socks5/client-handshake';
import { dstAddrHash } from '@ferry/protocol/socks5/hash';
import { ServerHandshake } from '@ferry/protocol/socks5/server-handshake';
import { GREETING, HASH, REPLY_OK, REQUEST, SELECTION, addressed, bytes, prng, randomSplit } from './fixtures.js';

/** A client that has sent its greeting and received 05 00, so it waits for the reply. */
function waitingForReply(): ClientHandshake {
  const client = new ClientHandshake(HASH);
  client.start();
  client.feed(SELECTION);
  return client;
}

function errorOf(actions: ClientAction[]): Extract<ClientAction, { kind: 'error' }> {
  const [action] = actions;
  assert.equal(actions.length, 1);
  assert.equal(action?.kind, 'error', `expected an error, got ${JSON.stringify(actions)}`);
  if (action?.kind !== 'error') throw new Error('unreachable');
  return action;
}

describe('ClientHandshake (Target / Requester side, XEP-0065 §5.3.2, §6.3.4)', () => {
  it('starts with the no-auth greeting 05 01 00', () => {
    assert.deepEqual(new ClientHandshake(HASH).start(), GREETING);
  });

  it('sends the CONNECT only after the method selection, never pipelined (Prosody)', () => {
    const client = new ClientHandshake(HASH);
    client.start();
    assert.deepEqual(client.feed(bytes('05')), [], 'half a selection is not a selection');
    assert.equal(client.state, 'wait-selection');
    assert.deepEqual(client.feed(bytes('00')), [{ kind: 'send', bytes: REQUEST }]);
    assert.equal(client.state, 'wait-reply');
  });

  it('is connected after the reply echoing its hash', () => {
    const client = waitingForReply();
    assert.deepEqual(client.feed(REPLY_OK), [{ kind: 'connected', leftover: Buffer.alloc(0) }]);
    assert.equal(client.state, 'done');
  });

  it('returns bytes that came with the reply as leftover', () => {
    const client = waitingForReply();
    const data = Buffer.from('first bytes of the file');
    assert.deepEqual(client.feed(Buffer.concat([REPLY_OK, data])), [{ kind: 'connected', leftover: data }]);
  });

  it('gives the same result for every split of the reply + data, losing no byte', () => {
    const data = bytes('c0 ff ee');
    const stream = Buffer.concat([REPLY_OK, data]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const client = waitingForReply();
      const [first, second] = [stream.subarray(0, cut), stream.subarray(cut)];
      const actions = client.feed(first);
      if (actions.length === 0) {
        assert.deepEqual(client.feed(second), [{ kind: 'connected', leftover: data }], `split at ${cut}`);
      } else {
        // Connected from the first chunk: what it held past the reply is leftover, the rest is data.
        assert.equal(actions[0]?.kind, 'connected', `split at ${cut}`);
        const leftover = actions[0]?.kind === 'connected' ? actions[0].leftover : Buffer.alloc(0);
        assert.deepEqual(Buffer.concat([leftover, second]), data, `split at ${cut}`);
      }
    }
  });

  it('refuses a reply whose BND.ADDR is another hash', () => {
    const other = dstAddrHash('otherSID', 'requester@example.com/foo', 'target@example.org/bar');
    const error = errorOf(waitingForReply().feed(addressed(0x00, other)));
    assert.equal(error.failure, 'protocol');
    assert.match(error.reason, new RegExp(`BND.ADDR "${other}" is not our DST.ADDR ${HASH}`));
  });

  it('COMPAT: accepts libpurple’s reply naming its own IP as a domain BND.ADDR (05 00 00 03 09 "192.0.2.2" 00 00)', () => {
    const data = bytes('de ad');
    assert.deepEqual(waitingForReply().feed(Buffer.concat([addressed(0x00, '192.0.2.2'), data])), [
      { kind: 'connected', leftover: data },
    ]);
  });

  it('refuses a success reply with an IPv4 BND.ADDR instead of the hash', () => {
    const error = errorOf(waitingForReply().feed(bytes('05 00 00 01 7f 00 00 01 00 00')));
    assert.equal(error.failure, 'protocol');
    assert.match(error.reason, /ATYP 0x01, expected 0x03 echoing our hash/);
  });

  it('reports a failure REP as refused with the code, as soon as REP is known', () => {
    const client = waitingForReply();
    const error = errorOf(client.feed(bytes('05 05')));
    assert.equal(error.failure, 'refused');
    assert.equal(error.rep, 0x05);
    assert.match(error.reason, /REP 0x05 \(connection refused\)/);
    assert.equal(client.state, 'failed');
  });

  it('reports 05 FF as refused: no acceptable method', () => {
    const client = new ClientHandshake(HASH);
    client.start();
    const error = errorOf(client.feed(bytes('05 ff')));
    assert.equal(error.failure, 'refused');
    assert.match(error.reason, /accepts none of our methods/);
  });

  it('fails on a method we did not offer, a wrong version, or a reply before our CONNECT', () => {
    const cases: [Buffer, RegExp][] = [
      [bytes('05 02'), /chose 0x02, we offered only 0x00/],
      [bytes('04 00'), /method selection: VER is 0x04/],
      [Buffer.concat([SELECTION, REPLY_OK]), /unexpected bytes before our CONNECT/],
    ];
    for (const [input, reason] of cases) {
      const client = new ClientHandshake(HASH);
      client.start();
      const error = errorOf(client.feed(input));
      assert.equal(error.failure, 'protocol');
      assert.match(error.reason, reason);
    }
    assert.match(errorOf(waitingForReply().feed(bytes('05 00 07'))).reason, /reply: RSV is 0x07/);
  });

  it('throws on misuse: feed before start, start twice, feed after the end, bad hash', () => {
    assert.throws(() => new ClientHandshake(HASH).feed(SELECTION), /feed\(\) called in state initial/);
    const client = new ClientHandshake(HASH);
    client.start();
    assert.throws(() => client.start(), /start\(\) called in state wait-selection/);
    const done = waitingForReply();
    done.feed(REPLY_OK);
    assert.throws(() => done.feed(bytes('00')), /state done/);
    assert.throws(() => new ClientHandshake(''), RangeError);
    assert.throws(() => new ClientHandshake('x'.repeat(256)), RangeError);
  });
});

describe('ClientHandshake talking to ServerHandshake through a randomly chunked pipe', () => {
  it('connects and loses no byte of the data sent with the reply, for 300 random chunkings', () => {
    const random = prng(1928);
    const data = Buffer.from('data the StreamHost sent right after its reply');
    for (let round = 0; round < 300; round++) {
      const client = new ClientHandshake(HASH);
      const server = new ServerHandshake();
      let toServer = randomSplit(client.start(), random, 3);
      let received: Buffer | undefined;
      for (let step = 0; step < 4 && received === undefined; step++) {
        const toClient: Buffer[] = [];
        for (const action of toServer.flatMap((chunk) => server.feed(chunk))) {
          assert.notEqual(action.kind, 'error', JSON.stringify(action));
          if (action.kind === 'send') toClient.push(...randomSplit(action.bytes, random, 3));
          if (action.kind === 'request') {
            assert.equal(action.hash, HASH);
            const { reply, leftover } = server.accept();
            assert.equal(leftover.length, 0);
            toClient.push(...randomSplit(Buffer.concat([reply, data]), random, 5));
          }
        }
        toServer = [];
        for (const [index, chunk] of toClient.entries()) {
          const actions = client.feed(chunk);
          const connected = actions.find((action) => action.kind === 'connected');
          for (const action of actions) {
            assert.notEqual(action.kind, 'error', JSON.stringify(action));
            if (action.kind === 'send') toServer.push(...randomSplit(action.bytes, random, 4));
          }
          if (connected?.kind === 'connected') {
            received = Buffer.concat([connected.leftover, ...toClient.slice(index + 1)]);
            break;
          }
        }
      }
      assert.equal(client.state, 'done', `round ${round}`);
      assert.equal(server.state, 'done', `round ${round}`);
      assert.deepEqual(received, data, `round ${round}`);
    }
  });
});
