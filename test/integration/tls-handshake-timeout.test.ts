// A client that opens a TLS handshake and never finishes it is dropped after
// limits.tls_handshake_timeout_seconds, on every port that speaks TLS: direct TLS, STARTTLS on
// the c2s port, and HTTPS (WebSocket and modules' routes).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BOUND_MS = 8_000;

/** Resolves with what the server sent once it closes the connection; fails after BOUND_MS. */
function closedByServer(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the connection after ${BOUND_MS} ms`));
    }, BOUND_MS);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

// The first bytes of a TLS 1.2 ClientHello record header, and no more.
const HALF_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);

describe('TLS handshake timeout', () => {
  let ferry: TestServer;
  before(async () => {
    // The pre-auth timeout is longer, so only the handshake timeout can close these.
    ferry = await startTestServer({ 'limits.tls_handshake_timeout_seconds': 0.5, 'limits.auth_timeout_seconds': 60 });
  });
  after(() => ferry.stop());

  it('drops half a ClientHello on the direct TLS port', async () => {
    const socket = await open(ferry.ports.directTls);
    socket.write(HALF_CLIENT_HELLO);
    await closedByServer(socket);
  });

  it('drops half a ClientHello on the HTTPS port', async () => {
    const socket = await open(ferry.ports.https);
    socket.write(HALF_CLIENT_HELLO);
    await closedByServer(socket);
  });

  it('drops a STARTTLS handshake that stalls after <proceed/>', async () => {
    const socket = await open(ferry.ports.c2s);
    const closed = closedByServer(socket);
    socket.write(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>",
    );
    await new Promise<void>((resolve) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (!text.includes('</stream:features>')) return;
        socket.off('data', onData);
        resolve();
      };
      socket.on('data', onData);
    });
    socket.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    socket.write(HALF_CLIENT_HELLO);
    const received = await closed;
    assert.match(received, /<proceed xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]\/>/);
  });
});
