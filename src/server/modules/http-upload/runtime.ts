// What the slot, PUT, GET and sweep code share while the module runs: created in setup(), gone at
// teardown (no module-level state). One interface so each handler states what it uses.
import type { LiveTransfers } from '../../core/live-transfers.js';
import type { Logger } from '../../core/logger.js';
import type { ServerEvents } from '../../core/server-events.js';
import type { TypedEmitter } from '../../core/typed-emitter.js';
import type { BlobStore } from './blob-store/types.js';
import type { FileRecords } from './file-records.js';
import type { HttpUploadOptions } from './options.js';

export interface UploadRuntime {
  /** The server's domain: an owner without one (a local account) is `owner@domain`. */
  readonly domain: string;
  /** Replaced as a whole when a reload changes the options that apply live (index.ts). */
  options: HttpUploadOptions;
  readonly slotKey: Buffer;
  readonly records: FileRecords;
  readonly blobs: BlobStore;
  readonly logger: Logger;
  readonly events: TypedEmitter<ServerEvents>;
  /** File ids whose PUT is streaming now: a second PUT to the slot gets 409, the sweeper leaves the blob alone. */
  /** PUTs in progress, by file id: settles (never rejects) when that PUT has finished either way. */
  readonly inFlight: Map<string, Promise<void>>;
  /** PUTs and GETs streaming now, with their bytes so far: what operators see (operations service). */
  readonly live: LiveTransfers;
  /** ms since the epoch. */
  now(): number;
  /** The absolute URL of a file: https://…/upload/<id>/<percent-encoded name>. */
  fileUrl(id: string, name: string): string;
}

/** One stored upload, for logs, the admin console and metrics (cf. 'proxy65-relay'). */
export interface UploadStoredRecord {
  /** The uploader's bare JID. */
  owner: string;
  id: string;
  name: string;
  bytes: number;
  durationMs: number;
}

/** One served download (whole or a range), finished or cut off. */
export interface UploadServedRecord {
  id: string;
  /** Bytes actually written to the client. */
  bytes: number;
  range?: { start: number; end: number };
  durationMs: number;
  remoteAddress: string;
  /** False when the client went away before the end. */
  isComplete: boolean;
}

declare module '../../core/server-events.js' {
  interface ServerEvents {
    'http-upload-stored': [record: UploadStoredRecord];
    'http-upload-served': [record: UploadServedRecord];
  }
}
