// RFC 6120 §11.6: a stream is UTF-8. Chunks become text here, with the first character XML never
// allows (XML 1.0 §2.2 [2]) located, so the parser can stop right there. ASCII chunks, nearly all
// of them, skip the decoder: latin1 maps them one byte to one character.
import { Buffer, isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { StreamError } from '../errors/stream-error.js';

export interface InputText {
  text: string;
  /** Every character is ASCII: character offsets are byte offsets. */
  isAscii: boolean;
  /** Index of the first character XML does not allow, or -1. */
  invalidAt: number;
}

const NOT_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
// Surrogates cannot come out of the UTF-8 decoder; string input is checked for lone ones.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NON_ASCII = /[^\x00-\x7f]/;
const ASCII_CONTROLS = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).filter(
  (char) => char !== '\t' && char !== '\n' && char !== '\r',
);

export class InputDecoder {
  #decoder: TextDecoder | undefined; // made on the first non-ASCII chunk
  #isDecoderPending = false; // the decoder holds the first bytes of a split character
  #highSurrogate = ''; // string input: the first half of a pair split across writes

  /** The chunk as text ('' when it only began a character); throws unsupported-encoding. */
  decode(chunk: Buffer | string): InputText {
    if (typeof chunk === 'string') return this.#fromString(chunk);
    if (!this.#isDecoderPending && isAscii(chunk)) {
      const text = chunk.toString('latin1');
      return { text, isAscii: true, invalidAt: firstAsciiControl(text) };
    }
    let text: string;
    try {
      this.#decoder ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // the parser skips a BOM
      text = this.#decoder.decode(chunk, { stream: true });
    } catch {
      // RFC 6120 §4.9.3.22: violating the rules of UTF-8 is unsupported-encoding.
      throw new StreamError('unsupported-encoding', 'invalid UTF-8');
    }
    this.#isDecoderPending = (chunk[chunk.length - 1] ?? 0) >= 0x80;
    return { text, isAscii: false, invalidAt: text.search(NOT_XML_CHAR) };
  }

  /** A new stream after a restart outside a write: bytes of a split character are dropped. */
  reset(): void {
    this.#decoder = undefined;
    this.#isDecoderPending = false;
    this.#highSurrogate = '';
  }

  #fromString(chunk: string): InputText {
    let text = this.#highSurrogate + chunk;
    this.#highSurrogate = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.#highSurrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (!NON_ASCII.test(text)) return { text, isAscii: true, invalidAt: firstAsciiControl(text) };
    const invalid = text.search(NOT_XML_CHAR);
    const lone = text.search(LONE_SURROGATE);
    return { text, isAscii: false, invalidAt: lone >= 0 && (invalid < 0 || lone < invalid) ? lone : invalid };
  }
}

/**
 * The first C0 control other than tab, LF and CR, or -1: NOT_XML_CHAR for ASCII text. One indexOf
 * per character is a memchr each, about twice as fast as the regular expression on 64 KiB of IBB
 * base64, and cheaper on small chunks too.
 */
function firstAsciiControl(text: string): number {
  let first = -1;
  for (const control of ASCII_CONTROLS) {
    const at = text.indexOf(control);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}

/** UTF-8 bytes of text[from, to). */
export function byteLength(text: string, isAscii: boolean, from: number, to: number): number {
  if (to <= from) return 0;
  return isAscii ? to - from : Buffer.byteLength(text.slice(from, to));
}
