// Sharing an uploaded file by link: the message every client understands. The URL is the whole
// <body/> and XEP-0066 <x><url/></x> (what Conversations, Gajim and Dino send and show as a file),
// plus the XEP-0447 <file-sharing/> with the name, size, media type and SHA-256 (XEP-0446 with
// XEP-0300) and the url-data source, so a receiver can check what it fetched. Type chat, so the
// server stores it offline for a recipient with no resource online (RFC 6121 §8.5.2).
import { randomHex } from '../platform/index.js';
import { Jid } from '@ferry/protocol/jid';
import { encodeFileSharing } from '@ferry/protocol/payloads/file-sharing';
import { sha256Hash } from '@ferry/protocol/payloads/file-metadata';
import { encodeOob } from '@ferry/protocol/payloads/oob';
import { xml, type Element } from '@ferry/protocol/xml/element';
import type { XmppConnection } from '../connection.js';
import type { UploadResult } from './http-uploader.js';

/** What a link message says about the file: an upload's result, or the same fields from elsewhere. */
export type SharedFile = Pick<UploadResult, 'url' | 'name' | 'size' | 'mimeType' | 'sha256'>;

/** The message that shares an uploaded file: body + XEP-0066 oob + XEP-0447 file-sharing. */
export function encodeLinkMessage(to: Jid, file: SharedFile, id = `ferry-${randomHex(8)}`): Element {
  return xml(
    'message',
    { to: to.toString(), type: 'chat', id },
    xml('body', null, file.url),
    encodeOob({ url: file.url }),
    encodeFileSharing({
      disposition: 'attachment',
      file: {
        name: file.name,
        size: file.size,
        ...(file.mimeType !== undefined ? { mediaType: file.mimeType } : {}),
        hashes: [sha256Hash(file.sha256)],
      },
      sources: [{ url: file.url }],
    }),
  );
}

/** Sends the link message to a bare or full JID; resolves with the message id. */
export async function shareLink(connection: XmppConnection, to: string | Jid, file: SharedFile): Promise<string> {
  const jid = typeof to === 'string' ? Jid.parse(to) : to;
  const message = encodeLinkMessage(jid, file);
  await connection.send(message);
  return message.attrs.id as string;
}
