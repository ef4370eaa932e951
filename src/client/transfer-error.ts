// Operational errors of the client library, with stable codes (docs: README "Errors").
export type TransferErrorCode =
  | 'FERRY_ERR_TIMEOUT'
  | 'FERRY_ERR_DECLINED'
  | 'FERRY_ERR_NO_COMMON_METHOD'
  | 'FERRY_ERR_NO_STREAMHOST'
  | 'FERRY_ERR_ACTIVATION'
  | 'FERRY_ERR_IBB'
  | 'FERRY_ERR_CANCELLED'
  | 'FERRY_ERR_PEER_OFFLINE'
  | 'FERRY_ERR_SIZE_MISMATCH'
  | 'FERRY_ERR_HASH_MISMATCH'
  | 'FERRY_ERR_FILE_EXISTS'
  // The connection to the server (connect() and afterwards).
  | 'FERRY_ERR_CONNECTION_REFUSED'
  | 'FERRY_ERR_DNS'
  | 'FERRY_ERR_CONNECT_TIMEOUT'
  | 'FERRY_ERR_TLS_UNTRUSTED'
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
