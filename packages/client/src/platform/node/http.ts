// Node's side of the seam's HTTP: XEP-0363 PUTs and link GETs over node:http(s)
// (upload/http-request.ts). The PUT streams the file through a size check and a meter that hashes
// and reports progress as the request takes the bytes, so progress is the upload's own.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ProgressMeter } from '../../progress.js';
import { TransferError } from '../../transfer-error.js';
import { byteLimit } from '../../upload/byte-limit.js';
import { httpFailure } from '../../upload/http-failure.js';
import { sendRequest } from '../../upload/http-request.js';
import { createHash } from './crypto.js';
import type { GetFile, PutFile } from '../http-contract.js';

const MAX_REDIRECTS = 5;

export const putFile: PutFile = async (request, settings) => {
  const hash = createHash('sha256');
  const meter = new ProgressMeter({
    offset: 0,
    total: request.size,
    method: 'upload',
    hash,
    report: request.report,
  });
  const input = typeof request.source === 'string' ? createReadStream(request.source) : request.source;
  // The meter is the request body; an error upstream (a short stream) destroys it, and the PUT with it.
  pipeline(input, byteLimit({ max: request.size, exact: true, what: request.name }), meter).catch(() => {});
  const response = await sendRequest(
    { method: 'PUT', url: request.url, headers: request.headers, body: meter, signal: request.signal },
    settings,
  );
  if (response.statusCode !== 200 && response.statusCode !== 201) {
    throw await httpFailure(response, `the upload service refused the PUT of ${request.name}`);
  }
  // Read the (usually empty) answer to its end so the socket closes cleanly.
  await new Promise<void>((resolve) => {
    response.once('close', resolve);
    response.resume();
  });
  return meter.digest()!;
};

export const getFile: GetFile = async (request, settings) => {
  let target = request.url;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
    if (request.offset > 0) headers.Range = `bytes=${request.offset}-`;
    const response = await sendRequest({ method: 'GET', url: target, headers, signal: request.signal }, settings);
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(response.statusCode ?? 0) || location === undefined) return response;
    response.destroy();
    if (hop >= MAX_REDIRECTS)
      throw new TransferError('FERRY_ERR_HTTP', `more than ${MAX_REDIRECTS} redirects from ${request.url}`);
    target = new URL(location, target).toString();
  }
};
