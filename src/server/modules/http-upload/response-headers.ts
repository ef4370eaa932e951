// The headers that make serving other people's files safe to open in a browser (XEP-0363 §11
// server side: isolate the upload domain, CSP) and usable from web clients (§9: CORS).
//
// Inline or attachment: a file is shown in the browser only when its type is on a short allow-list
// of types a browser renders without running anything (images other than SVG, audio, video, plain
// text, PDF — the latter sandboxed by the CSP like everything else). HTML, SVG, XML, JavaScript and
// anything unknown are attachments: an uploaded page must never run on our origin.

const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'text/plain',
  'application/pdf',
]);
const INLINE_FAMILIES = ['audio/', 'video/'];

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The media type without parameters, lowercased: 'Text/HTML; charset=utf-8' → 'text/html'. */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

export function isInlineSafe(contentType: string): boolean {
  const type = mediaType(contentType);
  return INLINE_TYPES.has(type) || INLINE_FAMILIES.some((family) => type.startsWith(family));
}

/**
 * RFC 6266 Content-Disposition with the original name: an ASCII `filename` fallback (quotes,
 * backslashes and non-ASCII replaced) and `filename*` in RFC 8187 UTF-8 percent-encoding.
 */
export function contentDisposition(name: string, contentType: string): string {
  const kind = isInlineSafe(contentType) ? 'inline' : 'attachment';
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

/** RFC 8187 §3.2.1 value-chars: attr-char stays, everything else is %XX of its UTF-8 bytes. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/**
 * CSP for served files: nothing loads, nothing runs, and `sandbox` gives the document a unique
 * origin even when a browser does render it, so it can read no cookie or storage of ours.
 */
export const SERVED_FILE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** XEP-0363 §9: loose CORS so web clients on any origin can PUT and GET. Credentials are never needed: the slot is the credential. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'OPTIONS, HEAD, GET, PUT',
  'access-control-allow-headers': 'Authorization, Content-Type',
  'access-control-expose-headers': 'Content-Length, Content-Range, Accept-Ranges, ETag',
  'access-control-max-age': '7200',
};
