// Timeouts on the HTTP listeners: headers that never finish, an upload body that stops moving,
// and a slow upload that keeps moving (never cut off, however long it takes in all).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { NS } from '@ferry/protocol/namespaces';
import { https, iqGet, readSlot } from '../helpers/http-upload-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type TestClient } from '../helpers/xmpp-client.js';

describe('HTTP timeouts', () => {
  let server: TestServer;
  let alice: TestClient;
  before(async () => {
    server = await startTestServer({ 'limits.http_headers_timeout_seconds': 1, 'limits.http_idle_timeout_seconds': 2 });
    await server.addUser('alice');
    alice = await connectClient({ port: server.ports.c2s, username: 'alice' });
  });
  after(async () => {
    await alice?.stop();
    await server?.stop();
  });

  /** A TLS connection to the HTTPS listener that collects what the server sends until it closes. */
  async function rawHttps(): Promise<{ write(data: string | Buffer): void; closed: Promise<string> }> {
    const socket = connect({ host: '127.0.0.1', port: server.ports.https, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
    const guard = setTimeout(() => socket.destroy(new Error('still open after 20 s')), 20_000);
    void closed.then(() => clearTimeout(guard));
    return { write: (data) => void socket.write(data), closed };
  }

  async function slot(name: string, size: number) {
    return readSlot(
      await iqGet(alice, 'upload.localhost', xml('request', { xmlns: NS.HTTP_UPLOAD, filename: name, size })),
    );
  }

  it('closes a request whose headers never finish with 408', async () => {
    const raw = await rawHttps();
    raw.write('GET /upload/x HTTP/1.1\r\nHost: localhost\r\n'); // no blank line: the headers go on forever
    const answer = await raw.closed;
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });

  it('closes an upload whose body stops moving, and stores nothing', async () => {
    const size = 100_000;
    const { putUrl, getUrl, authorization } = await slot('stalled.bin', size);
    const raw = await rawHttps();
    const path = new URL(putUrl).pathname;
    raw.write(
      `PUT ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\nContent-Length: ${size}\r\n\r\n`,
    );
    raw.write(randomBytes(1_000));
    await raw.closed; // nothing more is sent: the idle timeout ends it
    assert.equal((await https(getUrl, { method: 'GET' })).status, 404);
  });

  it('keeps a slow upload that keeps moving, for longer than the idle timeout in all', async () => {
    const chunks = 8;
    const chunk = 10_000;
    const { putUrl, getUrl, authorization } = await slot('slow.bin', chunks * chunk);
    const raw = await rawHttps();
    const path = new URL(putUrl).pathname;
    raw.write(
      `PUT ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\nContent-Length: ${chunks * chunk}\r\nConnection: close\r\n\r\n`,
    );
    for (let i = 0; i < chunks; i++) {
      raw.write(randomBytes(chunk));
      await new Promise((resolve) => setTimeout(resolve, 400)); // 3.2 s in all, never 2 s idle
    }
    const answer = await raw.closed;
    assert.match(answer, /^HTTP\/1\.1 201 /);
    assert.equal((await https(getUrl, { method: 'HEAD' })).status, 200);
  });
});
