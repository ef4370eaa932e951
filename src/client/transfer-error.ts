// Operational errors of the client library, with stable codes (docs: README "Errors").
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
  | 'FERRY_ERR_CANCELLED_BY_PEER';

export class TransferError extends Error {
  readonly code: TransferErrorCode;

  constructor(code: TransferErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransferError';
    this.code = code;
  }
}
