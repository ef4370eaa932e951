// XEP-0447: Stateless file sharing, v0.3.1 — <file-sharing xmlns='urn:xmpp:sfs:0'/> in a message:
// the file's XEP-0446 metadata and its <sources/>. The only source kind Ferry fetches is an
// XEP-0103 <url-data target=URL/> (§3.1); others (jinglepub, XEP-0448 encrypted) are skipped.
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import { decodeFileMetadata, encodeFileMetadata, type FileMetadata } from './file-metadata.js';
import { parseAbsoluteUrl } from './oob.js';
import { attr, expectElement, malformed, requireAttr } from './untrusted.js';

export interface FileSharing {
  file: FileMetadata;
  /** The url-data targets, in the sender's order. */
  sources: { url: string }[];
  disposition?: 'inline' | 'attachment';
  id?: string;
}

export function encodeFileSharing(sharing: FileSharing): Element {
  return xml(
    'file-sharing',
    { xmlns: NS.SFS, disposition: sharing.disposition, id: sharing.id },
    encodeFileMetadata(sharing.file),
    xml(
      'sources',
      null,
      sharing.sources.map((source) => xml('url-data', { xmlns: NS.URL_DATA, target: source.url })),
    ),
  );
}

/** Decodes a <file-sharing/>; throws bad-request without <file/> or with a broken url-data. */
export function decodeFileSharing(element: Element): FileSharing {
  expectElement(element, 'file-sharing', NS.SFS);
  const file = element.getChild('file', NS.FILE_METADATA);
  if (!file) throw malformed('XEP-0447 §3.1: <file-sharing/> needs a <file/> metadata element');
  const sharing: FileSharing = { file: decodeFileMetadata(file), sources: [] };
  for (const sources of element.getChildren('sources', NS.SFS)) {
    for (const source of sources.getChildren('url-data', NS.URL_DATA)) {
      sharing.sources.push({ url: parseAbsoluteUrl(requireAttr(source, 'target'), "<url-data/> 'target'") });
    }
  }
  const disposition = attr(element, 'disposition');
  if (disposition === 'inline' || disposition === 'attachment') sharing.disposition = disposition;
  const id = attr(element, 'id');
  if (id !== undefined) sharing.id = id;
  return sharing;
}

/** The first <file-sharing/> of a message, decoded; undefined when it has none. */
export function findFileSharing(message: Element): FileSharing | undefined {
  const element = message.getChild('file-sharing', NS.SFS);
  return element ? decodeFileSharing(element) : undefined;
}
