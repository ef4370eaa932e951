// The direct SOCKS5 streamhost listens where our XMPP traffic leaves from.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wrapClient } from '@ferry/client/internal/connection';
import type { Client } from '@xmpp/client';

function fakeClient(localAddress: string | undefined): Client {
  return {
    jid: { toString: () => 'alice@localhost/a' },
    socket: { socket: { localAddress } },
    reconnect: { stop() {} },
    on() {
      return this;
    },
  } as unknown as Client;
}

describe('XmppConnection.localAddress', () => {
  it('reads the local address of the socket under xmpp.js', () => {
    assert.equal(wrapClient(fakeClient('192.0.2.10')).localAddress, '192.0.2.10');
  });

  it('advertises an IPv4-mapped address in IPv4 form', () => {
    assert.equal(wrapClient(fakeClient('::ffff:192.0.2.10')).localAddress, '192.0.2.10');
  });

  it('is undefined without a socket', () => {
    assert.equal(wrapClient(fakeClient(undefined)).localAddress, undefined);
  });
});
