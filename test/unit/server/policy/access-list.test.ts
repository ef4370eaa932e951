// Access lists as pure decisions: the proxy65 integration suite shows the same decision on the wire.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Jid } from '@ferry/protocol/jid';
import { accessList, accessRuleSchema } from '../../../../src/server/policy/index.js';

const allows = (rule: Parameters<typeof accessList>[0], jid: string) => accessList(rule, 'example.org')(Jid.parse(jid));

describe('access list', () => {
  it("'local' admits accounts of the server's own domain only", () => {
    assert.equal(allows('local', 'alice@example.org/laptop'), true);
    assert.equal(allows('local', 'mallory@elsewhere.example/x'), false);
    // A subdomain is another service, not this server's account.
    assert.equal(allows('local', 'eve@sub.example.org/x'), false);
  });

  it("'any' admits every JID", () => {
    assert.equal(allows('any', 'mallory@elsewhere.example/x'), true);
  });

  it('a domain entry admits every JID at that domain, not its subdomains', () => {
    const rule = ['partner.example'];
    assert.equal(allows(rule, 'bob@partner.example/phone'), true);
    assert.equal(allows(rule, 'partner.example'), true);
    assert.equal(allows(rule, 'bob@sub.partner.example/phone'), false);
    assert.equal(allows(rule, 'alice@example.org/laptop'), false);
  });

  it('a bare JID entry admits its full JIDs; a full JID entry only itself', () => {
    const rule = ['bob@partner.example', 'carol@other.example/desk'];
    assert.equal(allows(rule, 'bob@partner.example/phone'), true);
    assert.equal(allows(rule, 'bob@partner.example'), true);
    assert.equal(allows(rule, 'dave@partner.example/phone'), false);
    assert.equal(allows(rule, 'carol@other.example/desk'), true);
    assert.equal(allows(rule, 'carol@other.example/laptop'), false);
  });

  it('prepares entries like the router prepares JIDs (case, width)', () => {
    assert.equal(allows(['Bob@Partner.Example'], 'bob@partner.example/phone'), true);
  });

  it("the option schema takes 'local', 'any' or a non-empty list of JIDs, and refuses the rest", () => {
    assert.equal(accessRuleSchema.parse('local'), 'local');
    assert.deepEqual(accessRuleSchema.parse(['partner.example', 'bob@x.example']), [
      'partner.example',
      'bob@x.example',
    ]);
    for (const bad of ['everyone', [], ['@nobody'], [42], 'partner.example']) {
      assert.equal(accessRuleSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });
});
