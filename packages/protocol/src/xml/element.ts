// The element type shared by server and client. xmpp.js (our client core) builds on ltx, so the
// server uses the same Element: payload codecs then work unchanged on both sides.
// The CommonJS build: the same Element class @xmpp/xml uses, so elements pass instanceof checks in xmpp.js.
import * as ltx from 'ltx/lib/ltx.js';

export const Element = ltx.Element;
export type Element = ltx.Element;

export type Attrs = Record<string, string | number | undefined | null>;
export type Child = Element | string | number | null | undefined | false | Child[];

/** Builds an element: xml('iq', { type: 'result', id }, xml('query', { xmlns: NS.PING })). */
export function xml(name: string, attrs: Attrs | null = null, ...children: Child[]): Element {
  const element = new ltx.Element(name);
  if (attrs) {
    const clean = element.attrs as Record<string, string>;
    for (const key in attrs) {
      const value = attrs[key];
      if (value !== undefined && value !== null) clean[key] = typeof value === 'string' ? value : String(value);
    }
  }
  if (children.length > 0) appendChildren(element, children);
  return element;
}

function appendChildren(element: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendChildren(element, child);
    else if (typeof child === 'number') element.t(String(child));
    else if (typeof child === 'string') element.t(child);
    else element.cnode(child);
  }
}

/** The element's namespace: its own xmlns, else the one it inherits from its parents. */
export function namespaceOf(element: Element): string | undefined {
  return element.getNS() ?? undefined;
}

/** A deep copy, for stanzas that go to several recipients with different addresses. */
export function cloneElement(element: Element): Element {
  return ltx.clone(element) as Element;
}
