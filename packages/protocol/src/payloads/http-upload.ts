// XEP-0363: HTTP File Upload, v1.2 (urn:xmpp:http:upload:0) — the slot request with its optional
// purpose (1.2), the slot, the file-too-large and retry errors and the max-file-size disco
// extension. The HTTP side is not here.
import { StanzaError } from '../errors/stanza-error.js';
import { NS } from '../namespaces.js';
import { namespaceOf, xml, type Element } from '../xml/element.js';
import { findField, type DataForm } from './data-form.js';
import { extensionForm, findExtensionForm, type DiscoInfo } from './disco.js';
import {
  attr,
  expectElement,
  hasControlCharacters,
  malformed,
  parseFileName,
  parseInteger,
  parseMimeType,
  requireAttr,
  trimXmlWhitespace,
} from './untrusted.js';

/** Largest size we can represent exactly (2^53 − 1 bytes). */
export const MAX_UPLOAD_SIZE = Number.MAX_SAFE_INTEGER;

/** XEP-0363 §4: the requesting entity asks for a slot (iq get to the upload service). */
export interface UploadRequest {
  filename: string;
  /** In bytes; the HTTP PUT's Content-Length must match it (XEP-0363 §6). */
  size: number;
  contentType?: string;
  /** XEP-0363 1.2 "Upload purpose": absent means 'message', the default the service MUST assume. */
  purpose?: UploadPurpose;
}

export const UPLOAD_PURPOSES = ['message', 'profile', 'ephemeral', 'permanent'] as const;
export type UploadPurposeName = (typeof UPLOAD_PURPOSES)[number];

/**
 * XEP-0363 1.2: what the file is for, so the service can keep it the right time. 'ephemeral'
 * carries the time after which the service MUST NOT serve the file any more.
 */
export type UploadPurpose = { name: 'message' | 'profile' | 'permanent' } | { name: 'ephemeral'; expireBefore: Date };

/** The disco feature announcing support for one purpose: `urn:xmpp:http:upload:purpose:0#profile`. */
export function purposeFeature(name: UploadPurposeName): string {
  return `${NS.HTTP_UPLOAD_PURPOSE}#${name}`;
}

// XEP-0082 §3.2 DateTime (seconds required here: expire-before is a deadline, not a day).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** XEP-0082 DateTime in UTC with whole seconds, as XEP-0363 §5 wants for <retry stamp/>. */
export function formatDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** XEP-0363 §4: "Only the following header names are allowed". */
export const SLOT_HEADER_NAMES = ['Authorization', 'Cookie', 'Expires'] as const;
export type SlotHeaderName = (typeof SLOT_HEADER_NAMES)[number];

export interface SlotHeader {
  name: SlotHeaderName;
  value: string;
}

export interface UploadSlot {
  /** Where to PUT the file, with the headers the PUT must carry. */
  put: { url: string; headers: SlotHeader[] };
  /** Where the file can be fetched once uploaded: the URL to share. */
  get: { url: string };
}

export function encodeUploadRequest(request: UploadRequest): Element {
  return xml(
    'request',
    {
      xmlns: NS.HTTP_UPLOAD,
      filename: request.filename,
      size: request.size,
      'content-type': request.contentType,
    },
    request.purpose && encodePurpose(request.purpose),
  );
}

function encodePurpose(purpose: UploadPurpose): Element {
  return xml(purpose.name, {
    xmlns: NS.HTTP_UPLOAD_PURPOSE,
    'expire-before': purpose.name === 'ephemeral' ? formatDateTime(purpose.expireBefore) : undefined,
  });
}

export function decodeUploadRequest(element: Element): UploadRequest {
  expectElement(element, 'request', NS.HTTP_UPLOAD);
  const request: UploadRequest = {
    filename: parseFileName(requireAttr(element, 'filename'), "<request/> 'filename'"),
    size: parseInteger(requireAttr(element, 'size'), "<request/> 'size'", 0, MAX_UPLOAD_SIZE),
  };
  const contentType = attr(element, 'content-type');
  if (contentType !== undefined) request.contentType = parseMimeType(contentType, "<request/> 'content-type'");
  const purpose = decodePurpose(element);
  if (purpose !== undefined) request.purpose = purpose;
  return request;
}

function decodePurpose(request: Element): UploadPurpose | undefined {
  const elements = request.getChildElements().filter((child) => namespaceOf(child) === NS.HTTP_UPLOAD_PURPOSE);
  if (elements.length === 0) return undefined;
  if (elements.length > 1) throw malformed('XEP-0363: a <request/> names at most one purpose');
  const element = elements[0]!;
  const name = UPLOAD_PURPOSES.find((known) => known === element.getName());
  // An unknown purpose is a newer spec's: the service cannot honour what it does not know.
  if (name === undefined) {
    throw new StanzaError('feature-not-implemented', { text: `unknown upload purpose <${element.getName()}/>` });
  }
  if (name !== 'ephemeral') return { name };
  const raw = requireAttr(element, 'expire-before');
  const expireBefore = new Date(raw);
  if (!DATE_TIME.test(raw) || Number.isNaN(expireBefore.getTime())) {
    throw malformed("<ephemeral/> 'expire-before' is not an XEP-0082 DateTime");
  }
  return { name, expireBefore };
}

