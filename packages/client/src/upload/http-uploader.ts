// XEP-0363 §4–§6 from the client: ask the upload service for a slot, PUT the file there, share the
// GET URL. The service is found once per connection (upload-service.ts); its max-file-size
// refuses a too-large file before asking. The PUT carries Content-Length, Content-Type when
// known and the slot's headers only (the codec keeps Authorization, Cookie and Expires, §4). The
// PUT is the platform seam's putFile: node:http(s) streaming the file, or fetch() sending a File.
import { EventEmitter, stat, basename } from '../platform/index.js';
import { putFile } from '../platform/http.js';
import type { Readable } from 'node:stream';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import { NS } from '@ferry/protocol/namespaces';
import {
  decodeUploadSlot,
  encodeUploadRequest,
  readFileTooLarge,
  type UploadSlot,
} from '@ferry/protocol/payloads/http-upload';
import { xml } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../connection.js';
import type { Progress } from '../progress.js';
import { TransferError } from '../transfer-error.js';
import { checkUrl, type HttpSettings } from './http-settings.js';
import { discoverUploadService, type UploadService } from './upload-service.js';

/** Options of FileTransferManager.upload(). */
export interface UploadOptions {
  /** Default: the file's base name ('file' for a stream). */
  name?: string | undefined;
  /** Required for a stream; a file's size is read from disk. */
  size?: number | undefined;
  mimeType?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** An upload that finished: what to share and how to check it. */
export interface UploadResult {
  /** XEP-0363 <get url/>: what to share. */
  url: string;
  name: string;
  size: number;
  mimeType: string | undefined;
  /** SHA-256 of the bytes sent, lowercase hex, computed while streaming. */
  sha256: string;
  /** The upload service's JID. */
  service: string;
}

export interface UploaderSettings {
  http: HttpSettings;
  /** Bounds the service discovery and the slot request. */
  requestTimeoutMs: number;
}

/** Upload's events and their arguments. */
export interface UploadEvents {
  slot: [UploadSlot];
  progress: [Progress];
}

/** One upload: 'slot' when the service granted one, 'progress' while the PUT runs, then `done`. */
export class Upload extends EventEmitter<UploadEvents> {
  readonly done: Promise<UploadResult>;
  /** @internal FileTransferManager makes these; applications get them from it. */
  constructor(run: (upload: Upload) => Promise<UploadResult>) {
    super();
    this.done = run(this);
    this.done.catch(() => {}); // listeners may use events only; never an unhandled rejection
  }
}

/** XEP-0363 HTTP File Upload: finds the upload service, asks for a slot and PUTs the bytes. */
export class HttpUploader {
  readonly #connection: XmppConnection;
  readonly #settings: UploaderSettings;
  #service: Promise<UploadService> | undefined;

  /** @internal FileTransferManager makes these; applications get them from it. */
  constructor(connection: XmppConnection, settings: UploaderSettings) {
    this.#connection = connection;
    this.#settings = settings;
  }

  /** The upload service of our server, asked once; a failed lookup is asked again next time. */
  service(signal?: AbortSignal): Promise<UploadService> {
    if (!this.#service) {
      const lookup = discoverUploadService(this.#connection, this.#settings.requestTimeoutMs, signal);
      this.#service = lookup;
      lookup.catch(() => {
        if (this.#service === lookup) this.#service = undefined;
      });
    }
    return this.#service;
  }

  /** Uploads a file path or a stream; see Upload for its events and result. */
  upload(source: string | Readable, options: UploadOptions = {}): Upload {
    return new Upload((upload) => this.#run(upload, source, options));
  }

  async #run(upload: Upload, source: string | Readable, options: UploadOptions): Promise<UploadResult> {
    const signal = options.signal;
    const file = await describe(source, options);
    const service = await this.service(signal);
    if (service.maxFileSize !== undefined && file.size > service.maxFileSize) throw tooLarge(file, service.maxFileSize);
    const slot = await this.#requestSlot(service, file, signal);
    upload.emit('slot', slot);
    // §4 wants https for both; the same rule as downloads (http only when explicitly allowed).
    checkUrl(slot.put.url, this.#settings.http.allowHttp);
    checkUrl(slot.get.url, this.#settings.http.allowHttp);
    const headers: Record<string, string | number> = { 'Content-Length': file.size };
    if (file.mimeType !== undefined) headers['Content-Type'] = file.mimeType;
    for (const header of slot.put.headers) headers[header.name] = header.value;
    const sha256 = await putFile(
      {
        url: slot.put.url,
        headers,
        source,
        size: file.size,
        name: file.name,
        signal,
        report: (progress) => upload.emit('progress', progress),
      },
      this.#settings.http,
    );
    return {
      url: slot.get.url,
      name: file.name,
      size: file.size,
      mimeType: file.mimeType,
      sha256,
      service: service.jid,
    };
  }

  async #requestSlot(service: UploadService, file: Described, signal: AbortSignal | undefined): Promise<UploadSlot> {
    const request = encodeUploadRequest({
      filename: file.name,
      size: file.size,
      ...(file.mimeType !== undefined ? { contentType: file.mimeType } : {}),
    });
    let result;
    try {
      result = await this.#connection.request(
        xml('iq', { type: 'get', to: service.jid }, request),
        this.#settings.requestTimeoutMs,
        signal,
      );
    } catch (error) {
      if (!(error instanceof StanzaError)) throw error;
      const max = readLimit(error);
      if (max !== undefined) throw tooLarge(file, max ?? undefined, error);
      throw new TransferError(
        'FERRY_ERR_UPLOAD_REFUSED',
        `${service.jid} refused an upload slot for ${file.name}: ${error.text ?? error.condition}`,
        { cause: error },
      );
    }
    const slot = result.getChild('slot', NS.HTTP_UPLOAD);
    try {
      if (!slot) throw new StanzaError('bad-request', { text: 'the result has no <slot/>' });
      return decodeUploadSlot(slot);
    } catch (error) {
      throw new TransferError(
        'FERRY_ERR_UPLOAD_REFUSED',
        `${service.jid} answered with an unusable slot: ${(error as StanzaError).text ?? (error as Error).message}`,
        { cause: error },
      );
    }
  }
}

interface Described {
  name: string;
  size: number;
  mimeType: string | undefined;
}

async function describe(source: string | Readable, options: UploadOptions): Promise<Described> {
  if (typeof source !== 'string') {
    if (options.size === undefined) throw new TypeError('uploading a stream needs its size (XEP-0363 §4)');
    return { name: options.name ?? 'file', size: options.size, mimeType: options.mimeType };
  }
  const info = await stat(source);
  if (!info.isFile()) throw new TypeError(`${source} is not a regular file`);
  return { name: options.name ?? basename(source), size: info.size, mimeType: options.mimeType };
}

/** The limit of a file-too-large error: a number, null (no limit given), undefined (another error). */
function readLimit(error: StanzaError): number | null | undefined {
  try {
    return readFileTooLarge(error);
  } catch {
    return null;
  }
}

function tooLarge(file: Described, max: number | undefined, cause?: unknown): TransferError {
  return new TransferError(
    'FERRY_ERR_FILE_TOO_LARGE',
    `${file.name} (${file.size} bytes) is larger than the upload service accepts` +
      (max === undefined ? '' : ` (at most ${max} bytes)`),
    { cause, ...(max === undefined ? {} : { detail: { maxFileSize: max } }) },
  );
}
