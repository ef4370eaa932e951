// SCRAM server nonces from a pooled CSPRNG buffer: printable, unique, never reused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NoncePool } from '../../../../src/server/stream/nonce-pool.js';

describe('NoncePool', () => {
  it('hands out distinct 24-character base64 nonces across refills', () => {
    const pool = new NoncePool();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const nonce = pool.next();
      assert.match(nonce, /^[A-Za-z0-9+/]{24}$/);
      assert.ok(!seen.has(nonce), 'no nonce twice');
      seen.add(nonce);
    }
  });
});
