import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dstAddrHash } from '@ferry/protocol/socks5/hash';

describe('dstAddrHash (XEP-0065 §5.3.2: SHA1(SID + Requester JID + Target JID), hex)', () => {
  it('equals SHA-1 of the concatenation, lowercase hex', () => {
    const expected = createHash('sha1')
      .update('mySID' + 'requester@example.com/foo' + 'target@example.org/bar')
      .digest('hex');
    assert.equal(dstAddrHash('mySID', 'requester@example.com/foo', 'target@example.org/bar'), expected);
  });

  it('gives the known value for the mySID example', () => {
    // Derived once with `sha1sum` of "mySIDrequester@example.com/footarget@example.org/bar".
    assert.equal(
      dstAddrHash('mySID', 'requester@example.com/foo', 'target@example.org/bar'),
      '2e45ce941bf465393585e33be9ccff347e00b430',
    );
  });

  it("matches the dstaddr in XEP-0065 §7's example (the only hash the XEP prints)", () => {
    assert.equal(
      dstAddrHash('yia72g3v49j7', 'requester@example.com/foo', 'room@conference.example.net/Tget'),
      '416781edf1ae50bad01cb8509ba35b43952bc345',
    );
  });

  it('hashes non-ASCII JIDs as UTF-8', () => {
    const expected = createHash('sha1')
      .update(Buffer.from('s1' + 'jülïet@例え.jp/balcón' + 'romeo@example.net/🌹', 'utf8'))
      .digest('hex');
    assert.equal(dstAddrHash('s1', 'jülïet@例え.jp/balcón', 'romeo@example.net/🌹'), expected);
  });

  it('is 40 lowercase hex characters and depends on the order of the JIDs', () => {
    const forward = dstAddrHash('sid', 'a@x/1', 'b@y/2');
    assert.match(forward, /^[0-9a-f]{40}$/);
    assert.notEqual(forward, dstAddrHash('sid', 'b@y/2', 'a@x/1'));
  });
});
