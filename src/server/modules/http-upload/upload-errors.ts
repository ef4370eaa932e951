// XEP-0363 §5 (errors over XMPP) and §6 (the HTTP PUT): every way an upload can be refused,
// defined once with both its faces — the StanzaError a slot request gets and the HTTP status and
// short text a PUT or GET gets — as Prosody's mod_http_file_share does. A handler throws one of
// these; the IQ side lets the core turn it into the error reply, the HTTP side calls sendError.
import type { ServerResponse } from 'node:http';
import { StanzaError, type StanzaErrorCondition, type StanzaErrorType } from '@ferry/protocol/errors/stanza-error';
import { uploadErrors as codec } from '@ferry/protocol/payloads/http-upload';

/** A refusal with both faces. It is a StanzaError, so an IQ handler can simply throw it. */
export class UploadError extends StanzaError {
  readonly status: number;
  readonly httpText: string;

  constructor(face: { stanza: StanzaError; status: number; httpText: string }) {
    super(face.stanza.condition, {
      type: face.stanza.type,
      ...(face.stanza.text !== undefined ? { text: face.stanza.text } : {}),
      ...(face.stanza.application ? { application: face.stanza.application } : {}),
    });
    this.name = 'UploadError';
    this.status = face.status;
    this.httpText = face.httpText;
  }
}

function define(condition: StanzaErrorCondition, type: StanzaErrorType, status: number, text: string): UploadError {
  return new UploadError({ stanza: new StanzaError(condition, { type, text }), status, httpText: text });
}

export const uploadErrors = {
  /** §5: over max-file-size; the XMPP face carries <file-too-large><max-file-size/>. */
  fileTooLarge: (maxFileSize: number) =>
    new UploadError({ stanza: codec.fileTooLarge(maxFileSize), status: 413, httpText: 'file too large' }),
  /** §5: a personal quota; <retry stamp/> when we know when room frees up (the rolling daily quota). */
  quotaReached: (text: string, retryAt?: Date) =>
    new UploadError({ stanza: codec.quotaReached(text, retryAt), status: 413, httpText: text }),
  /** A bad file name or a MIME type the configuration refuses. */
  notAcceptable: (text: string) => define('not-acceptable', 'modify', 400, text),
  /** §5 (example 9): the requester is not allowed to upload here. */
  forbidden: (text: string) => define('forbidden', 'auth', 403, text),
  /** §6: a PUT whose slot token is forged, tampered with or expired. */
  invalidSlot: () => define('forbidden', 'auth', 403, 'invalid or expired upload slot'),
  /** §6: "MUST reject the file upload if the Content-Length does not match". */
  lengthRequired: () => define('bad-request', 'modify', 411, 'Content-Length required'),
  sizeMismatch: () => define('bad-request', 'modify', 400, 'Content-Length does not match the slot'),
  /** §6: "SHOULD reject the file if the Content-Type has been specified beforehand and does not match". */
  contentTypeMismatch: () => define('bad-request', 'modify', 400, 'Content-Type does not match the slot'),
  /** A second PUT to the same slot: the file is already there (or on its way). */
  fileExists: () => define('conflict', 'cancel', 409, 'file already exists'),
  /** The body ended or was cut before Content-Length bytes. */
  incompleteBody: () => define('bad-request', 'modify', 400, 'upload incomplete'),
  notFound: () => define('item-not-found', 'cancel', 404, 'not found'),
  rangeNotSatisfiable: () => define('bad-request', 'modify', 416, 'range not satisfiable'),
};

/** The HTTP face: a short plain-text answer with the definition's status. */
export function sendError(response: ServerResponse, error: UploadError, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.writableEnded) return;
  const body = `${error.httpText}\n`;
  response.writeHead(error.status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
  });
  response.end(body);
}
