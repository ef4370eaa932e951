// The DNS step reads SRV records as connect() does (endpoints.ts): none is fine (the domain on
// 5222), a _xmpps-client record makes direct TLS expected, a "." target is a clear failure.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Jid } from '@ferry/protocol/jid';
import { dnsCheck } from '../../../../src/cli/doctor/network-checks.js';
import type { ClientDoctorState } from '../../../../src/cli/doctor/client-state.js';
import type { SrvRecord } from '@ferry/client/internal/endpoints';

function state(records: Record<string, SrvRecord[]>, domain = '192.0.2.10'): ClientDoctorState {
  return {
    jid: Jid.parse(`alice@${domain}`),
    password: 'x',
    passwordFrom: '--password',
    flags: { host: undefined, port: undefined, directTlsPort: undefined, caFile: undefined },
    trust: { insecure: false, ca: undefined },
    timeoutMs: 1_000,
    tag: 'test',
    resolveSrv: async (name) => {
      const found = records[name];
      if (!found) throw Object.assign(new Error(`querySrv ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return found;
    },
  };
}

const srv = (name: string, port: number): SrvRecord => ({ name, port, priority: 10, weight: 5 });
const signal = new AbortController().signal;

describe('dns check', () => {
  it('says "no SRV" and uses the domain on 5222; direct TLS is optional', async () => {
    const s = state({});
    const verdict = await dnsCheck.run(s, signal);
    assert.deepEqual(verdict, { status: 'ok', detail: 'no SRV; using 192.0.2.10:5222; 192.0.2.10 is an address' });
    assert.deepEqual(s.c2s, { host: '192.0.2.10', port: 5222 });
    assert.equal(s.directTls?.isExpected, false);
  });

  it('follows SRV records, and expects direct TLS where _xmpps-client points', async () => {
    const s = state({
      '_xmpp-client._tcp.192.0.2.10': [srv('198.51.100.4.', 5322)],
      '_xmpps-client._tcp.192.0.2.10': [srv('198.51.100.4.', 5323)],
    });
    const verdict = await dnsCheck.run(s, signal);
    assert.equal(verdict?.status, 'ok');
    assert.match(
      verdict!.detail,
      /SRV _xmpp-client\._tcp → 198\.51\.100\.4:5322; SRV _xmpps-client\._tcp → 198\.51\.100\.4:5323/,
    );
    assert.deepEqual(s.c2s, { host: '198.51.100.4', port: 5322 });
    assert.deepEqual(s.directTls, { host: '198.51.100.4', port: 5323, isExpected: true, why: 'SRV' });
  });

  it('fails when the SRV target is "." (no service at this domain)', async () => {
    const verdict = await dnsCheck.run(state({ '_xmpp-client._tcp.192.0.2.10': [srv('.', 0)] }), signal);
    assert.equal(verdict?.status, 'fail');
    assert.match(verdict!.fix!, /_xmpp-client\._tcp\.192\.0\.2\.10/);
  });
});
