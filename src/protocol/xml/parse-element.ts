// Parses one trusted, already-validated element (a stanza Ferry itself stored). Network input
// goes through the stream parser, never here.
import * as ltx from 'ltx';
import type { Element } from './element.js';

export function parseElement(text: string): Element | undefined {
  try {
    return ltx.parse(text) as Element;
  } catch {
    return undefined;
  }
}
