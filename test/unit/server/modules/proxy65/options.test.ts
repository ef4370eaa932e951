// [modules.proxy65] options: the defaults a zero-config server runs with, and what start-up refuses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import proxy65 from '../../../../../src/server/modules/proxy65/index.js';

const schema = proxy65.options!;

describe('proxy65 options', () => {
  it('defaults to port 7777, local accounts only, one-minute activation, no bandwidth limit, switched on', () => {
    assert.deepEqual(schema.parse({}), {
      name: 'SOCKS5 Bytestreams Proxy',
      host: '127.0.0.1',
      port: 7777,
      acl: 'local',
      activation_timeout_seconds: 60,
      handshake_timeout_seconds: 10,
      max_pending_per_address: 20,
      max_pending_total: 1_000,
      bandwidth_bytes_per_second: 0,
      active: true,
    });
  });

  it('takes one advertised host (Openfire: xmpp.proxy.externalip) and port', () => {
    const parsed = schema.parse({ advertised_host: '203.0.113.7', advertised_port: 7778 });
    assert.equal(parsed.advertised_host, '203.0.113.7');
    assert.equal(parsed.advertised_port, 7778);
  });

  it('takes an acl list of JIDs and domains besides local and any', () => {
    assert.deepEqual(schema.parse({ acl: ['partner.example', 'bob@elsewhere.example'] }).acl, [
      'partner.example',
      'bob@elsewhere.example',
    ]);
    assert.equal(schema.parse({ acl: 'any' }).acl, 'any');
  });

  it('refuses a list of advertised hosts, an unknown ACL, a JID that is not a domain, and unknown keys', () => {
    for (const bad of [
      { advertised_host: ['192.0.2.1', '192.0.2.2'] },
      { acl: 'everyone' },
      { acl: [] },
      { acl: ['not a@jid@'] },
      { jid: 'proxy@example.org' },
      { port: 70000 },
      { bandwidth_bytes_per_second: -1 },
      { activation_timeout_seconds: 0 },
      { externalip: '192.0.2.1' },
    ]) {
      assert.equal(schema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });
});
