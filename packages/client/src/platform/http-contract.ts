// The HTTP seam's types: one PUT of a file to an upload slot and one GET of a shared link, as
// platform/http.ts (node:http(s)) and platform/browser/http.ts (fetch()) implement them. A seam
// apart from platform/index.ts because its implementations are built on the library's upload
// helpers, which themselves use the platform's primitives.
import type { Readable } from 'node:stream';
import type { Progress } from '../progress.js';
import type { HttpSettings } from '../upload/http-settings.js';

/**
 * An HTTP response whose body is still to be read: node:http's IncomingMessage as it is, or a
 * fetch() Response as a Readable. Errors while reading (stall, abort, reset) arrive as the
 * stream's error. A browser shows only the headers CORS lets it (Content-Length always).
 */
export interface HttpAnswer extends Readable {
  readonly statusCode?: number | undefined;
  readonly statusMessage?: string | undefined;
  readonly headers: { readonly 'content-length'?: string | undefined; readonly 'content-range'?: string | undefined };
}

/** One GET of a shared link (XEP-0066 / XEP-0447), from `offset` on (an RFC 9110 Range). */
export interface GetFileRequest {
  url: string;
  offset: number;
  signal: AbortSignal | undefined;
}

/** One XEP-0363 §6 PUT of a whole file to a slot. */
export interface PutFileRequest {
  url: string;
  /** Content-Length, Content-Type when known and the slot's headers. */
  headers: Record<string, string | number>;
  /** A path (Node), or a stream: in a browser, fileSource()'s, whose File/Blob is what is sent. */
  source: string | Readable;
  size: number;
  /** The file's name, for messages. */
  name: string;
  signal: AbortSignal | undefined;
  report(progress: Progress): void;
}

/** Follows redirects (each hop held to the https rule); resolves once the headers arrived. */
export type GetFile = (request: GetFileRequest, settings: HttpSettings) => Promise<HttpAnswer>;

/** Resolves with the SHA-256 (hex) of the bytes sent once the server accepted them (200/201). */
export type PutFile = (request: PutFileRequest, settings: HttpSettings) => Promise<string>;
