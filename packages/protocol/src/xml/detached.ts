// Strings parsed from the network are substrings of the chunk they arrived in, and V8 represents a
// substring as a view that keeps its whole parent alive: one address kept for an hour can keep a
// 64 KiB chunk with it. What is kept beyond the stanza's own life is detached first.
import { parseElement } from './parse-element.js';
import { serialize } from './serialize.js';
import type { Element } from './element.js';

/** A copy of text sharing no memory with a larger string (concatenating, then slicing, makes V8 flatten). */
export function detached(text: string): string {
  return ` ${text}`.slice(1);
}

/** A copy of a parsed element whose strings share no memory with the input it was read from. */
export function detachedElement(element: Element): Element {
  return parseElement(serialize(element)) ?? element;
}
