// The HTTP service over real loopback HTTP and HTTPS: a test module registers routes the way HTTP
// upload and the admin console will, and a client checks routing, streaming, limits and the log.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { defineModule } from '../../src/server/core/module.js';
import type { HttpService } from '../../src/server/transport/http/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** A logger writing parsed JSON lines to an array, with a wait for the next matching line. */
function capturingLogger() {
  const lines: LogLine[] = [];
  const written = new EventEmitter();
  const logger = pino(
    { level: 'info', base: undefined },
    {
      write(text: string) {
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        written.emit('line', line);
      },
    },
  );
  const waitFor = async (match: (line: LogLine) => boolean, timeoutMs = 5_000): Promise<LogLine> => {
    const found = lines.find(match);
    if (found) return found;
    const signal = AbortSignal.timeout(timeoutMs);
    for (;;) {
      const [line] = (await once(written, 'line', { signal })) as [LogLine];
      if (match(line)) return line;
    }
  };
  return { logger, lines, waitFor };
}

let moduleHttp: HttpService | undefined;

const routesModule = defineModule({
  name: 'http-routes-test',
  spec: { rfc: 9110, status: 'complete' },
  setup(ctx) {
    moduleHttp = ctx.http;
    // Streams the body straight back: nothing is buffered on either side.
    ctx.http.route({
      method: 'PUT',
      prefix: '/echo/',
      maxBodyBytes: 16 * 1024 * 1024,
      handler: async (request, response) => {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        await pipeline(request.body, response);
      },
    });
    ctx.http.route({
      method: ['PUT', 'POST'],
      prefix: '/small',
      maxBodyBytes: 1024,
      handler: async (request, response) => {
        let bytes = 0;
        for await (const chunk of request.body) bytes += (chunk as Buffer).length;
        response.writeHead(200).end(`got ${bytes}\n`);
      },
    });
    ctx.http.route({
      method: 'PUT',
      prefix: '/early/',
      maxBodyBytes: 1024,
      handler: async (request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('started\n');
        for await (const chunk of request.body) response.write(`${(chunk as Buffer).length}\n`);
        response.end();
      },
    });
    ctx.http.route({
      method: 'GET',
      prefix: '/files/',
      handler: (request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }).end('hello');
        assert.ok(request.method === 'GET' || request.method === 'HEAD');
      },
    });
    ctx.http.route({
      method: 'GET',
      prefix: '/files/deep/',
      handler: (request, response) => {
        response.end(JSON.stringify({ prefix: request.prefix, segments: request.segments }));
      },
    });
    ctx.http.route({
      method: 'GET',
      prefix: '/secure/',
      secureOnly: true,
      handler: (request, response) => {
        response.end(`secure ${request.listener}\n`);
      },
    });
    ctx.http.route({
      method: 'GET',
      prefix: '/boom/',
      handler: () => {
        throw new Error('secret detail that must not leak');
      },
    });
    ctx.http.route({
      method: 'GET',
      prefix: '/reject/',
      handler: () => Promise.reject(new Error('async secret')),
    });
  },
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Send {
  listener?: 'http' | 'https';
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  /** Written with Content-Length unless the headers say otherwise; an iterable goes chunked. */
  body?: Buffer | AsyncIterable<Buffer>;
  /** Only send the headers (a Content-Length the body will never match). */
  headersOnly?: boolean;
}

