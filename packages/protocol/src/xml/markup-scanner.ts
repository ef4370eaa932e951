// Finds where one construct ends when it may arrive in any number of pieces: a start or end tag,
// a processing instruction, a comment, a CDATA section or a DOCTYPE (from its `<`), or a reference
// in character data (from its `&`). The state carried between pieces is a few numbers, so a
// construct trickling in byte by byte costs time linear in its length; the stream parser reads
// the construct itself only once it is complete (xml-syntax.ts).
import { MAX_REFERENCE_CHARS, isReferenceChar } from './xml-syntax.js';

// What the scanner is inside of.
const AFTER_LT = 0; // just read `<`
const START_TAG = 1;
const END_TAG = 2;
const PI = 3;
const BANG = 4; // `<!`: a comment, CDATA section or DOCTYPE follows
const BANG_HEAD = 5; // matching the rest of `--`, `[CDATA[` or `DOCTYPE`
const COMMENT = 6;
const CDATA = 7;
const DOCTYPE = 8;
const REFERENCE = 9;

const LT = 0x3c;
const GT = 0x3e;
const QUOT = 0x22;
const APOS = 0x27;
const SEMICOLON = 0x3b;

export class MarkupScanner {
  #state = AFTER_LT;
  #quote = 0; // the open attribute or DOCTYPE literal quote, or 0
  #count = 0; // BANG_HEAD: characters matched; COMMENT/CDATA: trailing `-`/`]`; PI: 1 after `?`
  #head = ''; // BANG_HEAD: what must follow `<!`
  #depth = 0; // DOCTYPE: open `[`
  #length = 0; // REFERENCE: characters so far, from `&`

  /** A construct starts at a `<` (already read). */
  beginMarkup(): void {
    this.#state = AFTER_LT;
    this.#quote = 0;
  }

  /** A reference starts with `&` and the `length - 1` characters after it (already read). */
  beginReference(length: number): void {
    this.#state = REFERENCE;
    this.#length = length;
  }

  get isReference(): boolean {
    return this.#state === REFERENCE;
  }

  /**
   * Reads on from `from`: returns the index just past the construct's end, or -1 when it goes on
   * past this input. A tag broken by `<` ends just before it; the tag is then not well formed.
   */
  scan(input: string, from: number): number {
    const length = input.length;
    let i = from;
    while (i < length) {
      const code = input.charCodeAt(i);
      switch (this.#state) {
        case AFTER_LT:
          if (code === 0x2f) this.#state = END_TAG;
          else if (code === 0x3f) this.#state = PI;
          else if (code === 0x21) this.#state = BANG;
          else {
            this.#state = START_TAG;
            continue; // the name's first character
          }
          this.#count = 0;
          break;
        case START_TAG:
          if (code === LT) return i;
          if (this.#quote !== 0) {
            if (code === this.#quote) this.#quote = 0;
          } else if (code === GT) return i + 1;
          else if (code === QUOT || code === APOS) this.#quote = code;
          break;
        case END_TAG:
          if (code === GT) return i + 1;
          if (code === LT) return i;
          break;
        case PI:
          if (code === GT && this.#count === 1) return i + 1;
          this.#count = code === 0x3f ? 1 : 0;
          break;
        case BANG:
          if (code === 0x2d) this.#head = '--';
          else if (code === 0x5b) this.#head = '[CDATA[';
          else if (code === 0x44) this.#head = 'DOCTYPE';
          else return i + 1; // not well formed
          this.#state = BANG_HEAD;
          this.#count = 1;
          break;
        case BANG_HEAD:
          if (code !== this.#head.charCodeAt(this.#count)) return i + 1; // not well formed
          if (++this.#count === this.#head.length) {
            this.#state = this.#head === '--' ? COMMENT : this.#head === 'DOCTYPE' ? DOCTYPE : CDATA;
            this.#count = 0;
            this.#depth = 0;
            this.#quote = 0;
          }
          break;
        case COMMENT:
          if (code === GT && this.#count >= 2) return i + 1;
          this.#count = code === 0x2d ? this.#count + 1 : 0;
          break;
        case CDATA: {
          if (code === GT && this.#count >= 2) return i + 1;
          if (code !== 0x5d && this.#count === 0) {
            // Long CDATA sections: jump to the next `]`.
            const next = input.indexOf(']', i + 1);
            if (next < 0) return -1;
            i = next;
            this.#count = 1;
            break;
          }
          this.#count = code === 0x5d ? this.#count + 1 : 0;
          break;
        }
        case DOCTYPE:
          if (this.#quote !== 0) {
            if (code === this.#quote) this.#quote = 0;
          } else if (code === QUOT || code === APOS) this.#quote = code;
          else if (code === 0x5b) this.#depth++;
          else if (code === 0x5d) this.#depth--;
          else if (code === GT && this.#depth <= 0) return i + 1;
          break;
        case REFERENCE:
          if (code === SEMICOLON) return i + 1;
          if (!isReferenceChar(code) || ++this.#length >= MAX_REFERENCE_CHARS) return i; // not well formed
          break;
      }
      i++;
    }
    return -1;
  }
}
