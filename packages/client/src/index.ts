// Ferry's client library: XEP-0096 file transfer over XEP-0065 SOCKS5 and XEP-0047 IBB, and
// XEP-0363 HTTP upload with link messages (XEP-0066, XEP-0447), on xmpp.js. `ferry/client` for
// applications; the CLI's send/receive are built on it.
import { createIbbTransport } from './transports/ibb/index.js';
import { createSocks5Transport } from './transports/socks5/index.js';
import type { BytestreamTransport } from './transports/bytestream.js';

export { connect, wrapClient, type XmppConnection, type ConnectOptions, type TlsTrust } from './connection.js';
export type { SrvRecord, SrvResolver } from './endpoints.js';
export { FileTransferManager, type FileTransferOptions, type RefusedOffer } from './file-transfer.js';
export { OutgoingTransfer, type SendOptions, type TransferResult, type FileMetadata } from './outgoing-transfer.js';
export { IncomingOffer, type AcceptOptions } from './incoming-offer.js';
export type { FileOffer, OfferMethod } from './file-offer.js';
export { LinkOffer, type LinkAcceptOptions } from './upload/link-offer.js';
export { JingleOffer } from './jingle/jingle-offer.js';
export { HttpUploader, Upload, type UploadOptions, type UploadResult } from './upload/http-uploader.js';
export { shareLink, encodeLinkMessage, type SharedFile } from './upload/share-link.js';
export {
  chooseSendRoute,
  fileProtocol,
  type OurMethods,
  type SendMethod,
  type SendRoute,
  type OnlineResource,
} from './upload/method-choice.js';
export { TransferError, type TransferErrorCode, type TransferErrorDetail } from './transfer-error.js';
// What the API rejects with besides TransferError: the peer's or the server's answer, and the
// address and element types its signatures name.
export {
  StanzaError,
  STANZA_ERROR_CONDITIONS,
  type StanzaErrorCondition,
  type StanzaErrorType,
  type StanzaErrorOptions,
} from '@ferry/protocol/errors/stanza-error';
export { Jid, JidError } from '@ferry/protocol/jid';
export { xml, type Element, type Attrs, type Child } from '@ferry/protocol/xml/element';
// Types the signatures above name: event maps, transport options and the bytestream contract.
export type { ManagerEvents } from './file-transfer.js';
export type { OutgoingEvents } from './outgoing-transfer.js';
export type { IncomingEvents } from './incoming-offer.js';
export type { JingleOfferEvents } from './jingle/jingle-offer.js';
export type { UploadEvents } from './upload/http-uploader.js';
export type { UploadService } from './upload/upload-service.js';
export type { HttpSettings } from './upload/http-request.js';
export type { IqHandler, StanzaListener } from './connection.js';
export type { IbbTransport, IbbTransportOptions } from './transports/ibb/ibb-transport.js';
export type { Socks5Transport } from './transports/socks5/index.js';
export type { Socks5TransportOptions } from './transports/socks5/settings.js';
export { ClientEntity, FERRY_CAPS_NODE, type EntityOptions } from './entity.js';
export { selectOfferTransports, type PeerSupport } from './peer-support.js';
export { sanitizeFileName } from './file-name.js';
export type { Progress } from './progress.js';
export type {
  BytestreamTransport,
  BytestreamMethod,
  BytestreamContext,
  IncomingBytestream,
  OutgoingBytestream,
} from './transports/bytestream.js';
export { createIbbTransport, createSocks5Transport };

/** The bytestream transports createTransports() makes: both ('auto'), or one. */
export type MethodChoice = 'auto' | 'socks5' | 'ibb';

/**
 * The transports for a method choice: SOCKS5 (direct, then proxies) before IBB, as XEP-0096 §3.1
 * prefers. A sender offers these stream methods; a receiver accepts only these (in this order).
 */
export function createTransports(options: {
  method?: MethodChoice;
  proxy?: string | undefined;
  blockSize?: number | undefined;
  /**
   * Direct SOCKS5 connections between the peers (default true); false forces a proxy. Sender: our
   * own listener is not offered. Receiver: the sender's own streamhosts are skipped.
   */
  direct?: boolean | undefined;
}): BytestreamTransport[] {
  const method = options.method ?? 'auto';
  const transports: BytestreamTransport[] = [];
  if (method !== 'ibb') {
    transports.push(
      createSocks5Transport({
        ...(options.proxy ? { proxies: [options.proxy] } : {}),
        ...(options.direct === false ? { direct: false } : {}),
      }),
    );
  }
  if (method !== 'socks5')
    transports.push(createIbbTransport(options.blockSize ? { blockSize: options.blockSize } : {}));
  return transports;
}
