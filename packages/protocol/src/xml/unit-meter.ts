// The stanza size limit, counted in input bytes over "units": a stanza from its `<` to its `>`,
// the prolog plus the stream header, or the bytes between stanzas (so endless whitespace, or a
// DOCTYPE that never ends, is stopped too). Units span any number of inputs.
import { StreamError } from '../errors/stream-error.js';
import { byteLength } from './input-text.js';

export class UnitMeter {
  readonly #maxBytes: number;
  #input = '';
  #isAscii = true;
  #from = 0; // where the unit starts in the input (0: in an earlier one)
  #bytes = 0; // its bytes in earlier inputs

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Reading moves on to a new input. */
  begin(input: string, isAscii: boolean): void {
    this.#input = input;
    this.#isAscii = isAscii;
  }

  /** A new document (stream restart) begins at `at`. */
  reset(at: number): void {
    this.#from = at;
    this.#bytes = 0;
  }

  /** The unit ends just before `at`, and the next begins there. Throws policy-violation if it was too large. */
  end(at: number): void {
    this.check(at);
    this.#bytes = 0;
    this.#from = at;
  }

  /** Throws policy-violation if the unit, read up to `at`, is already too large. */
  check(at: number): void {
    const span = at - this.#from;
    // A UTF-16 unit is at most 3 UTF-8 bytes: count exactly only when that bound is over the limit.
    if (this.#bytes + (this.#isAscii ? span : span * 3) <= this.#maxBytes) return;
    const size = this.#bytes + byteLength(this.#input, this.#isAscii, this.#from, at);
    if (size > this.#maxBytes) throw this.#tooLarge(size);
  }

  /** The input is used up with the unit unfinished: carry its bytes over. */
  carry(): void {
    this.#bytes += byteLength(this.#input, this.#isAscii, this.#from, this.#input.length);
    this.#from = 0;
    this.#input = '';
    if (this.#bytes > this.#maxBytes) throw this.#tooLarge(this.#bytes);
  }

  #tooLarge(size: number): StreamError {
    return new StreamError('policy-violation', `stanza of ${size}+ bytes exceeds ${this.#maxBytes}`);
  }
}
