// For the HTTP upload tests: slot requests over XMPP and HTTPS requests to the test server, with
// bodies streamed both ways (a test can send or receive far more than it keeps in memory).
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Element } from '@ferry/protocol/xml/element';
import { withTimeout, xml, type TestClient } from './xmpp-client.js';

let counter = 0;

/** Sends an IQ get and resolves with the reply (result or error) as received. */
export async function iqGet(client: TestClient, to: string, payload: Element): Promise<Element> {
  const id = `t${++counter}`;
  await client.xmpp.send(xml('iq', { type: 'get', to, id }, payload));
  return client.waitFor((stanza) => stanza.name === 'iq' && stanza.attrs.id === id, `reply to ${id}`, 10_000);
}

export interface HttpsAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpsOptions {
  method: string;
  headers?: Record<string, string | number>;
  body?: Buffer | Readable;
  /** Stream the answer's body here instead of buffering it (answer.body is then empty). */
  sink?: Writable;
}

/** One HTTPS request to the loopback test server (the URL's host is replaced by 127.0.0.1). */
export function https(url: string, options: HttpsOptions): Promise<HttpsAnswer> {
  const target = new URL(url);
  target.hostname = '127.0.0.1';
  const done = new Promise<HttpsAnswer>((resolve, reject) => {
    const request = httpsRequest(target, {
      method: options.method,
      headers: options.headers,
      rejectUnauthorized: false,
      agent: false,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      const sink =
        options.sink ??
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            chunks.push(chunk);
            callback();
          },
        });
      pipeline(response, sink).then(
        () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        reject,
      );
    });
    if (options.body instanceof Readable) {
      pipeline(options.body, request).catch(reject);
    } else {
      request.end(options.body);
    }
  });
  return withTimeout(done, 120_000, `${options.method} ${target.pathname}`);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A slot from a slot-request reply, or a failed assertion showing the reply. */
export function readSlot(reply: Element): { putUrl: string; getUrl: string; authorization: string } {
  const slot = reply.getChild('slot', 'urn:xmpp:http:upload:0');
  if (reply.attrs.type !== 'result' || !slot) throw new Error(`expected a slot, got ${reply.toString()}`);
  const put = slot.getChild('put')!;
  return {
    putUrl: put.attrs.url as string,
    getUrl: slot.getChild('get')!.attrs.url as string,
    authorization: put.getChild('header')!.getText(),
  };
}
