// The download side of shared links, against a tiny node:https server (self-signed, trusted
// through the offer's TLS settings as a connection's caFile would be): verification by size and
// SHA-256, resume from NAME.part by Range, plain http refused, a stalled server timing out.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { Jid } from '@ferry/protocol/jid';
import { LinkOffer, type Link } from '@ferry/client/internal/upload/link-offer';
import { decodeLinkMessage } from '@ferry/client/internal/upload/link-offers';
import { HTTP_DEFAULTS, type HttpSettings } from '@ferry/client/internal/upload/http-request';
import type { Progress } from '@ferry/client/internal/progress';
import { parseXml } from '../../unit/protocol/payloads/fixtures.js';
import { tempDir } from '../../helpers/files.js';

const DATA = randomBytes(300_000 + 7);
const SHA256 = createHash('sha256').update(DATA).digest('hex');
const ALICE = Jid.parse('alice@example.com/phone');

describe('link offers: downloading a shared link', () => {
  let server: Server;
  let plain: ReturnType<typeof createHttpServer>;
  let base: string;
  let http: HttpSettings;
  const ranges: (string | undefined)[] = [];
  const files = tempDir('ferry-link-download-');

  function serve(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'https://x').pathname;
    if (path === '/stall') {
      response.writeHead(200, { 'Content-Length': DATA.length });
      response.flushHeaders(); // then nothing: a stalled server
      return;
    }
    if (path === '/missing') {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such file');
      return;
    }
    if (path === '/half' && request.headers.range === undefined) {
      response.writeHead(200, { 'Content-Length': DATA.length });
      response.write(DATA.subarray(0, 100_000), () => setTimeout(() => response.socket?.destroy(), 50));
      return;
    }
    ranges.push(request.headers.range);
    const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    if (match && path !== '/no-range') {
      const start = Number(match[1]);
      response.writeHead(206, {
        'Content-Length': DATA.length - start,
        'Content-Range': `bytes ${start}-${DATA.length - 1}/${DATA.length}`,
      });
      response.end(DATA.subarray(start));
      return;
    }
    response.writeHead(200, { 'Content-Length': DATA.length, 'Content-Type': 'application/octet-stream' });
    response.end(DATA);
  }

  before(async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    server = createServer({ key: pems.private, cert: pems.cert }, serve);
    plain = createHttpServer(serve);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    http = { ...HTTP_DEFAULTS, tls: { insecure: false, ca: pems.cert } };
  });
  after(async () => {
    server.closeAllConnections();
    plain.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => plain.close(resolve));
    files.remove();
  });

  function offer(path: string, overrides: Partial<Link> = {}, settings: HttpSettings = http): LinkOffer {
    return new LinkOffer(
      ALICE,
      {
        method: 'upload',
        url: `${base}${path}`,
        name: 'data.bin',
        size: DATA.length,
        sha256: SHA256,
        mimeType: undefined,
        description: undefined,
        date: undefined,
        id: 'm1',
        ...overrides,
      },
      settings,
    );
  }

  it('downloads into NAME.part, checks size and SHA-256, renames; progress reaches the total', async () => {
    const target = join(files.path, 'whole.bin');
    const link = offer('/file.bin');
    const seen: Progress[] = [];
    link.on('progress', (progress) => seen.push(progress));
    const result = await link.accept({ to: target });
    assert.deepEqual(readFileSync(target), DATA);
    assert.equal(existsSync(`${target}.part`), false);
    assert.equal(result.sha256, SHA256);
    assert.equal(result.bytes, DATA.length);
    assert.equal(result.method, 'upload');
    assert.equal(seen.at(-1)?.bytes, DATA.length);
  });

  it('resumes from NAME.part with a Range request', async () => {
    const target = join(files.path, 'resumed.bin');
    writeFileSync(`${target}.part`, DATA.subarray(0, 100_000));
    ranges.length = 0;
    const result = await offer('/file.bin').accept({ to: target, resume: true });
    assert.deepEqual(ranges, ['bytes=100000-']);
    assert.equal(result.offset, 100_000);
    assert.equal(result.bytes, DATA.length - 100_000);
    assert.equal(result.sha256, SHA256, 'the hash covers the part held before');
    assert.deepEqual(readFileSync(target), DATA);
  });

  it('a connection broken mid-body is FERRY_ERR_HTTP; the .part resumes next time', async () => {
    const target = join(files.path, 'half.bin');
    await assert.rejects(offer('/half').accept({ to: target, resume: true }), {
      code: 'FERRY_ERR_HTTP',
      message: /broke after \d+ bytes .*kept .*half\.bin\.part to resume/,
    });
    assert.ok(existsSync(`${target}.part`));
    const result = await offer('/half').accept({ to: target, resume: true });
    assert.ok(result.offset > 0, 'resumed');
    assert.equal(result.sha256, SHA256);
    assert.deepEqual(readFileSync(target), DATA);
  });

  it('starts over when the server ignores the range (200)', async () => {
    const target = join(files.path, 'no-range.bin');
    writeFileSync(`${target}.part`, Buffer.alloc(50_000));
    const result = await offer('/no-range').accept({ to: target, resume: true });
    assert.equal(result.offset, 0);
    assert.deepEqual(readFileSync(target), DATA);
  });

  it('learns the size of a bare oob link from the response', async () => {
    const message = parseXml(
      `<message from="${ALICE.toString()}" type="chat"><body>${base}/file.bin</body>` +
        `<x xmlns="jabber:x:oob"><url>${base}/file.bin</url></x></message>`,
    );
    const link = new LinkOffer(ALICE, decodeLinkMessage(message)!, http);
    assert.equal(link.method, 'link');
    assert.equal(link.name, 'file.bin');
    assert.equal(link.size, undefined);
    const target = join(files.path, 'bare.bin');
    await link.accept({ to: target });
    assert.equal(link.size, DATA.length);
    assert.deepEqual(readFileSync(target), DATA);
  });

  it('FERRY_ERR_HASH_MISMATCH when the bytes are not the offered SHA-256; no file is left', async () => {
    const target = join(files.path, 'corrupt.bin');
    const wrong = createHash('sha256').update('something else').digest('hex');
    await assert.rejects(offer('/file.bin', { sha256: wrong }).accept({ to: target }), {
      code: 'FERRY_ERR_HASH_MISMATCH',
    });
    assert.equal(existsSync(target), false);
  });

  it('FERRY_ERR_SIZE_MISMATCH when the server has another size than offered', async () => {
    await assert.rejects(offer('/file.bin', { size: DATA.length + 1 }).accept({ to: join(files.path, 'size.bin') }), {
      code: 'FERRY_ERR_SIZE_MISMATCH',
      message: /the server has 300007 bytes, the offer said 300008/,
    });
  });

  it('FERRY_ERR_HTTP with the status for a missing file', async () => {
    await assert.rejects(offer('/missing').accept({ to: join(files.path, 'missing.bin') }), {
      code: 'FERRY_ERR_HTTP',
      message: /HTTP 404 Not Found \(no such file\)/,
    });
  });

  it('refuses plain http (FERRY_ERR_INSECURE_URL) unless explicitly allowed', async () => {
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/file.bin`;
    await assert.rejects(offer('', { url }).accept({ to: join(files.path, 'plain.bin') }), {
      code: 'FERRY_ERR_INSECURE_URL',
    });
    const target = join(files.path, 'plain-allowed.bin');
    await offer('', { url }).accept({ to: target, allowHttp: true });
    assert.deepEqual(readFileSync(target), DATA);
  });

  it('FERRY_ERR_STALLED when the server sends headers and then nothing', async () => {
    await assert.rejects(offer('/stall').accept({ to: join(files.path, 'stall.bin'), stallTimeoutMs: 300 }), {
      code: 'FERRY_ERR_STALLED',
      message: /^no data for 0\.3 s from 127\.0\.0\.1:\d+; cancelled$/,
    });
  });

  it('FERRY_ERR_TLS_UNTRUSTED without the CA the connection trusts', async () => {
    await assert.rejects(
      offer('/file.bin', {}, { ...http, tls: undefined }).accept({ to: join(files.path, 'untrusted.bin') }),
      { code: 'FERRY_ERR_TLS_UNTRUSTED' },
    );
  });

  it('FERRY_ERR_FILE_EXISTS unless overwrite, as for SI offers', async () => {
    const target = join(files.path, 'exists.bin');
    writeFileSync(target, 'old');
    await assert.rejects(offer('/file.bin').accept({ to: target }), { code: 'FERRY_ERR_FILE_EXISTS' });
    await offer('/file.bin').accept({ to: target, overwrite: true });
    assert.deepEqual(readFileSync(target), DATA);
  });

  it('aborts with the signal', async () => {
    const controller = new AbortController();
    const pending = offer('/stall').accept({ to: join(files.path, 'abort.bin'), signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, { name: 'AbortError' });
  });

  it('decline() sends nothing and rejects done with FERRY_ERR_DECLINED', async () => {
    const link = offer('/file.bin');
    link.decline();
    await assert.rejects(link.done, { code: 'FERRY_ERR_DECLINED' });
  });
});
