// modules.proxy65.acl as a pure decision: the integration suite shows the same decision on the wire.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Jid } from '../../../../../src/protocol/jid.js';
import { isAllowed } from '../../../../../src/server/modules/proxy65/acl.js';

describe('proxy65 ACL', () => {
  it("'local' admits accounts of the server's own domain only", () => {
    assert.equal(isAllowed('local', 'example.org', Jid.parse('alice@example.org/laptop')), true);
    assert.equal(isAllowed('local', 'example.org', Jid.parse('mallory@elsewhere.example/x')), false);
    // A subdomain is another service, not this server's account.
    assert.equal(isAllowed('local', 'example.org', Jid.parse('eve@sub.example.org/x')), false);
  });

  it("'any' admits every JID", () => {
    assert.equal(isAllowed('any', 'example.org', Jid.parse('mallory@elsewhere.example/x')), true);
  });
});
