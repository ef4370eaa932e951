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
  | 'FERRY_ERR_TARGET_NOT_WRITABLE';

export class TransferError extends Error {
  readonly code: TransferErrorCode;

  constructor(code: TransferErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransferError';
    this.code = code;
  }
}