describe('HTTP service for modules', () => {
  let ferry: TestServer;
  const log = capturingLogger();

  const send = (options: Send): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const isSecure = options.listener === 'https';
      const make = isSecure ? httpsRequest : httpRequest;
      const headers: Record<string, string | number> = { ...options.headers };
      if (Buffer.isBuffer(options.body)) headers['content-length'] ??= options.body.length;
      const request = make({
        host: '127.0.0.1',
        port: isSecure ? ferry.ports.https : ferry.ports.http,
        method: options.method ?? 'GET',
        path: options.path,
        headers,
        agent: false,
        // Self-signed test certificate: trusted for this request only, never globally.
        ...(isSecure ? { rejectUnauthorized: false } : {}),
      });
      let isAnswered = false;
      request.on('response', (response) => {
        isAnswered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
          request.destroy();
        });
        response.on('error', reject);
      });
      // After the answer, a write the server no longer reads may fail (EPIPE, reset): that is the point.
      request.on('error', (error) => {
        if (!isAnswered) reject(error);
      });
      const body = options.body;
      if (options.headersOnly) request.flushHeaders();
      else if (body === undefined) request.end();
      else if (Buffer.isBuffer(body)) request.end(body);
      else
        void (async () => {
          for await (const chunk of body) {
            if (request.destroyed) return;
            if (!request.write(chunk)) await once(request, 'drain');
          }
          request.end();
        })().catch(() => undefined);
    });

  before(async () => {
    ferry = await startTestServer({}, { logger: log.logger, extraModules: [routesModule] });
  });
  after(async () => {
    await ferry?.stop();
  });

  it('streams a PUT of 4 MiB through the handler and back, byte for byte', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    async function* chunks() {
      for (let offset = 0; offset < data.length; offset += 256 * 1024) yield data.subarray(offset, offset + 256 * 1024);
    }
    for (const [listener, body] of [
      ['http', data],
      ['https', chunks()],
    ] as const) {
      const reply = await send({ listener, method: 'PUT', path: '/echo/file.bin', body });
      assert.equal(reply.status, 200, listener);
      assert.equal(
        createHash('sha256').update(reply.body).digest('hex'),
        createHash('sha256').update(data).digest('hex'),
        `${listener}: same bytes back`,
      );
    }
  });

  it('answers 404 where no prefix matches, on whole segments only', async () => {
    assert.equal((await send({ path: '/nothing/here' })).status, 404);
    assert.equal((await send({ path: '/filesystem' })).status, 404, '/files/ does not match /filesystem');
    assert.equal((await send({ path: '/' })).status, 404);
  });

  it('lets the longest prefix win and hands the handler the decoded segments after it', async () => {
    const deep = await send({ path: '/files/deep/a%20b/c.txt?x=1' });
    assert.deepEqual(JSON.parse(deep.body.toString()), { prefix: '/files/deep', segments: ['a b', 'c.txt'] });
    assert.equal((await send({ path: '/files/deeper' })).body.toString(), 'hello');
    assert.equal((await send({ path: '/files' })).body.toString(), 'hello');
  });

  it('answers 405 with Allow for a method the prefix does not take (HEAD implied by GET)', async () => {
    const reply = await send({ method: 'PUT', path: '/files/a.txt', body: Buffer.from('x') });
    assert.equal(reply.status, 405);
    assert.equal(reply.headers.allow, 'GET, HEAD');
    const small = await send({ method: 'DELETE', path: '/small' });
    assert.equal(small.status, 405);
    assert.equal(small.headers.allow, 'POST, PUT');
  });

  it('answers HEAD through the GET route, with its headers and no body', async () => {
    const reply = await send({ method: 'HEAD', path: '/files/a.txt' });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-length'], '5');
    assert.equal(reply.body.length, 0);
  });

  it('refuses dot segments with 400 rather than resolving them', async () => {
    assert.equal((await send({ path: '/files/../secure/x' })).status, 400);
    assert.equal((await send({ path: '/files/%2e%2e/secure/x' })).status, 400);
  });

  it('answers 413 before the handler runs when Content-Length exceeds maxBodyBytes', async () => {
    const reply = await send({
      method: 'PUT',
      path: '/small',
      headers: { 'content-length': 1_000_000 },
      headersOnly: true,
    });
    assert.equal(reply.status, 413);
    assert.equal(reply.headers.connection, 'close');
    assert.equal(reply.body.toString(), 'payload too large\n');
    // Within the limit the handler reads it all.
    const fits = await send({ method: 'POST', path: '/small', body: Buffer.alloc(1024) });
    assert.equal(fits.body.toString(), 'got 1024\n');
  });

  it('cuts a chunked body off with 413 once it grows past maxBodyBytes', async () => {
    async function* slowly() {
      for (let i = 0; i < 50; i++) {
        yield Buffer.alloc(300, 0x61);
        await sleep(5);
      }
    }
    const reply = await send({ method: 'PUT', path: '/small', body: slowly() });
    assert.equal(reply.status, 413);
    // A chunked body within the limit passes.
    async function* briefly() {
      yield Buffer.alloc(500);
      yield Buffer.alloc(500);
    }
    assert.equal((await send({ method: 'PUT', path: '/small', body: briefly() })).body.toString(), 'got 1000\n');
  });

  it('resets the connection when the body outgrows its limit after the response has begun', async () => {
    async function* slowly() {
      for (let i = 0; i < 50; i++) {
        yield Buffer.alloc(300, 0x61);
        await sleep(5);
      }
    }
    // The handler has sent 200 and part of its body: too late for a 413, so the client must not
    // take what it got for a complete answer.
    await assert.rejects(
      send({ method: 'PUT', path: '/early/x', body: slowly() }),
      /aborted|ECONNRESET|socket hang up/,
    );
  });

  it('holds a GET route to no body: a declared one is answered 413 before the handler', async () => {
    const declared = await send({ path: '/files/a.txt', headers: { 'content-length': 10 }, headersOnly: true });
    assert.equal(declared.status, 413);
  });

  it('answers secure-only routes on HTTPS and 403 on plain HTTP', async () => {
    const plain = await send({ path: '/secure/x' });
    assert.equal(plain.status, 403);
    const secure = await send({ listener: 'https', path: '/secure/x' });
    assert.equal(secure.status, 200);
    assert.equal(secure.body.toString(), 'secure https\n');
  });

  it('turns a throwing or rejecting handler into a generic 500, logged with the route prefix', async () => {
    for (const prefix of ['/boom', '/reject']) {
      const reply = await send({ path: `${prefix}/x` });
      assert.equal(reply.status, 500);
      assert.equal(reply.body.toString(), 'internal server error\n');
      const line = await log.waitFor((entry) => entry.msg === 'HTTP handler failed' && entry.prefix === prefix);
      assert.equal(line.level, 50, 'error level');
      assert.equal(line.module, 'http-routes-test');
    }
    // The server still serves.
    assert.equal((await send({ path: '/files/a' })).status, 200);
  });

  it('writes one access-log line per request: method, path without query, status, bytes, duration, address, listener', async () => {
    await send({ listener: 'https', path: '/files/logged.txt?token=secret' });
    const line = await log.waitFor((entry) => entry.msg === 'http request' && entry.path === '/files/logged.txt');
    assert.equal(line.level, 30, 'info level');
    assert.deepEqual(
      {
        method: line.method,
        status: line.status,
        bytes: line.bytes,
        remote: line.remoteAddress,
        listener: line.listener,
      },
      { method: 'GET', status: 200, bytes: 5, remote: '127.0.0.1', listener: 'https' },
    );
    assert.equal(typeof line.durationMs, 'number');
    assert.ok(!JSON.stringify(log.lines).includes('token=secret'), 'the query string is never logged');
    await send({ path: '/nothing' });
    const missing = await log.waitFor((entry) => entry.msg === 'http request' && entry.path === '/nothing');
    assert.equal(missing.status, 404);
    assert.equal(missing.listener, 'http');
  });

  it('logs a request whose client went away mid-body as aborted', async () => {
    const request = httpRequest({
      host: '127.0.0.1',
      port: ferry.ports.http,
      method: 'PUT',
      path: '/echo/aborted',
      headers: { 'content-length': 1_000_000 },
      agent: false,
    });
    request.on('error', () => undefined);
    request.write(Buffer.alloc(1000));
    await sleep(50);
    request.destroy();
    const line = await log.waitFor((entry) => entry.msg === 'http request' && entry.path === '/echo/aborted');
    assert.equal(line.aborted, true);
  });

  it("builds public URLs on the HTTPS listener's real port", () => {
    assert.equal(moduleHttp?.publicUrl('/upload/a/b.txt'), `https://localhost:${ferry.ports.https}/upload/a/b.txt`);
    assert.equal(ferry.server.http.publicUrl('upload/x'), `https://localhost:${ferry.ports.https}/upload/x`);
  });
});

describe('HTTP public URLs with http.public_url', () => {
  it('puts links under the configured base, one slash between base and path', async () => {
    const ferry = await startTestServer({ 'http.public_url': 'https://files.example.org/xmpp/' });
    try {
      assert.equal(ferry.server.http.publicUrl('/upload/a.txt'), 'https://files.example.org/xmpp/upload/a.txt');
      assert.equal(ferry.server.http.publicUrl('upload/a.txt'), 'https://files.example.org/xmpp/upload/a.txt');
    } finally {
      await ferry.stop();
    }
  });
});
