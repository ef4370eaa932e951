// XEP-0363 HTTP File Upload for the load generator: find the upload service by disco (each server
// names and announces it its own way), ask it for slots over XMPP, then PUT and GET over HTTPS with
// node:https. Bodies are streamed: the PUT writes one generated block over and over with
// backpressure, the GET hashes what arrives as it arrives; neither ever holds a file in memory.
import { createHash } from 'node:crypto';
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { BenchConnection } from './connection.js';
import { attribute, escapeXml, unescapeXml } from './xml-scanner.js';

export const NS_HTTP_UPLOAD = 'urn:xmpp:http:upload:0';
const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const LOOPBACK = '127.0.0.1';
/** XEP-0363 §4: the only headers a client may copy from <put/> into its request. */
const ALLOWED_PUT_HEADERS = new Set(['authorization', 'cookie', 'expires']);

export interface UploadService {
  jid: string;
  /** The max-file-size the service announces in its disco#info form, when it does. */
  maxFileSize: number | undefined;
}

/**
 * XEP-0363 §2: the items of the domain (and the domain itself, last) whose disco#info has the
 * upload feature. Undefined when none has: the server offers no upload.
 */
export async function discoverUploadService(
  connection: BenchConnection,
  domain: string,
): Promise<UploadService | undefined> {
  const items = await connection.iq('get', domain, `<query xmlns='${NS_DISCO_ITEMS}'/>`);
  const jids = [...items.matchAll(/<item\s[^>]*>/g)]
    .map((match) => attribute(match[0], 'jid'))
    .filter((jid): jid is string => jid !== undefined);
  for (const jid of [...new Set(jids), domain]) {
    let info: string;
    try {
      info = await connection.iq('get', jid, `<query xmlns='${NS_DISCO_INFO}'/>`);
    } catch {
      continue; // an item that does not answer disco#info is not the upload service
    }
    const features = [...info.matchAll(/<feature\s[^>]*>/g)].map((match) => attribute(match[0], 'var'));
    if (!features.includes(NS_HTTP_UPLOAD)) continue;
    const limit = /<field\s[^>]*var=['"]max-file-size['"][^>]*>\s*<value>\s*(\d+)\s*<\/value>/.exec(info)?.[1];
    return { jid, maxFileSize: limit === undefined ? undefined : Number(limit) };
  }
  return undefined;
}

export interface Slot {
  putUrl: URL;
  putHeaders: Record<string, string>;
  getUrl: URL;
}

export async function requestSlot(
  connection: BenchConnection,
  service: string,
  file: { name: string; size: number; contentType: string },
  timeoutMs = 15_000,
): Promise<Slot> {
  const result = await connection.iq(
    'get',
    service,
    `<request xmlns='${NS_HTTP_UPLOAD}' filename='${escapeXml(file.name)}' size='${file.size}' ` +
      `content-type='${escapeXml(file.contentType)}'/>`,
    timeoutMs,
  );
  const putTag = /<put\s[^>]*>/.exec(result)?.[0];
  const getTag = /<get\s[^>]*>/.exec(result)?.[0];
  const putUrl = putTag && attribute(putTag, 'url');
  const getUrl = getTag && attribute(getTag, 'url');
  if (!putUrl || !getUrl) throw new Error(`no <put url/> and <get url/> in the slot: ${result}`);
  const putHeaders: Record<string, string> = {};
  for (const match of result.matchAll(/<header\s[^>]*>([^<]*)<\/header>/g)) {
    const name = attribute(match[0], 'name');
    if (name && ALLOWED_PUT_HEADERS.has(name.toLowerCase())) putHeaders[name] = unescapeXml(match[1]!.trim());
  }
  return { putUrl: httpsUrl(putUrl), putHeaders, getUrl: httpsUrl(getUrl) };
}

function httpsUrl(text: string): URL {
  const url = new URL(text);
  if (url.protocol !== 'https:') throw new Error(`the slot URL ${text} is not https`);
  return url;
}

/**
 * Every name resolves to loopback: the servers hand out URLs on their own names (upload.localhost,
 * localhost), which must stay in the Host header (Prosody picks the virtual host by it) but need
 * not resolve on this machine.
 */
const loopbackLookup: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: LOOPBACK, family: 4 }]);
  else callback(null, LOOPBACK, 4);
};

