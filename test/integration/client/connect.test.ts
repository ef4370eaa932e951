// connect(): every failure is a coded TransferError, nothing is left running after it, and TLS
// trust (insecure, caFile) belongs to that one connection, never to the process.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import https from 'node:https';
import tls from 'node:tls';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';
import { connect, type ConnectOptions } from '@ferry/client/internal/connection';
import type { SrvRecord } from '@ferry/client/internal/endpoints';
import { startTestServer, PASSWORD, type TestServer } from '../../helpers/server.js';

const originalTlsConnect = tls.connect;

describe('connect()', () => {
  let ferry: TestServer;
  const escaped: unknown[] = [];
  const trap = (error: unknown) => escaped.push(error);
  before(async () => {
    process.on('uncaughtException', trap);
    process.on('unhandledRejection', trap);
    // WebSocket on the plain HTTP port, for a loopback ws:// login.
    ferry = await startTestServer({ 'http.require_tls': false });
    await ferry.addUser('alice');
  });
  after(async () => {
    await ferry.stop();
    process.off('uncaughtException', trap);
    process.off('unhandledRejection', trap);
    assert.deepEqual(escaped, [], 'nothing escaped as an uncaught exception or unhandled rejection');
  });

  const base = (): ConnectOptions => ({ jid: 'alice@localhost/test', password: PASSWORD });

  /** Rejects with `code`, and afterwards the process holds exactly the resources it held before. */
  async function rejectsCleanly(options: ConnectOptions, code: string, message?: RegExp) {
    await tick();
    const before = process.getActiveResourcesInfo();
    await assert.rejects(connect(options), (error: Error & { code?: string }) => {
      assert.equal(error.name, 'TransferError');
      assert.equal(error.code, code, error.message);
      if (message) assert.match(error.message, message);
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    });
    // The server's side of the socket may take a moment to notice the close and drop its timers.
    for (let i = 0; i < 50 && added(before, process.getActiveResourcesInfo()).length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10).unref());
    }
    assert.deepEqual(added(before, process.getActiveResourcesInfo()), [], 'no socket or timer left behind');
  }

  /** What `after` holds beyond `before`, by resource type (others' resources may have ended meanwhile). */
  function added(before: string[], after: string[]): string[] {
    const left = [...before];
    return after.filter((type) => {
      const index = left.indexOf(type);
      if (index < 0) return true;
      left.splice(index, 1);
      return false;
    });
  }

  async function closedPort(): Promise<number> {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('rejects FERRY_ERR_CONNECTION_REFUSED when nothing listens, without crashing the host', async () => {
    await rejectsCleanly(
      { ...base(), host: '127.0.0.1', port: await closedPort() },
      'FERRY_ERR_CONNECTION_REFUSED',
      /refused/,
    );
  });

  it('rejects FERRY_ERR_CA_FILE naming a caFile it cannot read, before connecting', async () => {
    await rejectsCleanly(
      { ...base(), host: '127.0.0.1', port: await closedPort(), caFile: '/nonexistent/ca.pem' },
      'FERRY_ERR_CA_FILE',
      /cannot read the CA file \/nonexistent\/ca\.pem \(ENOENT\)/,
    );
  });

  it('rejects FERRY_ERR_CONNECT_TIMEOUT after timeoutMs when the server never answers', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // reads, so that it sees the client close
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const started = Date.now();
    await assert.rejects(
      connect({ ...base(), host: '127.0.0.1', port, timeoutMs: 300 }),
      (error: { code?: string }) => error.code === 'FERRY_ERR_CONNECT_TIMEOUT',
    );
    assert.ok(Date.now() - started < 2_000);
    for (let i = 0; i < 20 && sockets.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(sockets.size, 0, 'the socket was closed');
    await new Promise((resolve) => silent.close(resolve));
  });

  it('rejects FERRY_ERR_NOT_XMPP when an HTTP port answers', async () => {
    await rejectsCleanly({ ...base(), host: '127.0.0.1', port: ferry.ports.http }, 'FERRY_ERR_NOT_XMPP', /XMPP/);
  });

  it('rejects FERRY_ERR_TLS_UNTRUSTED after STARTTLS with a self-signed certificate, naming insecure and caFile', async () => {
    await assert.rejects(
      connect({ ...base(), host: '127.0.0.1', port: ferry.ports.c2s }),
      (error: { code?: string; message: string }) =>
        error.code === 'FERRY_ERR_TLS_UNTRUSTED' && /caFile.*insecure/.test(error.message),
    );
  });

  it('rejects FERRY_ERR_TLS_UNTRUSTED over direct TLS, leaving nothing behind', async () => {
    // Its own TLS listener: the Ferry server keeps a pre-auth timer for a failed handshake a while.
    const tlsDir = join(ferry.dataDir, 'tls');
    const server = tls.createServer({
      cert: readFileSync(join(tlsDir, 'localhost.crt')),
      key: readFileSync(join(tlsDir, 'localhost.key')),
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await rejectsCleanly({ ...base(), service: `xmpps://127.0.0.1:${port}` }, 'FERRY_ERR_TLS_UNTRUSTED', /caFile/);
    await new Promise((resolve) => server.close(resolve));
  });

  it('rejects FERRY_ERR_AUTH for a wrong password', async () => {
    await rejectsCleanly(
      { ...base(), password: 'wrong', host: '127.0.0.1', port: ferry.ports.c2s, insecure: true },
      'FERRY_ERR_AUTH',
      /alice@localhost/,
    );
  });

  it('rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('changed my mind'));
    await assert.rejects(
      connect({ ...base(), host: '127.0.0.1', port: ferry.ports.c2s, insecure: true, signal: controller.signal }),
      /changed my mind/,
    );
  });

  /** The process's other TLS still checks certificates: Ferry's own HTTPS port is self-signed. */
  async function httpsStillChecks() {
    assert.equal(tls.connect, originalTlsConnect, 'tls.connect is not patched');
    const error = await new Promise<Error & { code?: string }>((resolve, reject) => {
      https
        .get(`https://127.0.0.1:${ferry.ports.https}/`, (response) => {
          response.resume();
          reject(new Error(`HTTPS succeeded with status ${response.statusCode}`));
        })
        .on('error', resolve);
    });
    assert.match(error.code ?? '', /SELF_SIGNED|UNABLE_TO_VERIFY/);
  }

  it('insecure: true logs in, and other HTTPS in the process still rejects a self-signed certificate', async () => {
    const connection = await connect({ ...base(), host: '127.0.0.1', port: ferry.ports.c2s, insecure: true });
    assert.equal(connection.jid.toString(), 'alice@localhost/test');
    await httpsStillChecks();
    await connection.stop();
    await httpsStillChecks();
  });

  it('caFile logs in, and other HTTPS in the process still rejects a self-signed certificate', async () => {
    const caFile = join(ferry.dataDir, 'tls', 'localhost.crt');
    const connection = await connect({ ...base(), host: '127.0.0.1', port: ferry.ports.c2s, caFile });
    await httpsStillChecks();
    await connection.stop();
  });

  it('logs in over direct TLS (xmpps://)', async () => {
    const connection = await connect({
      ...base(),
      service: `xmpps://127.0.0.1:${ferry.ports.directTls}`,
      insecure: true,
    });
    assert.equal(connection.jid.toString(), 'alice@localhost/test');
    await connection.stop();
  });

  it('logs in over WebSocket (RFC 7395) on the HTTP port', async () => {
    const connection = await connect({ ...base(), service: `ws://127.0.0.1:${ferry.ports.http}/xmpp-websocket` });
    assert.equal(connection.jid.toString(), 'alice@localhost/test');
    assert.equal(connection.localAddress, undefined);
    await connection.stop();
  });

  it('logs in over secure WebSocket with caFile', async () => {
    const connection = await connect({
      ...base(),
      service: `wss://localhost:${ferry.ports.https}/xmpp-websocket`,
      caFile: join(ferry.dataDir, 'tls', 'localhost.crt'),
    });
    await connection.stop();
    await httpsStillChecks();
  });

  it('rejects FERRY_ERR_NOT_XMPP for a WebSocket path that is not XMPP', async () => {
    await rejectsCleanly(
      { ...base(), service: `ws://127.0.0.1:${ferry.ports.http}/nothing-here` },
      'FERRY_ERR_NOT_XMPP',
    );
  });

  it('follows SRV records in priority order, skipping an endpoint that refuses', async () => {
    const asked: string[] = [];
    const refused = await closedPort();
    const records: Record<string, SrvRecord[]> = {
      '_xmpps-client._tcp.localhost': [
        { name: '127.0.0.1', port: refused, priority: 0, weight: 0 },
        { name: '127.0.0.1', port: ferry.ports.directTls, priority: 10, weight: 0 },
      ],
      '_xmpp-client._tcp.localhost': [{ name: '127.0.0.1', port: ferry.ports.c2s, priority: 20, weight: 0 }],
    };
    const connection = await connect({
      ...base(),
      insecure: true,
      resolveSrv: async (name) => {
        asked.push(name);
        return records[name] ?? [];
      },
    });
    assert.deepEqual(asked.sort(), ['_xmpp-client._tcp.localhost', '_xmpps-client._tcp.localhost']);
    await connection.stop();
  });

  it('reports the most telling failure when every SRV endpoint fails', async () => {
    await assert.rejects(
      connect({
        ...base(),
        resolveSrv: async (name) =>
          name.startsWith('_xmpp-client')
            ? [{ name: '127.0.0.1', port: ferry.ports.c2s, priority: 5, weight: 0 }]
            : [{ name: '127.0.0.1', port: await closedPort(), priority: 0, weight: 0 }],
      }),
      (error: { code?: string }) => error.code === 'FERRY_ERR_TLS_UNTRUSTED',
    );
  });
});
