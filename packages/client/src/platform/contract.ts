// What the client library needs from its host beyond the language itself, as types both
// platforms implement: platform/index.ts (Node) and platform/browser/index.ts (browsers).
import type { Readable } from 'node:stream';
import type { Progress } from '../progress.js';
import type { HttpSettings } from '../upload/http-settings.js';

/** A digest fed chunk by chunk: no file is ever held whole to hash it. */
export interface StreamingHash {
  update(data: Uint8Array | string): StreamingHash;
  digest(encoding: 'hex' | 'base64'): string;
}

/** A timeout that can be pushed back without a new timer per call (a stall watch per chunk). */
export interface RefreshableTimeout {
  refresh(): void;
  clear(): void;
}

/** md5 for XEP-0096, sha1 for caps and SOCKS5 DST.ADDR, sha256 for Jingle and uploads. */
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256';

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
