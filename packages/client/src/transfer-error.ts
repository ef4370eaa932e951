// Operational errors of the client library, with stable codes (docs: README "Errors").
/** The stable codes of TransferError (`error.code`), one per operational failure. */
export type TransferErrorCode =
  | 'FERRY_ERR_TIMEOUT'
  | 'FERRY_ERR_DECLINED'
  | 'FERRY_ERR_NO_COMMON_METHOD'
  | 'FERRY_ERR_NO_STREAMHOST'
  | 'FERRY_ERR_ACTIVATION'
  | 'FERRY_ERR_IBB'
  | 'FERRY_ERR_CANCELLED'
  /** The peer's resource is not online: it sent unavailable presence, or its server answered for it. */
  | 'FERRY_ERR_PEER_OFFLINE'
  /** The peer's disco#info lists no SI file transfer, or none of the stream methods offered; no offer was sent. */
  | 'FERRY_ERR_PEER_UNSUPPORTED'
  | 'FERRY_ERR_SIZE_MISMATCH'
  | 'FERRY_ERR_HASH_MISMATCH'
  | 'FERRY_ERR_FILE_EXISTS'
  // The receiver's target, checked before the offer is answered (the sender is declined with why):
  /** The folder to save into is missing, not a folder, or not writable; or the target is a folder. */
  | 'FERRY_ERR_TARGET_NOT_WRITABLE'
  // The connection to the server (connect() and afterwards).
  | 'FERRY_ERR_CONNECTION_REFUSED'
  | 'FERRY_ERR_DNS'
  | 'FERRY_ERR_CONNECT_TIMEOUT'
  | 'FERRY_ERR_TLS_UNTRUSTED'
  /** connect(): `caFile` cannot be read. */
  | 'FERRY_ERR_CA_FILE'
  | 'FERRY_ERR_TLS_REQUIRED'
  | 'FERRY_ERR_AUTH'
  | 'FERRY_ERR_NOT_XMPP'
  | 'FERRY_ERR_STREAM'
  | 'FERRY_ERR_DISCONNECTED'
  | 'FERRY_ERR_CANCELLED_BY_PEER'
  /**
   * No byte moved for the stall timeout (FileTransferOptions.stallTimeoutMs, default 30 s): the
   * transfer was cancelled and the peer told (IBB <close/>, SOCKS5 reset, HTTP connection closed).
   */
  | 'FERRY_ERR_STALLED'
  // HTTP File Upload (XEP-0363) and links (XEP-0066, XEP-0447).
  /** No item of our server's disco#items is an upload service. */
  | 'FERRY_ERR_NO_UPLOAD_SERVICE'
  /** Over the upload service's max-file-size (`detail.maxFileSize`, when it said). */
  | 'FERRY_ERR_FILE_TOO_LARGE'
  /** The upload service refused the slot request; the message carries its error text. */
  | 'FERRY_ERR_UPLOAD_REFUSED'
  /** An HTTP request failed: `detail.status` and a short text, or the connection broke. */
  | 'FERRY_ERR_HTTP'
  /** A plain-http URL where https is required (allowed only by an explicit option). */
  | 'FERRY_ERR_INSECURE_URL';

/** What some codes carry besides their message. */
export interface TransferErrorDetail {
  /** FERRY_ERR_FILE_TOO_LARGE: the service's limit in bytes. */
  maxFileSize?: number;
  /** FERRY_ERR_HTTP: the response status. */
  status?: number;
}

/**
 * An operational failure of the client library (connection, timeout, transport, file), with a
 * stable `code` to branch on and a one-line `message` for people.
 */
export class TransferError extends Error {
  /** What failed; stable across versions. */
  readonly code: TransferErrorCode;
  /** Values some codes carry (see TransferErrorDetail). */
  readonly detail: TransferErrorDetail | undefined;

  constructor(code: TransferErrorCode, message: string, options?: { cause?: unknown; detail?: TransferErrorDetail }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransferError';
    this.code = code;
    this.detail = options?.detail;
  }
}
