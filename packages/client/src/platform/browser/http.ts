// The seam's HTTP in a browser, with fetch(): the XEP-0363 §6 PUT of a File/Blob and the GET of a
// shared link, its body read as a Web Stream with back-pressure into the platform's Readable.
// What fetch() shows a page decides what can be checked here:
// - Upload progress: none. fetch() says nothing while it sends a request body, and a body it could
//   count (a ReadableStream) is sent by Chromium only over HTTP/2. putFile reports 0 bytes when the
//   PUT starts and the whole size once the server accepted it, and nothing between.
// - Timeouts: no connect phase is visible, so connecting and waiting for the answer share one
//   deadline (connect + stall timeout); a PUT's deadline also grants the body its time at a slow
//   link's rate, since no byte of it can be seen leaving. A link's body then has the stall timeout
//   between chunks, as Node's idle socket does.
// - Redirects: fetch() follows a GET's itself, so the https rule is applied to where they led,
//   before any byte is read. A PUT follows none (as node:http).
// - Errors: a failed fetch() is a bare TypeError whatever happened (refused, TLS, CORS); the page
//   is told no more, nor is this code.
// - Headers the browser owns (Content-Length, Cookie) are its own: Content-Length is the Blob's.
import type { GetFile, HttpAnswer, PutFile } from '../http-contract.js';
import { stalledError } from '../../stall-watch.js';
import { TransferError } from '../../transfer-error.js';
import { httpFailure } from '../../upload/http-failure.js';
import { checkUrl } from '../../upload/http-settings.js';
import { createHash } from './crypto.js';
import { blobBehind } from './file-blobs.js';
import { Readable, refreshableTimeout } from './index.js';

/** A PUT slower than this over the whole file (128 kbit/s) counts as hung. */
const SLOWEST_UPLOAD_BYTES_PER_SECOND = 16 * 1024;

export const getFile: GetFile = async (request, settings) => {
  const url = checkUrl(request.url, settings.allowHttp);
  const where = url.host;
  if (request.signal?.aborted) throw reasonOf(request.signal);
  const { control, release } = linkedController(request.signal);
  const waitMs = settings.connectTimeoutMs + settings.stallTimeoutMs;
  const deadline = setTimeout(() => control.abort(noAnswer(`${where} did not answer`, waitMs)), waitMs);
  let response: Response;
  try {
    const headers: Record<string, string> = request.offset > 0 ? { Range: `bytes=${request.offset}-` } : {};
    response = await fetchOrFail(url, { method: 'GET', headers, redirect: 'follow' }, control, where);
    if (response.redirected) checkUrl(response.url, settings.allowHttp);
  } catch (error) {
    control.abort(error);
    release();
    throw error;
  } finally {
    clearTimeout(deadline);
  }
  return answer(response, control, where, settings.stallTimeoutMs, release);
};

export const putFile: PutFile = async (request, settings) => {
  const blob = typeof request.source === 'string' ? undefined : blobBehind(request.source);
  if (!blob) {
    throw new TypeError(`uploading ${request.name}: a browser uploads a File/Blob; send fileSource(file).stream`);
  }
  if (blob.size !== request.size) {
    throw new TransferError(
      'FERRY_ERR_SIZE_MISMATCH',
      `${request.name} gave ${blob.size} bytes, not the announced ${request.size}`,
    );
  }
  const url = checkUrl(request.url, settings.allowHttp);
  const where = url.host;
  if (request.signal?.aborted) throw reasonOf(request.signal);
  const { control, release } = linkedController(request.signal);
  const waitMs =
    settings.connectTimeoutMs +
    settings.stallTimeoutMs +
    Math.ceil((request.size / SLOWEST_UPLOAD_BYTES_PER_SECOND) * 1000);
  const deadline = setTimeout(
    () => control.abort(noAnswer(`the PUT of ${request.name} to ${where} got no answer`, waitMs)),
    waitMs,
  );
  const startedAt = Date.now();
  const report = (bytes: number) =>
    request.report({
      bytes,
      total: request.size,
      rate: bytes / Math.max((Date.now() - startedAt) / 1000, 0.001),
      method: 'upload',
    });
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.toLowerCase() !== 'content-length') headers.set(name, String(value));
  }
  // Without a Content-Type of ours, fetch() would send the Blob's, which the slot did not name.
  const body = headers.has('content-type') || blob.type === '' ? blob : blob.slice(0, blob.size, '');
  const fail = (error: unknown): never => {
    if (!control.signal.aborted) control.abort(error);
    throw error;
  };
  report(0);
  let response: Response;
  let sha256: string;
  try {
    // The XEP-0447 hash is read from the same Blob while the browser sends it, chunk by chunk.
    [sha256, response] = await Promise.all([
      hashBlob(blob, control.signal).catch(fail),
      fetchOrFail(url, { method: 'PUT', headers, body, redirect: 'manual' }, control, where).catch(fail),
    ]);
  } catch (error) {
    release();
    throw control.signal.aborted ? reasonOf(control.signal) : error;
  } finally {
    clearTimeout(deadline);
  }
  if (response.type === 'opaqueredirect') {
    release();
    throw new TransferError(
      'FERRY_ERR_HTTP',
      `the upload service answered the PUT of ${request.name} with a redirect, which an upload does not follow`,
    );
  }
  if (response.status !== 200 && response.status !== 201) {
    const refusal = answer(response, control, where, settings.stallTimeoutMs, release);
    throw await httpFailure(refusal, `the upload service refused the PUT of ${request.name}`);
  }
  await response.body?.cancel().catch(() => {});
  release();
  if (typeof request.source !== 'string') request.source.destroy();
  report(request.size);
  return sha256;
};

