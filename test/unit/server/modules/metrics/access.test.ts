// [modules.metrics]: the defaults (off, loopback only, no token), what start-up refuses, and who
// the allow list and the token let in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import metrics from '../../../../../src/server/modules/metrics/index.js';
import { metricsAccess } from '../../../../../src/server/modules/metrics/access.js';

const schema = metrics.options!;
const TOKEN = 'sixteen-or-more-characters';

describe('metrics options', () => {
  it('is off by default, and then allows loopback only, without a token, at /metrics', () => {
    assert.equal(metrics.enabledByDefault, false);
    assert.deepEqual(schema.parse({}), { allow: ['127.0.0.1', '::1'], path: '/metrics' });
  });

  it('takes addresses and CIDR ranges, as a list or a comma-separated string', () => {
    assert.deepEqual(schema.parse({ allow: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] }).allow, [
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.0.2.7',
    ]);
    assert.deepEqual(schema.parse({ allow: '127.0.0.1, 10.0.0.0/8' }).allow, ['127.0.0.1', '10.0.0.0/8']);
  });

  it('refuses host names, bad prefix lengths, a short token, a relative path and unknown keys', () => {
    for (const bad of [
      { allow: ['prometheus.example'] },
      { allow: ['10.0.0.0/33'] },
      { allow: ['::/129'] },
      { allow: ['10.0.0.0/8/8'] },
      { token: 'short' },
      { path: 'metrics' },
      { alow: ['127.0.0.1'] },
    ]) {
      assert.equal(schema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });
});

describe('metrics access', () => {
  it('allows listed addresses and ranges, IPv4-mapped IPv6 included, and nothing else', () => {
    const access = metricsAccess(['127.0.0.1', '::1', '10.1.0.0/16'], undefined);
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.200.3', '::ffff:10.1.0.9']) {
      assert.equal(access.isAllowed(address, {}), true, address);
    }
    for (const address of ['127.0.0.2', '10.2.0.1', '::2', '2001:db8::1', 'unknown', '']) {
      assert.equal(access.isAllowed(address, {}), false, address);
    }
  });

  it('with a token, wants both an allowed address and "Authorization: Bearer <token>"', () => {
    const access = metricsAccess(['0.0.0.0/0'], TOKEN);
    assert.equal(access.isAllowed('198.51.100.4', { authorization: `Bearer ${TOKEN}` }), true);
    assert.equal(access.isAllowed('198.51.100.4', { authorization: `bearer  ${TOKEN}` }), true);
    assert.equal(access.isAllowed('198.51.100.4', {}), false);
    assert.equal(access.isAllowed('198.51.100.4', { authorization: `Bearer ${TOKEN.slice(1)}` }), false);
    assert.equal(access.isAllowed('198.51.100.4', { authorization: TOKEN }), false);
    assert.equal(access.isAllowed('::1', { authorization: `Bearer ${TOKEN}` }), false); // ::1 not allowed
  });
});
