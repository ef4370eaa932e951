// A browser entry for tests that drive the client library itself from page.evaluate: the browser
// build (src/client/browser.ts) with a few test steps on `globalThis.ferryTest`. Bundled by
// bundleForBrowser like examples/web; the steps live here, not in page.evaluate callbacks, because
// tsx's transform adds helpers (__name) that a serialised callback cannot reach in the page.
import { LinkOffer, blobSink, createHash } from '../../src/client/browser.js';

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

export const ferryTest = { downloadLink };

(globalThis as unknown as { ferryTest: typeof ferryTest }).ferryTest = ferryTest;
