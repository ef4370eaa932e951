// Ferry's client library in a browser (the `browser` condition of `ferry/client`): the same
// FileTransferManager over a WebSocket connection, with files as File/Blob and Web Streams. What
// needs Node stays out: file paths, the SOCKS5 direct listener, TCP/TLS, SRV lookups. Offers and
// sends run over IBB, in SI (XEP-0096) and Jingle (XEP-0261).
import { createIbbTransport } from './transports/ibb/index.js';

export { connect, wrapClient, type XmppConnection, type ConnectOptions } from './connection.js';
export { FileTransferManager, type FileTransferOptions, type RefusedOffer } from './file-transfer.js';
export { OutgoingTransfer, type SendOptions, type TransferResult, type FileMetadata } from './outgoing-transfer.js';
export { IncomingOffer, type AcceptOptions } from './incoming-offer.js';
export type { FileOffer, OfferMethod } from './file-offer.js';
export { JingleOffer } from './jingle/jingle-offer.js';
export { LinkOffer } from './upload/link-offer.js';
export { TransferError, type TransferErrorCode, type TransferErrorDetail } from './transfer-error.js';
export { StanzaError } from '@ferry/protocol/errors/stanza-error';
export { ClientEntity, type EntityOptions } from './entity.js';
export { sanitizeFileName } from './file-name.js';
export type { Progress } from './progress.js';
export type { BytestreamTransport, BytestreamMethod } from './transports/bytestream.js';
export { fileSource, blobSink, webStreamSink, type BlobSink } from './platform/browser/blob-stream.js';
export { createHash } from './platform/browser/crypto.js';
export type { HashAlgorithm, StreamingHash } from './platform/contract.js';
export { xml, type Element } from '@ferry/protocol/xml/element';
export { createIbbTransport };
