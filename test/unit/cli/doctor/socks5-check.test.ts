// The NAT trap from the client's side: a proxy advertising a private address to a client that
// reached the server on a public one fails at once, naming modules.proxy65.advertised_host and the
// port to forward — no connection is tried.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Jid } from '@ferry/protocol/jid';
import { socks5Check } from '../../../../src/cli/doctor/service-checks.js';
import type { ClientDoctorState } from '../../../../src/cli/doctor/client-state.js';

function state(advertised: string, reached: string): ClientDoctorState {
  return {
    jid: Jid.parse('alice@example.com'),
    password: 'x',
    passwordFrom: '--password',
    flags: { host: undefined, port: undefined, directTlsPort: undefined, caFile: undefined },
    trust: { insecure: false, ca: undefined },
    timeoutMs: 1_000,
    tag: 'test',
    c2s: { host: 'example.com', port: 5222 },
    serverAddress: reached,
    proxy: { jid: 'proxy.example.com', host: advertised, port: 7777 },
  };
}

describe('socks5 proxy check', () => {
  it('fails a private advertised address when the server was reached on a public one', async () => {
    const verdict = await socks5Check.run(state('10.0.0.5', '203.0.113.7'), new AbortController().signal);
    assert.deepEqual(verdict, {
      status: 'fail',
      detail: 'advertised 10.0.0.5 is a private address, but you reached the server at 203.0.113.7',
      fix: 'set modules.proxy65.advertised_host to the public address and forward port 7777',
    });
  });

  it('fails a loopback advertised address the same way', async () => {
    const verdict = await socks5Check.run(state('127.0.0.1', '203.0.113.7'), new AbortController().signal);
    assert.equal(verdict?.status, 'fail');
    assert.match(verdict!.detail, /^advertised 127\.0\.0\.1 is a loopback address/);
  });
});
