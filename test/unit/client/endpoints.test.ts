// Where connect() dials: service URIs, SRV ordering (RFC 2782, XEP-0368) and the 5222 fallback.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { endpointOfService, resolveEndpoints, type SrvRecord } from '@ferry/client/internal/endpoints';
import { classifyDialError } from '@ferry/client/internal/connect-errors';

const fake = (records: Record<string, SrvRecord[]>) => async (name: string) => {
  const found = records[name];
  if (!found) throw Object.assign(new Error(`queryNotFound ${name}`), { code: 'ENOTFOUND' });
  return found;
};

describe('connect endpoints', () => {
  it('reads xmpp://, xmpps:// and ws(s):// services', () => {
    assert.deepEqual(endpointOfService('xmpp://example.org'), { kind: 'starttls', host: 'example.org', port: 5222 });
    assert.deepEqual(endpointOfService('xmpps://example.org:443'), {
      kind: 'direct-tls',
      host: 'example.org',
      port: 443,
    });
    assert.deepEqual(endpointOfService('wss://example.org/xmpp-websocket'), {
      kind: 'websocket',
      url: 'wss://example.org/xmpp-websocket',
    });
    assert.throws(() => endpointOfService('http://example.org'), /unsupported service/);
  });

  it('falls back to the domain on 5222 when there are no SRV records', async () => {
    assert.deepEqual(await resolveEndpoints('example.org', fake({})), [
      { kind: 'starttls', host: 'example.org', port: 5222 },
    ]);
  });

  it('merges direct TLS and STARTTLS records by priority', async () => {
    const endpoints = await resolveEndpoints(
      'example.org',
      fake({
        '_xmpps-client._tcp.example.org': [{ name: 'tls.example.org.', port: 443, priority: 10, weight: 0 }],
        '_xmpp-client._tcp.example.org': [
          { name: 'backup.example.org', port: 5222, priority: 20, weight: 0 },
          { name: 'xmpp.example.org', port: 5222, priority: 5, weight: 0 },
        ],
      }),
    );
    assert.deepEqual(endpoints, [
      { kind: 'starttls', host: 'xmpp.example.org', port: 5222 },
      { kind: 'direct-tls', host: 'tls.example.org', port: 443 },
      { kind: 'starttls', host: 'backup.example.org', port: 5222 },
    ]);
  });

  it('draws records of one priority by weight', async () => {
    const records = fake({
      '_xmpp-client._tcp.example.org': [
        { name: 'light.example.org', port: 5222, priority: 0, weight: 10 },
        { name: 'heavy.example.org', port: 5222, priority: 0, weight: 90 },
      ],
    });
    const hosts = async (random: number) =>
      (await resolveEndpoints('example.org', records, undefined, () => random)).map((e) =>
        e.kind === 'websocket' ? '' : e.host,
      );
    assert.deepEqual(await hosts(0.05), ['light.example.org', 'heavy.example.org']);
    assert.deepEqual(await hosts(0.5), ['heavy.example.org', 'light.example.org']);
  });

  it('drops a "." target (service decidedly not available)', async () => {
    const endpoints = await resolveEndpoints(
      'example.org',
      fake({ '_xmpp-client._tcp.example.org': [{ name: '.', port: 0, priority: 0, weight: 0 }] }),
    );
    assert.deepEqual(endpoints, []);
  });

  it('classifies socket errors with one-line messages', () => {
    const code = (error: object) => classifyDialError(Object.assign(new Error('x'), error), 'example.org:5222').code;
    assert.equal(code({ code: 'ENOTFOUND' }), 'FERRY_ERR_DNS');
    assert.equal(code({ code: 'EAI_AGAIN' }), 'FERRY_ERR_DNS');
    assert.equal(code({ code: 'ECONNREFUSED' }), 'FERRY_ERR_CONNECTION_REFUSED');
    assert.equal(code({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'FERRY_ERR_TLS_UNTRUSTED');
    assert.equal(code({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'FERRY_ERR_TLS_UNTRUSTED');
    assert.equal(code({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), 'FERRY_ERR_NOT_XMPP');
    assert.match(
      classifyDialError({ code: 'ENOTFOUND' }, 'nowhere.invalid:5222').message,
      /cannot resolve nowhere\.invalid/,
    );
  });
});
