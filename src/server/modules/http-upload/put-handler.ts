// XEP-0363 §6: the HTTP PUT of a slot. The token is verified (it carries the slot), the headers
// checked against it, then the body streams through a SHA-256 into the blob store, which makes it
// visible only once complete; the metadata record is written last, so a PUT that ends early or is
// aborted leaves nothing anyone can GET. Answers 201 Created.
import { createHash, type Hash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Transform, type TransformCallback } from 'node:stream';
import type { HttpRequest, ServerResponse } from '../../transport/http/types.js';
import { HttpBodyTooLargeError } from '../../transport/http/types.js';
import { BlobExistsError, BlobSizeError } from './blob-store/types.js';
import type { FileRecord } from './file-records.js';
import { checkQuota, isTypeAllowed } from './limits.js';
import { CORS_HEADERS, DEFAULT_CONTENT_TYPE, mediaType } from './response-headers.js';
import type { UploadRuntime, UploadStoredRecord } from './runtime.js';
import { verifySlot, type SlotClaims } from './slot-token.js';
import { UploadError, sendError, uploadErrors } from './upload-errors.js';

/** A refused PUT may leave a body unread: closing beats letting Node read and discard all of it. */
const REFUSAL_HEADERS = { ...CORS_HEADERS, connection: 'close' };
/** How long a PUT waits for an earlier PUT of the same slot to end before answering 409. */
const RETRY_WAIT_MS = 10_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export async function handlePut(runtime: UploadRuntime, request: HttpRequest, response: ServerResponse): Promise<void> {
  const started = performance.now();
  let claims: SlotClaims;
  let contentType: string;
  try {
    ({ claims, contentType } = admit(runtime, request));
  } catch (error) {
    if (error instanceof UploadError) return sendError(response, error, REFUSAL_HEADERS);
    throw error;
  }
  const { id } = claims;
  // A client retrying at once after its PUT broke off may reach us before we noticed the first
  // one end: wait (bounded) for it rather than answer "file already exists" to a legitimate retry.
  const previous = runtime.inFlight.get(id);
  if (previous !== undefined) await Promise.race([previous, delay(RETRY_WAIT_MS)]);
  if (runtime.inFlight.has(id) || runtime.records.has(id)) {
    return sendError(response, uploadErrors.fileExists(), REFUSAL_HEADERS);
  }
  let finished!: () => void;
  runtime.inFlight.set(
    id,
    new Promise<void>((resolve) => {
      finished = resolve;
    }),
  );
  const hashing = new HashingStream();
  const untrack = runtime.live.add(
    {
      id,
      method: 'upload',
      from: claims.owner.includes('@') ? claims.owner : `${claims.owner}@${runtime.domain}`,
      address: request.remoteAddress,
      size: claims.size,
    },
    () => hashing.bytes,
  );
  try {
    request.body.on('error', (error) => hashing.destroy(error));
    await runtime.blobs.put(id, request.body.pipe(hashing), claims.size, { contentType, signal: request.signal });
    const record: FileRecord = {
      owner: claims.owner,
      id,
      name: claims.name,
      size: claims.size,
      contentType,
      sha256: hashing.hash.digest('hex'),
      created: runtime.now(),
      purpose: claims.purpose,
      ...(claims.fileExpires !== undefined ? { expires: claims.fileExpires } : {}),
    };
    try {
      await runtime.records.add(record);
    } catch (error) {
      await runtime.blobs.delete(id).catch(() => {});
      throw error;
    }
    const stored: UploadStoredRecord = {
      owner: claims.owner,
      id,
      name: claims.name,
      bytes: claims.size,
      durationMs: Math.round(performance.now() - started),
    };
    runtime.logger.info(stored, 'HTTP upload stored');
    runtime.events.emit('http-upload-stored', stored);
    response.writeHead(201, { ...CORS_HEADERS, 'content-length': '0' });
    response.end();
  } catch (error) {
    if (error instanceof HttpBodyTooLargeError) throw error; // the HTTP service answers 413 itself
    if (request.signal.aborted) {
      runtime.logger.debug({ id, err: error }, 'HTTP upload aborted by the client; nothing kept');
      return;
    }
    if (error instanceof BlobExistsError) return sendError(response, uploadErrors.fileExists(), REFUSAL_HEADERS);
    if (error instanceof BlobSizeError) {
      const refusal = error.received > error.expected ? uploadErrors.sizeMismatch() : uploadErrors.incompleteBody();
      return sendError(response, refusal, REFUSAL_HEADERS);
    }
    if (isStreamCut(error)) {
      runtime.logger.debug({ id, err: error }, 'HTTP upload cut off; nothing kept');
      return sendError(response, uploadErrors.incompleteBody(), REFUSAL_HEADERS);
    }
    throw error;
  } finally {
    untrack();
    runtime.inFlight.delete(id);
    finished();
  }
}

/** The checks that need no body: the slot, Content-Length, Content-Type, an existing file, quotas. */
function admit(runtime: UploadRuntime, request: HttpRequest): { claims: SlotClaims; contentType: string } {
  const { options } = runtime;
  const authorization = request.headers.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  const claims = token === undefined ? undefined : verifySlot(runtime.slotKey, token, runtime.now());
  if (!claims || request.segments.length !== 2 || request.segments[0] !== claims.id) throw uploadErrors.invalidSlot();
  if (request.contentLength === undefined) throw uploadErrors.lengthRequired();
  if (request.contentLength > claims.size) throw uploadErrors.fileTooLarge(claims.size);
  if (request.contentLength !== claims.size) throw uploadErrors.sizeMismatch();
  const sent = request.headers['content-type'];
  if (claims.contentType !== undefined && (sent === undefined || mediaType(sent) !== mediaType(claims.contentType))) {
    throw uploadErrors.contentTypeMismatch();
  }
  // §6: "MAY assume application/octet-stream" when no type was named. A type first named in the
  // PUT meets the same allow- and deny-lists a slot's would have.
  const contentType = claims.contentType ?? sent ?? DEFAULT_CONTENT_TYPE;
  if (!isTypeAllowed(contentType, options.allowed_types, options.forbidden_types)) {
    throw uploadErrors.notAcceptable(`Files of type ${contentType} are not accepted here`);
  }
  if (runtime.records.has(claims.id)) throw uploadErrors.fileExists();
  // Slots are stateless, so several may be out at once: the quota is checked again at the PUT.
  const refusal = checkQuota(
    claims.size,
    { files: runtime.records.ofOwner(claims.owner), globalBytes: runtime.records.totalBytes },
    {
      dailyBytes: options.daily_quota_bytes,
      userBytes: options.user_quota_bytes,
      globalBytes: options.global_quota_bytes,
    },
    runtime.now(),
  );
  if (refusal) throw refusal;
  return { claims, contentType };
}

function isStreamCut(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR';
}

/** Hashes and counts what passes through: the SHA-256 is known the moment the last byte is stored. */
class HashingStream extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}
