// The SOCKS5 transport's options: defaults, and values refused when the transport is made.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSocks5Transport } from '@ferry/client/internal/transports/socks5/index';
import { resolveSettings } from '@ferry/client/internal/transports/socks5/settings';

describe('SOCKS5 transport options', () => {
  it('defaults: direct first on the connection address, proxies discovered, 5 s per streamhost, 30 s negotiation', () => {
    assert.deepEqual(resolveSettings(), {
      direct: true,
      directHost: undefined,
      proxies: undefined,
      discoverProxies: true,
      candidateTimeoutMs: 5_000,
      negotiationTimeoutMs: 30_000,
      discoveryTimeoutMs: 5_000,
      proxyCacheTtlMs: 600_000,
      staggerMs: 250,
      idleTimeoutMs: 60_000,
    });
  });

  it('is the bytestreams stream-method', () => {
    const transport = createSocks5Transport();
    assert.equal(transport.method, 'socks5');
    assert.equal(transport.namespace, 'http://jabber.org/protocol/bytestreams');
  });

  it('refuses to advertise a wildcard address (never every interface)', () => {
    for (const directHost of ['0.0.0.0', '::', '']) {
      assert.throws(() => createSocks5Transport({ directHost }), RangeError);
    }
  });

  it('refuses timeouts that are not positive or do not fit a timer', () => {
    for (const candidateTimeoutMs of [0, -1, Number.NaN, Infinity, 2 ** 31]) {
      assert.throws(() => createSocks5Transport({ candidateTimeoutMs }), RangeError);
    }
    assert.throws(() => createSocks5Transport({ negotiationTimeoutMs: 0 }), RangeError);
    assert.throws(() => createSocks5Transport({ staggerMs: -1 }), RangeError);
    assert.doesNotThrow(() => createSocks5Transport({ staggerMs: 0 }));
  });

  it("refuses an expect() timeout that is not a timer's", () => {
    const transport = createSocks5Transport();
    const context = {} as Parameters<typeof transport.expect>[0];
    assert.throws(() => transport.expect(context, 0), RangeError);
  });
});
