// A browser entry for tests that drive the client library itself from page.evaluate: the browser
// build (packages/client/src/browser.ts) with a few test steps on `globalThis.ferryTest`. Bundled by
// bundleForBrowser like examples/web; the steps live here, not in page.evaluate callbacks, because
// tsx's transform adds helpers (__name) that a serialised callback cannot reach in the page.
import {
  FileTransferManager,
  LinkOffer,
  blobSink,
  connect,
  createHash,
  createIbbTransport,
  fileSource,
} from '@ferry/client/internal/browser';

export type LinkDownloadOutcome =
  { bytes: number; offset: number; received: number; sha256: string } | { code: string | undefined; message: string };

/** Accepts a link offer for `url` into a Blob from `offset`: the result, or the error's code and message. */
async function downloadLink(url: string, offset: number, size: number | undefined): Promise<LinkDownloadOutcome> {
  const from = { toString: () => 'bob@localhost' } as ConstructorParameters<typeof LinkOffer>[0];
  const offer = new LinkOffer(
    from,
    {
      method: 'link',
      url,
      name: new URL(url).pathname.split('/').pop() ?? 'file',
      size,
      sha256: undefined,
      mimeType: undefined,
      description: undefined,
      date: undefined,
      id: 'test',
    },
    { tls: undefined, allowHttp: false, connectTimeoutMs: 15_000, stallTimeoutMs: 30_000 },
  );
  const sink = blobSink();
  try {
    const result = await offer.accept({ to: sink.writable, offset });
    const hash = createHash('sha256');
    const reader = sink.blob().stream().getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) hash.update(chunk.value);
    return { bytes: result.bytes, offset: result.offset, received: sink.blob().size, sha256: hash.digest('hex') };
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
}

/**
 * Logs in, starts an XEP-0363 upload of `size` random bytes and aborts it at its first progress
 * report (the PUT is under way): the error it rejected with, by name and message.
 */
async function abortedUpload(
  login: { service: string; jid: string; password: string },
  size: number,
): Promise<{ name: string; message: string } | 'uploaded'> {
  const connection = await connect(login);
  const manager = new FileTransferManager(connection, { transports: [createIbbTransport()] });
  try {
    const parts: Uint8Array[] = [];
    for (let at = 0; at < size; at += 65_536)
      parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65_536, size - at))));
    const { stream } = fileSource(new Blob(parts as unknown as ConstructorParameters<typeof Blob>[0]), 'aborted.bin');
    const controller = new AbortController();
    const upload = manager.upload(stream, { name: 'aborted.bin', size, signal: controller.signal });
    upload.once('progress', () => controller.abort(new Error('stopped by the test')));
    await upload.done;
    return 'uploaded';
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  } finally {
    manager.close();
    await connection.stop();
  }
}

export const ferryTest = { downloadLink, abortedUpload };

(globalThis as unknown as { ferryTest: typeof ferryTest }).ferryTest = ferryTest;
