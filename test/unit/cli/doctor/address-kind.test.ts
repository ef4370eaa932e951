// Which advertised addresses are the NAT trap: loopback and private ones, in IPv4 and IPv6.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressKind, isInternal } from '../../../../src/cli/doctor/address-kind.js';

describe('addressKind', () => {
  const cases: [string, ReturnType<typeof addressKind>][] = [
    ['127.0.0.1', 'loopback'],
    ['127.0.0.2', 'loopback'],
    ['::1', 'loopback'],
    ['localhost', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.20.1.1', 'private'],
    ['192.168.1.10', 'private'],
    ['100.64.3.4', 'private'],
    ['fd00::1', 'private'],
    ['fe80::1', 'private'],
    ['203.0.113.7', 'public'],
    ['172.32.0.1', 'public'],
    ['2001:db8::1', 'public'],
    ['0.0.0.0', 'wildcard'],
    ['::', 'wildcard'],
    ['proxy.example.com', 'name'],
  ];
  for (const [address, kind] of cases) {
    it(`${address} is ${kind}`, () => assert.equal(addressKind(address), kind));
  }

  it('counts loopback and private as internal, public and names as not', () => {
    assert.equal(isInternal('10.0.0.5'), true);
    assert.equal(isInternal('127.0.0.1'), true);
    assert.equal(isInternal('203.0.113.7'), false);
    assert.equal(isInternal('proxy.example.com'), false);
  });
});