export function encodeUploadSlot(slot: UploadSlot): Element {
  return xml(
    'slot',
    { xmlns: NS.HTTP_UPLOAD },
    xml(
      'put',
      { url: slot.put.url },
      slot.put.headers.map((header) => {
        // We are the server here: a newline in a value is our bug, not the peer's problem.
        if (/[\r\n]/.test(header.value)) throw new RangeError(`newline in slot header ${header.name}`);
        return xml('header', { name: header.name }, header.value);
      }),
    ),
    xml('get', { url: slot.get.url }),
  );
}

/**
 * Decodes the service's slot. Per XEP-0363 §4, headers other than Authorization, Cookie and
 * Expires "MUST be ignored", and newlines MUST be stripped from names and values — so a hostile
 * service cannot smuggle extra HTTP headers into our PUT. URLs must be absolute http(s).
 */
export function decodeUploadSlot(element: Element): UploadSlot {
  expectElement(element, 'slot', NS.HTTP_UPLOAD);
  const put = element.getChild('put', NS.HTTP_UPLOAD);
  const get = element.getChild('get', NS.HTTP_UPLOAD);
  if (!put || !get) throw malformed('XEP-0363 §4: a <slot/> needs both <put/> and <get/>');
  const headers: SlotHeader[] = [];
  for (const header of put.getChildren('header', NS.HTTP_UPLOAD)) {
    const name = canonicalHeaderName(attr(header, 'name'));
    if (name === undefined) continue;
    // Newlines are stripped as §4 says; any other control character cannot be sent in HTTP.
    const value = header.getText().replace(/[\r\n]/g, '');
    if (hasControlCharacters(value.replace(/\t/g, ' '))) continue;
    headers.push({ name, value });
  }
  return {
    put: { url: parseHttpUrl(requireAttr(put, 'url'), "<put/> 'url'"), headers },
    get: { url: parseHttpUrl(requireAttr(get, 'url'), "<get/> 'url'") },
  };
}

function canonicalHeaderName(raw: string | undefined): SlotHeaderName | undefined {
  if (raw === undefined) return undefined;
  // HTTP field names are case-insensitive (RFC 9110 §5.1): "authorization" is Authorization.
  const name = raw.replace(/[\r\n]/g, '').toLowerCase();
  return SLOT_HEADER_NAMES.find((allowed) => allowed.toLowerCase() === name);
}

function parseHttpUrl(raw: string, what: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw malformed(`${what} is not a URL`);
  }
  // §4 wants TLS; plain http is still accepted so a local test server works. The caller decides.
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || hasControlCharacters(raw) || /\s/.test(raw)) {
    throw malformed(`${what} is not an http(s) URL`);
  }
  return raw;
}

/** XEP-0363 §5 errors, thrown by the upload service and read by clients. */
export const uploadErrors = {
  /** The request's size is over the limit: not-acceptable (modify) with the limit attached. */
  fileTooLarge(maxFileSize: number): StanzaError {
    return new StanzaError('not-acceptable', {
      type: 'modify',
      text: `File too large. The maximum file size is ${maxFileSize} bytes`,
      application: xml('file-too-large', { xmlns: NS.HTTP_UPLOAD }, xml('max-file-size', null, String(maxFileSize))),
    });
  },
  /**
   * §5: a temporary refusal such as a personal quota: resource-constraint (wait), with <retry/>
   * saying when trying again may succeed, when the service knows.
   */
  quotaReached(text: string, retryAt?: Date): StanzaError {
    return new StanzaError('resource-constraint', {
      type: 'wait',
      text,
      ...(retryAt ? { application: xml('retry', { xmlns: NS.HTTP_UPLOAD, stamp: formatDateTime(retryAt) }) } : {}),
    });
  },
};

/** The time a quota error's <retry stamp/> names, or undefined when it has none (or an unreadable one). */
export function readRetry(error: StanzaError): Date | undefined {
  const application = error.application;
  if (!application || application.getName() !== 'retry' || namespaceOf(application) !== NS.HTTP_UPLOAD)
    return undefined;
  const stamp = new Date(application.attrs.stamp as string);
  return Number.isNaN(stamp.getTime()) ? undefined : stamp;
}

/**
 * The limit carried by a file-too-large error, if `error` is one. XEP-0363 §5 makes
 * <max-file-size/> optional, so a file-too-large without it yields null; any other error undefined.
 */
export function readFileTooLarge(error: StanzaError): number | null | undefined {
  const application = error.application;
  if (!application || application.getName() !== 'file-too-large' || namespaceOf(application) !== NS.HTTP_UPLOAD) {
    return undefined;
  }
  const max = application.getChild('max-file-size', NS.HTTP_UPLOAD);
  if (!max) return null;
  return parseInteger(trimXmlWhitespace(max.getText()), '<max-file-size/>', 0, MAX_UPLOAD_SIZE);
}

/** XEP-0363 §3: the XEP-0128 form an upload service adds to its disco#info result. */
export function uploadServiceForm(maxFileSize?: number): DataForm {
  return extensionForm(
    NS.HTTP_UPLOAD,
    maxFileSize === undefined ? [] : [{ var: 'max-file-size', values: [String(maxFileSize)], options: [] }],
  );
}

/** The service's advertised max-file-size from its disco#info, or undefined when it has none. */
export function readMaxFileSize(info: DiscoInfo): number | undefined {
  const form = findExtensionForm(info, NS.HTTP_UPLOAD);
  const value = form && findField(form, 'max-file-size')?.values[0];
  if (value === undefined) return undefined;
  return parseInteger(trimXmlWhitespace(value), 'max-file-size', 0, MAX_UPLOAD_SIZE);
}
