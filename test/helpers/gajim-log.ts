// Gajim's `--verbose` output, kept as it comes (stdout and stderr): every stanza sent and received,
// one per line, with nbxmpp's and Gajim's debug log. Marks (lengths) let a case read only what was
// logged since it began. FERRY_GAJIM_LOG=<file> also keeps the whole log on disk (the helper's
// temporary HOME is removed at stop).
import { appendFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

export class GajimLog {
  #text = '';
  readonly #keep = process.env.FERRY_GAJIM_LOG;

  /** Appends everything `stream` prints from now on. */
  follow(stream: Readable): void {
    stream.on('data', (chunk: Buffer) => {
      if (this.#keep) appendFileSync(this.#keep, chunk);
      this.#text += chunk.toString();
    });
  }

  /** How much was logged so far: a mark for since() and jingleSince(). */
  get length(): number {
    return this.#text.length;
  }

  since(mark: number): string {
    return this.#text.slice(mark);
  }

  tail(chars = 6_000): string {
    return this.#text.slice(-chars);
  }

  /** The Jingle stanzas logged since the mark, sent and received. */
  jingleSince(mark: number): string[] {
    return jingleLines(this.#text.slice(mark));
  }
}

/**
 * Gajim's verbose log prints each stanza on one line, as sent or received: its own with double
 * quotes, Prosody's with single ones. These are the Jingle ones.
 */
export function jingleLines(log: string): string[] {
  return log.split('\n').filter((line) => /xmlns=["']urn:xmpp:jingle:1["']/.test(line));
}
