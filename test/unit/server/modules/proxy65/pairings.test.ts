// XEP-0065 §6.3: pairing SOCKS5 connections by hash, with fake sockets and mocked timers.
import { describe, it, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PairingTable } from '../../../../../src/server/modules/proxy65/pairings.js';

class FakeSocket extends EventEmitter {
  isDestroyed = false;
  constructor(readonly name: string) {
    super();
  }
  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    this.emit('close');
  }
}

const HASH = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

describe('PairingTable', () => {
  let dropped: [string, string][];
  let table: PairingTable<FakeSocket>;
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    dropped = [];
    table = new PairingTable<FakeSocket>({
      activationTimeoutMs: 60_000,
      onDropped: (hash, reason) => dropped.push([hash, reason]),
    });
  });
  afterEach(() => {
    table.clear();
    mock.timers.reset();
  });

  it('makes the first connection the target, the second the initiator, and refuses a third', () => {
    assert.equal(table.connect(HASH, new FakeSocket('target')), 'target');
    assert.equal(table.connect(HASH, new FakeSocket('initiator')), 'initiator');
    assert.equal(table.connect(HASH, new FakeSocket('third')), undefined);
    // Another hash is another pairing.
    assert.equal(table.connect(OTHER, new FakeSocket('target 2')), 'target');
  });

  it('activates a complete pairing once, handing over both sockets', () => {
    const target = new FakeSocket('target');
    const initiator = new FakeSocket('initiator');
    table.connect(HASH, target);
    table.connect(HASH, initiator);
    const activation = table.activate(HASH);
    assert.ok(activation.ok);
    assert.equal(activation.initiator, initiator);
    assert.equal(activation.target, target);
    assert.deepEqual(table.activate(HASH), {
      ok: false,
      condition: 'conflict',
      text: 'this bytestream is already active',
    });
    // A connection for an active bytestream is refused too.
    assert.equal(table.connect(HASH, new FakeSocket('late')), undefined);
  });

  it('answers item-not-found for an unknown hash and not-allowed while only the target is there', () => {
    const unknown = table.activate(HASH);
    assert.equal(unknown.ok === false && unknown.condition, 'item-not-found');
    table.connect(HASH, new FakeSocket('target'));
    const half = table.activate(HASH);
    assert.equal(half.ok === false && half.condition, 'not-allowed');
    // The failed attempt changed nothing: the initiator can still come and activate.
    table.connect(HASH, new FakeSocket('initiator'));
    assert.equal(table.activate(HASH).ok, true);
  });

  it('drops a pairing not activated within the timeout, closing both sockets', () => {
    const target = new FakeSocket('target');
    const initiator = new FakeSocket('initiator');
    table.connect(HASH, target);
    table.connect(HASH, initiator);
    mock.timers.tick(59_999);
    assert.equal(target.isDestroyed, false);
    mock.timers.tick(1);
    assert.equal(target.isDestroyed, true);
    assert.equal(initiator.isDestroyed, true);
    assert.deepEqual(dropped, [[HASH, 'expired']]);
    assert.equal(table.size, 0);
    assert.equal(table.activate(HASH).ok, false);
  });

  it('never drops an activated pairing on the timeout; the relay releases it', () => {
    const target = new FakeSocket('target');
    table.connect(HASH, target);
    table.connect(HASH, new FakeSocket('initiator'));
    const activation = table.activate(HASH);
    assert.ok(activation.ok);
    mock.timers.tick(120_000);
    assert.equal(target.isDestroyed, false);
    assert.equal(table.size, 1);
    activation.release();
    assert.equal(table.size, 0);
    // The hash may be used again by a new negotiation.
    assert.equal(table.connect(HASH, new FakeSocket('new target')), 'target');
  });

  it('drops the pairing (and closes the other side) when a side leaves before activation', () => {
    const target = new FakeSocket('target');
    const initiator = new FakeSocket('initiator');
    table.connect(HASH, target);
    table.connect(HASH, initiator);
    initiator.destroy();
    assert.equal(target.isDestroyed, true);
    assert.deepEqual(dropped, [[HASH, 'closed']]);
    assert.equal(table.activate(HASH).ok, false);
  });

  it('does not let a stale socket of a dropped pairing drop a newer pairing with the same hash', () => {
    // Real sockets emit 'close' a tick after destroy(): by then a new pairing may use the hash.
    const old = new FakeSocket('old target');
    old.destroy = () => {
      old.isDestroyed = true;
    };
    table.connect(HASH, old);
    mock.timers.tick(60_000); // expired: old is destroyed, its 'close' still to come
    const fresh = new FakeSocket('new target');
    table.connect(HASH, fresh);
    old.emit('close');
    assert.equal(fresh.isDestroyed, false);
    assert.equal(table.size, 1);
  });

  it('closes waiting sockets on clear(), but leaves active ones to their relay', () => {
    const waiting = new FakeSocket('waiting');
    table.connect(OTHER, waiting);
    const activeTarget = new FakeSocket('active target');
    table.connect(HASH, activeTarget);
    table.connect(HASH, new FakeSocket('active initiator'));
    assert.ok(table.activate(HASH).ok);
    table.clear();
    assert.equal(waiting.isDestroyed, true);
    assert.equal(activeTarget.isDestroyed, false);
    assert.equal(table.size, 0);
  });
});
