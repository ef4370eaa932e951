// An HTTP answer that is not the one asked for, as a coded error a person can act on, on either
// platform (node:http's IncomingMessage, or a fetch() Response seen through the platform seam).
import type { HttpAnswer } from '../platform/http-contract.js';
import { TransferError } from '../transfer-error.js';

/** "404 Not Found: no such file" — the status and a short, single-line excerpt of the body. */
export async function httpFailure(response: HttpAnswer, what: string): Promise<TransferError> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (text.length >= 512) break;
    }
  } catch {
    // The status is the message; the body was only a nicety.
  }
  response.destroy();
  const status = response.statusCode ?? 0;
  const excerpt = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
  const reason = response.statusMessage ?? '';
  return new TransferError(
    'FERRY_ERR_HTTP',
    `${what}: HTTP ${status}${reason ? ` ${reason}` : ''}${excerpt && excerpt !== reason ? ` (${excerpt})` : ''}`,
    { detail: { status } },
  );
}
