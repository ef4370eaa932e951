import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  loadSlotKey,
  signSlot,
  verifySlot,
  type SlotClaims,
} from '../../../../../src/server/modules/http-upload/slot-token.js';

const KEY = Buffer.alloc(32, 7);
const NOW = Date.UTC(2025, 5, 17, 12);
const claims: SlotClaims = {
  owner: 'romeo',
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  name: 'très cool.jpg',
  size: 23456,
  contentType: 'image/jpeg',
  purpose: 'message',
  expires: NOW + 300_000,
  fileExpires: NOW + 7 * 86_400_000,
};

describe('slot tokens', () => {
  it('verifies a token it signed and returns its claims', () => {
    assert.deepEqual(verifySlot(KEY, signSlot(KEY, claims), NOW), claims);
  });

  it('refuses an expired token', () => {
    const token = signSlot(KEY, claims);
    assert.equal(verifySlot(KEY, token, claims.expires), undefined);
    assert.equal(verifySlot(KEY, token, claims.expires + 1), undefined);
  });

  it('refuses a token signed with another key (forged)', () => {
    assert.equal(verifySlot(KEY, signSlot(Buffer.alloc(32, 8), claims), NOW), undefined);
  });

  it('refuses a token whose claims were changed after signing (tampered size)', () => {
    const [, mac] = signSlot(KEY, claims).split('.');
    const payload = Buffer.from(JSON.stringify({ ...claims, size: 1 })).toString('base64url');
    assert.equal(verifySlot(KEY, `${payload}.${mac}`, NOW), undefined);
  });

  it('refuses garbage, a truncated MAC and a genuine MAC over malformed claims', () => {
    const token = signSlot(KEY, claims);
    for (const bad of ['', 'abc', `${token}x`, token.slice(0, -2), token.split('.')[0]!]) {
      assert.equal(verifySlot(KEY, bad, NOW), undefined, bad);
    }
    // Signed with the right key but not the right shape: still refused.
    const odd = signSlot(KEY, { ...claims, size: -1 });
    assert.equal(verifySlot(KEY, odd, NOW), undefined);
  });
});

describe('the slot key file', () => {
  it('is created 0600 with 32 bytes, then reused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-key-'));
    try {
      const first = await loadSlotKey(dir);
      assert.equal(first.length, 32);
      assert.equal(statSync(join(dir, 'http_upload.key')).mode & 0o777, 0o600);
      assert.deepEqual(await loadSlotKey(dir), first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key file of the wrong length, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-key-'));
    try {
      writeFileSync(join(dir, 'http_upload.key'), 'short');
      await assert.rejects(loadSlotKey(dir), /http_upload\.key holds 5 bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