/** A controller of our own (for deadlines and stalls) that also ends when the caller's signal does. */
function linkedController(signal: AbortSignal | undefined): { control: AbortController; release(): void } {
  const control = new AbortController();
  const onAbort = () => control.abort(reasonOf(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });
  return { control, release: () => signal?.removeEventListener('abort', onAbort) };
}

async function fetchOrFail(url: URL, init: RequestInit, control: AbortController, where: string): Promise<Response> {
  try {
    // No cookies: the URL (the slot) is the credential.
    return await fetch(url, { ...init, signal: control.signal, credentials: 'omit' });
  } catch (error) {
    if (control.signal.aborted) throw reasonOf(control.signal);
    throw new TransferError(
      'FERRY_ERR_HTTP',
      `${where}: the browser could not complete the request (refused, TLS or CORS: a page is not told which)`,
      { cause: error },
    );
  }
}

/** The response as the platform's Readable, read one chunk per read(), the stall watched between chunks. */
function answer(
  response: Response,
  control: AbortController,
  where: string,
  stallMs: number,
  release: () => void,
): HttpAnswer {
  const reader = response.body?.getReader();
  let isOver = false;
  const finish = () => {
    isOver = true;
    stall.clear();
    release();
  };
  // As Node's idle socket: no byte for this long, whether the server or our reader is slow.
  const stall = refreshableTimeout(() => {
    const error = stalledError(stallMs, 'from', where);
    control.abort(error);
    body.destroy(error);
  }, stallMs);
  const body = new Readable({
    read() {
      if (!reader) {
        finish();
        this.push(null);
        return;
      }
      reader.read().then(
        ({ done, value }) => {
          if (done) {
            finish();
            this.push(null);
            return;
          }
          stall.refresh();
          this.push(value);
        },
        // A reset mid-body stays a plain error: link-download.ts names it with the bytes received.
        (error: unknown) => this.destroy(control.signal.aborted ? reasonOf(control.signal) : (error as Error)),
      );
    },
    destroy(error, callback) {
      if (!isOver) {
        finish();
        if (!control.signal.aborted) control.abort(error ?? new DOMException('the body was not read', 'AbortError'));
        reader?.cancel().catch(() => {});
      }
      callback(error);
    },
  });
  // fetch() decodes a compressed body itself (a page cannot ask for identity), and Content-Length
  // then counts the encoded bytes: no size. Across origins the encoding shows only if exposed.
  const encoding = response.headers.get('content-encoding');
  const isEncoded = encoding !== null && encoding.toLowerCase() !== 'identity';
  return Object.assign(body, {
    statusCode: response.status,
    statusMessage: response.statusText,
    headers: {
      'content-length': isEncoded ? undefined : (response.headers.get('content-length') ?? undefined),
      'content-range': response.headers.get('content-range') ?? undefined,
    },
  });
}

/** SHA-256 of a Blob read chunk by chunk, never whole. */
async function hashBlob(blob: Blob, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const reader = blob.stream().getReader();
  const onAbort = () => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) hash.update(chunk.value);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw reasonOf(signal);
  return hash.digest('hex');
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}

function noAnswer(what: string, ms: number): TransferError {
  return new TransferError('FERRY_ERR_TIMEOUT', `${what} within ${Number((ms / 1000).toFixed(3))} s`);
}