/** Keep-alive HTTPS to loopback; certificates are the servers' own self-signed ones, not verified. */
export function loopbackAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: Infinity, rejectUnauthorized: false, lookup: loopbackLookup });
}

/** The sha256 of `size` bytes of `block` repeated, as putGenerated sends them. */
export function generatedSha256(block: Buffer, size: number): string {
  const hash = createHash('sha256');
  for (let offset = 0; offset < size; offset += block.length) {
    hash.update(offset + block.length <= size ? block : block.subarray(0, size - offset));
  }
  return hash.digest('hex');
}

export interface PutResult {
  status: number;
  /** performance.now() when the response arrived (the server has the whole file). */
  finishedAt: number;
  /** What was negotiated, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384". */
  tls: string;
}

/**
 * PUTs `size` bytes of `block` repeated with backpressure; resolves on a 2xx response, rejects on
 * anything else (with the start of the response body) or when the connection fails first.
 */
export function putGenerated(
  agent: Agent,
  slot: Slot,
  size: number,
  block: Buffer,
  contentType: string,
): Promise<PutResult> {
  return new Promise<PutResult>((resolve, reject) => {
    let isSettled = false;
    const fail = (error: Error): void => {
      if (isSettled) return;
      isSettled = true;
      outgoing.destroy();
      reject(error);
    };
    const options: RequestOptions = {
      method: 'PUT',
      agent,
      headers: { ...slot.putHeaders, 'content-type': contentType, 'content-length': String(size) },
    };
    const outgoing = request(slot.putUrl, options, (response) => {
      const socket = response.socket as TLSSocket;
      const tls = `${socket.getProtocol?.() ?? '?'} ${socket.getCipher?.()?.name ?? '?'}`;
      readAll(response, 2048).then(({ text }) => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) fail(new Error(`PUT ${slot.putUrl.pathname}: HTTP ${status} ${text}`));
        else if (!isSettled) {
          isSettled = true;
          resolve({ status, finishedAt: performance.now(), tls });
        }
      }, fail);
    });
    outgoing.on('error', fail);
    let sent = 0;
    const pump = (): void => {
      while (sent < size && !isSettled) {
        const length = Math.min(block.length, size - sent);
        sent += length;
        if (!outgoing.write(length === block.length ? block : block.subarray(0, length))) {
          outgoing.once('drain', pump);
          return;
        }
      }
      if (sent >= size) outgoing.end();
    };
    pump();
  });
}

export interface GetResult {
  bytes: number;
  sha256: string;
  finishedAt: number;
}

/** GETs the URL, hashing the body as it streams in; rejects unless it is 200 with the whole file. */
export function getHashed(agent: Agent, url: URL, expectedSize: number): Promise<GetResult> {
  return new Promise<GetResult>((resolve, reject) => {
    const outgoing = request(url, { method: 'GET', agent }, (response) => {
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        readAll(response, 2048).then(
          ({ text }) => reject(new Error(`GET ${url.pathname}: HTTP ${status} ${text}`)),
          reject,
        );
        return;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      response.once('error', reject);
      response.once('aborted', () => reject(new Error(`GET ${url.pathname}: aborted after ${bytes} bytes`)));
      response.once('end', () => {
        if (bytes !== expectedSize) {
          reject(new Error(`GET ${url.pathname}: ${bytes} bytes, expected ${expectedSize}`));
          return;
        }
        resolve({ bytes, sha256: hash.digest('hex'), finishedAt: performance.now() });
      });
    });
    outgoing.once('error', reject);
    outgoing.end();
  });
}

/** Reads a (small) response body to its end, keeping its first `keep` bytes as text. */
function readAll(response: IncomingMessage, keep: number): Promise<{ text: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.on('data', (chunk: Buffer) => {
      if (text.length < keep) text += chunk.toString('utf8', 0, Math.min(chunk.length, keep - text.length));
    });
    response.once('error', reject);
    response.once('end', () => resolve({ text: text.trim() }));
  });
}
