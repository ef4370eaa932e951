// XML 1.0 §2.4 and §2.11 on character data read in pieces: `]]>` may not appear, and CRLF counts
// as one line end, even when a chunk boundary falls inside either. Between pieces of one run of
// character data only a few flags are carried.
import type { Element } from './element.js';
import { MAX_REFERENCE_CHARS, isReferenceChar, notWellFormed } from './xml-syntax.js';

// A peer trickling character data in tiny chunks must not turn each piece into a rope node (~32
// bytes per byte received): small pieces cut by input ends are gathered and joined in batches.
const SMALL_PIECE = 256;
const MAX_PIECES = 256;

export class CharacterDataRun {
  #trailingBrackets = 0; // the previous piece ended the input with `]` or `]]`
  #isAfterCr = false; // the previous piece ended the input with CR
  #pieces: string[] | undefined; // small pieces not yet appended to the element
  #element: Element | undefined; // the element they belong to

  /** Literal character data as read; returns what remains once a cut CRLF's LF is dropped. */
  take(raw: string, isAtInputEnd: boolean): string {
    const carried = this.#trailingBrackets;
    let text = raw;
    if (carried > 0 || this.#isAfterCr) {
      if ((carried === 2 && text.startsWith('>')) || (carried >= 1 && text.startsWith(']>'))) {
        throw notWellFormed('"]]>" in character data');
      }
      // The LF of a CRLF whose CR ended the previous input: that line end is already counted.
      if (this.#isAfterCr && text.charCodeAt(0) === 0x0a) text = text.slice(1);
      this.interrupt();
    }
    if (text.includes(']]>')) throw notWellFormed('"]]>" in character data');
    if (isAtInputEnd) {
      this.#trailingBrackets = text.endsWith(']]') || (text === ']' && carried > 0) ? 2 : text.endsWith(']') ? 1 : 0;
      this.#isAfterCr = text.endsWith('\r');
    }
    return text;
  }

  /** Markup or a reference came between: the next piece starts a new run. */
  interrupt(): void {
    this.#trailingBrackets = 0;
    this.#isAfterCr = false;
  }

  /** A new document: nothing carries over. */
  reset(): void {
    this.interrupt();
    this.#pieces = undefined;
    this.#element = undefined;
  }

  /** Appends decoded text to the element; a small piece cut by the input's end may wait for more. */
  append(element: Element, text: string, isCut: boolean): void {
    if (this.#pieces !== undefined && element !== this.#element) this.flush();
    if (isCut && text.length < SMALL_PIECE) {
      this.#element = element;
      (this.#pieces ??= []).push(text);
      if (this.#pieces.length >= MAX_PIECES) this.flush();
      return;
    }
    if (this.#pieces !== undefined) this.flush();
    appendText(element, text);
  }

  /** Appends what is waiting (before markup, or anything else that reads the element). */
  flush(): void {
    const pieces = this.#pieces;
    if (pieces === undefined) return;
    this.#pieces = undefined;
    appendText(this.#element!, pieces.join(''));
    this.#element = undefined;
  }
}

/** Adjacent character data (pieces cut by chunk ends, references, CDATA) is one text child. */
function appendText(element: Element, text: string): void {
  if (text.length === 0) return;
  const children = element.children;
  const last = children.length - 1;
  if (last >= 0 && typeof children[last] === 'string') children[last] = (children[last] as string) + text;
  else children.push(text);
}

/**
 * Where a reference the input's end cut short starts in input[from, to) (`&` and characters
 * that may still continue it, no `;`), or -1. Only the last MAX_REFERENCE_CHARS are looked at:
 * lastIndexOf would search the whole input, a 64 KiB IBB block.
 */
export function unfinishedReference(input: string, from: number, to: number): number {
  let amp = -1;
  const start = Math.max(from, to - MAX_REFERENCE_CHARS + 1);
  for (let at = input.indexOf('&', start); at >= 0 && at < to; at = input.indexOf('&', at + 1)) amp = at;
  if (amp < 0) return -1;
  for (let i = amp + 1; i < to; i++) if (!isReferenceChar(input.charCodeAt(i))) return -1;
  return amp;
}
