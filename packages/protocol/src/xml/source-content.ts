// A parsed stanza remembers its content (everything between its start tag and its end tag)
// exactly as the sender wrote it, so routing can forward it without re-serialising the tree:
// only the top-level start tag is written anew from `attrs`, where the server stamps from, to
// and the content namespace. The parser freezes every `children` array and every nested
// `attrs` of what it builds, so that content cannot silently go stale; a module that wants a
// changed stanza clones it (cloneElement), and the clone has no source.
import type { Element } from './element.js';

const SOURCE = Symbol('ferry.source-content');
const MAX_PARTS = 256;

export interface SourceContent {
  /** The exact characters between the start tag's `>` and the end tag's `<`. */
  readonly text: string;
  /** Every character is ASCII (so its UTF-8 and latin1 encodings are the same bytes). */
  readonly isAscii: boolean;
  readonly children: Element['children'];
}

type WithSource = Element & { [SOURCE]?: SourceContent };

export function attachSourceContent(element: Element, text: string, isAscii: boolean): void {
  (element as WithSource)[SOURCE] = { text, isAscii, children: element.children };
}

/** The received content, while it still describes the element's children. */
export function sourceContent(element: Element): SourceContent | undefined {
  const source = (element as WithSource)[SOURCE];
  return source !== undefined && source.children === element.children ? source : undefined;
}

/**
 * Records a stanza's content while the parser reads it: from the start tag's `>` to the end
 * tag's `<`, across any number of inputs. Pieces are concatenated, never copied (V8 ropes).
 */
export class SourceRecorder {
  #from = -1; // where the content starts in the current input (0: in an earlier one); -1: idle
  readonly #parts: string[] = [];
  #batchStart = 0; // parts before it are joined batches
  #isAscii = true;

  /** The content starts at input index `at`. */
  start(at: number, isInputAscii: boolean): void {
    this.#from = at;
    this.#parts.length = 0;
    this.#batchStart = 0;
    this.#isAscii = isInputAscii;
  }

  stop(): void {
    this.#from = -1;
    this.#parts.length = 0;
    this.#batchStart = 0;
  }

  /** A new input is read. */
  begin(isInputAscii: boolean): void {
    if (!isInputAscii) this.#isAscii = false;
  }

  /** The input is used up inside the content: keep its tail. */
  carry(input: string): void {
    if (this.#from < 0) return;
    this.#parts.push(input.slice(this.#from));
    this.#from = 0;
    // A peer trickling bytes would otherwise leave one array slot per chunk: join each batch.
    const batch = this.#parts.length - this.#batchStart;
    if (batch >= MAX_PARTS) {
      this.#parts.push(this.#parts.splice(this.#batchStart, batch).join(''));
      this.#batchStart = this.#parts.length;
    }
  }

  /**
   * The end tag starts at `endTag` in the input (negative: that many characters before it, in
   * earlier inputs): attach what was recorded to the element.
   */
  finish(element: Element, input: string, endTag: number): void {
    if (this.#from < 0) return;
    if (endTag >= this.#from) this.#parts.push(input.slice(this.#from, endTag));
    let text = '';
    for (const part of this.#parts) text += part;
    if (endTag < 0) text = text.slice(0, text.length + endTag);
    attachSourceContent(element, text, this.#isAscii);
    this.stop();
  }
}
