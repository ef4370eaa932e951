// Files in a browser are File/Blob and Web Streams; the core speaks its platform's Readable and
// Writable. These adapters join the two with back-pressure: a File is read one chunk per read(),
// and a received file is folded into Blob parts (the browser may keep those off the JS heap), so
// neither side holds the file as one array.
import type { Readable as NodeReadable, Writable as NodeWritable } from 'node:stream';
import { Readable, Writable } from '../index.js';
import type { FileMetadata } from '../../outgoing-transfer.js';
import { rememberBlob } from './file-blobs.js';

/** A File or Blob as a stream for FileTransferManager.send(), with the metadata an offer needs. */
export function fileSource(file: Blob, name?: string): { stream: NodeReadable; metadata: FileMetadata } {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const stream = new Readable({
    read() {
      reader ??= file.stream().getReader();
      reader.read().then(
        ({ done, value }) => this.push(done ? null : value),
        (error: unknown) => this.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      reader?.cancel(error ?? undefined).catch(() => {});
      callback(error);
    },
  });
  rememberBlob(stream, file);
  const fileName = name ?? (file as Partial<File>).name ?? 'file';
  return {
    stream,
    metadata: {
      name: fileName,
      size: file.size,
      ...(file.type ? { mimeType: file.type } : {}),
      ...((file as Partial<File>).lastModified ? { date: new Date((file as File).lastModified) } : {}),
    },
  };
}

export interface BlobSink {
  /** Give this to accept({ to }). */
  writable: NodeWritable;
  /** The bytes received so far, as one Blob (after `done`: the whole file). */
  blob(): Blob;
}

/** Parts are folded into one Blob every 4 MiB. */
const FOLD_BYTES = 4 * 1024 * 1024;

/** Collects a received file into a Blob, for a download link (URL.createObjectURL). */
export function blobSink(type = 'application/octet-stream'): BlobSink {
  let folded = new Blob([], { type });
  let parts: Uint8Array<ArrayBuffer>[] = [];
  let pending = 0;
  const fold = () => {
    folded = new Blob([folded, ...parts], { type });
    parts = [];
    pending = 0;
  };
  const writable = new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      // A copy: the writer may reuse its buffer once the callback ran.
      parts.push(new Uint8Array(chunk));
      pending += chunk.length;
      if (pending >= FOLD_BYTES) fold();
      callback();
    },
  });
  return {
    writable,
    blob() {
      if (parts.length > 0) fold();
      return folded;
    },
  };
}

/** A Web WritableStream (e.g. the File System Access API's) as a Writable for accept({ to }). */
export function webStreamSink(target: WritableStream<Uint8Array>): NodeWritable {
  const writer = target.getWriter();
  return new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      writer.write(new Uint8Array(chunk)).then(() => callback(), callback);
    },
    final(callback) {
      writer.close().then(() => callback(), callback);
    },
    destroy(error, callback) {
      if (error) writer.abort(error).catch(() => {});
      callback(error);
    },
  });
}
