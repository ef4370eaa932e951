// Parses one trusted, already-validated element (a stanza Ferry itself stored). Network input
// goes through the stream parser, never here.
// The CommonJS build: the same Element class @xmpp/xml uses, so elements pass instanceof checks in xmpp.js.
import * as ltx from 'ltx/lib/ltx.js';
import type { Element } from './element.js';

export function parseElement(text: string): Element | undefined {
  try {
    return ltx.parse(text) as Element;
  } catch {
    return undefined;
  }
}
