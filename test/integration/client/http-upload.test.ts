// The XEP-0363 client against a scripted upload service (disco and slot answers as XML) and a
// tiny node:https PUT server: what the PUT carries (Content-Length, Content-Type, the slot's
// allowed headers only), the stanza errors it maps, and the HTTP failures and stalls.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { generate } from 'selfsigned';
import { Jid } from '@ferry/protocol/jid';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { uploadErrors } from '@ferry/protocol/payloads/http-upload';
import type { Element } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '@ferry/client/internal/connection';
import { HttpUploader } from '@ferry/client/internal/upload/http-uploader';
import { HTTP_DEFAULTS, type HttpSettings } from '@ferry/client/internal/upload/http-request';
import { parseXml } from '../../unit/protocol/payloads/fixtures.js';
import { tempDir } from '../../helpers/files.js';

const DATA = randomBytes(100_000 + 3);
const SHA256 = createHash('sha256').update(DATA).digest('hex');

describe('HTTP upload (XEP-0363) from the client', () => {
  let server: Server;
  let base: string;
  let http: HttpSettings;
  const files = tempDir('ferry-http-upload-');
  const source = join(files.path, 'photo.jpg');
  let puts: { headers: IncomingHttpHeaders; sha256: string; bytes: number }[] = [];
  let asked: string[] = [];
  /** The service's answer to the slot request (XML), or an error to reject with. */
  let slotAnswer: (put: string) => string | StanzaError;
  let services = ['upload.example.com'];

  // Stanzas in, as the server would answer them.
  const connection = {
    jid: Jid.parse('alice@example.com/desk'),
    request(iq: Element): Promise<Element> {
      const query = iq.getChildElements()[0]!;
      const to = iq.attrs.to as string;
      asked.push(`${query.getNS()} ${to}`);
      if (query.getNS() === 'http://jabber.org/protocol/disco#items') {
        const items = services.map((jid) => `<item jid="${jid}"/>`).join('');
        return Promise.resolve(parseXml(`<iq type="result"><query xmlns="${query.getNS()}">${items}</query></iq>`));
      }
      if (query.getNS() === 'http://jabber.org/protocol/disco#info') {
        const upload = to === 'upload.example.com';
        return Promise.resolve(
          parseXml(
            `<iq type="result"><query xmlns="${query.getNS()}">` +
              (upload
                ? '<identity category="store" type="file"/><feature var="urn:xmpp:http:upload:0"/>' +
                  '<x type="result" xmlns="jabber:x:data"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:http:upload:0</value></field>' +
                  '<field var="max-file-size"><value>1000000</value></field></x>'
                : '<identity category="server" type="im"/>') +
              '</query></iq>',
          ),
        );
      }
      const answer = slotAnswer(`${base}/put/${query.attrs.filename as string}`);
      return answer instanceof StanzaError ? Promise.reject(answer) : Promise.resolve(parseXml(answer));
    },
  } as unknown as XmppConnection;

  const slot = (put: string, headers = '') =>
    `<iq type="result"><slot xmlns="urn:xmpp:http:upload:0"><put url="${put}">${headers}</put>` +
    `<get url="${put.replace('/put/', '/get/')}"/></slot></iq>`;

  before(async () => {
    writeFileSync(source, DATA);
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    server = createServer({ key: pems.private, cert: pems.cert }, (request, response) => {
      const hash = createHash('sha256');
      let bytes = 0;
      request.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      request.on('end', () => {
        puts.push({ headers: request.headers, sha256: hash.digest('hex'), bytes });
        if (request.url?.includes('too-big')) response.writeHead(413, 'Payload Too Large').end('quota exceeded');
        else if (request.url?.includes('silent'))
          return; // takes the file, never answers
        else response.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    http = { ...HTTP_DEFAULTS, tls: { insecure: false, ca: pems.cert } };
  });
  beforeEach(() => {
    puts = [];
    asked = [];
    services = ['upload.example.com'];
    slotAnswer = (put) => slot(put);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    files.remove();
  });

  const uploader = (settings: Partial<HttpSettings> = {}) =>
    new HttpUploader(connection, { http: { ...http, ...settings }, requestTimeoutMs: 5_000 });

  it('PUTs with Content-Length, Content-Type and only the allowed slot headers; finds the service once', async () => {
    slotAnswer = (put) =>
      slot(
        put,
        '<header name="Authorization">Basic Base64String==</header><header name="Cookie">foo=bar</header>' +
          '<header name="X-Evil">1</header><header name="Host">evil.example</header>',
      );
    const ours = uploader();
    const result = await ours.upload(source, { mimeType: 'image/jpeg' }).done;
    assert.equal(result.url, `${base}/get/photo.jpg`);
    assert.equal(result.sha256, SHA256);
    assert.equal(result.service, 'upload.example.com');
    const [put] = puts;
    assert.equal(put?.sha256, SHA256);
    assert.equal(put?.headers['content-length'], String(DATA.length));
    assert.equal(put?.headers['content-type'], 'image/jpeg');
    assert.equal(put?.headers.authorization, 'Basic Base64String==');
    assert.equal(put?.headers.cookie, 'foo=bar');
    assert.equal(put?.headers['x-evil'], undefined);
    assert.equal(put?.headers.host, base.slice('https://'.length));
    await ours.upload(source).done;
    assert.equal(asked.filter((what) => what.includes('disco#items')).length, 1, 'disco once per connection');
  });

  it('FERRY_ERR_FILE_TOO_LARGE with the limit from the service’s file-too-large error', async () => {
    slotAnswer = () => uploadErrors.fileTooLarge(50_000);
    await assert.rejects(uploader().upload(source).done, {
      code: 'FERRY_ERR_FILE_TOO_LARGE',
      detail: { maxFileSize: 50_000 },
    });
  });

  it('FERRY_ERR_UPLOAD_REFUSED with the service’s text', async () => {
    slotAnswer = () => new StanzaError('forbidden', { type: 'auth', text: 'Quota exceeded for today' });
    await assert.rejects(uploader().upload(source).done, {
      code: 'FERRY_ERR_UPLOAD_REFUSED',
      message: /refused an upload slot for photo\.jpg: Quota exceeded for today/,
    });
  });

  it('FERRY_ERR_NO_UPLOAD_SERVICE when no disco item has the feature', async () => {
    services = ['conference.example.com'];
    await assert.rejects(uploader().upload(source).done, {
      code: 'FERRY_ERR_NO_UPLOAD_SERVICE',
      message: /example\.com offers no HTTP upload service/,
    });
  });

  it('FERRY_ERR_HTTP with the status when the PUT is refused', async () => {
    slotAnswer = (put) => slot(put.replace('photo.jpg', 'too-big'));
    await assert.rejects(uploader().upload(source).done, {
      code: 'FERRY_ERR_HTTP',
      detail: { status: 413 },
      message: /HTTP 413 Payload Too Large \(quota exceeded\)/,
    });
  });

  it('FERRY_ERR_SIZE_MISMATCH when a stream ends short of its announced size', async () => {
    await assert.rejects(uploader().upload(Readable.from([DATA.subarray(0, 10)]), { name: 'a.bin', size: 100 }).done, {
      code: 'FERRY_ERR_SIZE_MISMATCH',
    });
  });

  it('FERRY_ERR_STALLED when the HTTP server takes the file and never answers', async () => {
    slotAnswer = (put) => slot(put.replace('photo.jpg', 'silent'));
    await assert.rejects(uploader({ stallTimeoutMs: 300 }).upload(source).done, {
      code: 'FERRY_ERR_STALLED',
      message: /^no data for 0\.3 s to 127\.0\.0\.1:\d+; cancelled$/,
    });
  });

  it('refuses a plain-http slot unless allowed (FERRY_ERR_INSECURE_URL)', async () => {
    slotAnswer = (put) => slot(put.replace('https:', 'http:'));
    await assert.rejects(uploader().upload(source).done, { code: 'FERRY_ERR_INSECURE_URL' });
  });
});
