// Builds ltx elements from the tokenizer's tags: the nesting limit, the content namespace stamped
// on each stanza (RFC 6120 §4.8.2), and prefixes bound on the element, an ancestor or the stream
// root (§4.9.3.2). What it builds is frozen below the stanza's own attributes (source-content.ts).
import { NS } from '../namespaces.js';
import { StreamError } from '../errors/stream-error.js';
import { Element } from './element.js';
import type { StartTag } from './xml-syntax.js';

// RFC 7395 frames have no root to declare prefixes on. COMPAT: some WebSocket clients send
// <stream:error/> without declaring the prefix; treat `stream` as bound as if by a root. It is
// also what nearly every stream root declares, so such streams share this object.
const STREAM_PREFIX: Readonly<Record<string, string>> = Object.freeze({ 'xmlns:stream': NS.STREAM });
const KNOWN_NAMESPACES = new Map<string, string>(Object.values(NS).map((namespace) => [namespace, namespace]));

export class StanzaBuilder {
  readonly #maxDepth: number;
  #rootPrefixes: Readonly<Record<string, string>> | undefined; // undefined until the root opened
  #defaultNs: string | undefined;
  #depth = 0;
  #current: Element | undefined; // innermost open element of the stanza being built

  constructor(maxDepth: number) {
    this.#maxDepth = maxDepth;
  }

  /** A new document: framed (RFC 7395) has no root; a stream waits for its header. */
  reset(isFramed: boolean): void {
    this.#rootPrefixes = isFramed ? STREAM_PREFIX : undefined;
    this.#defaultNs = isFramed ? NS.CLIENT : undefined;
    this.#depth = 0;
    this.#current = undefined;
  }

  get isRootOpen(): boolean {
    return this.#rootPrefixes !== undefined;
  }

  /** The innermost open element; undefined between stanzas. */
  get current(): Element | undefined {
    return this.#current;
  }

  /** Stanza depth: 1 inside a stanza's own content. */
  get depth(): number {
    return this.#depth;
  }

  /** The stream header's attributes: keeps only what stanzas need, as shared strings where it can. */
  openRoot(attrs: Readonly<Record<string, string>>): void {
    let prefixes: Record<string, string> | undefined;
    for (const name in attrs) {
      if (name.startsWith('xmlns:')) (prefixes ??= {})[name] = internNamespace(attrs[name]!);
    }
    const isUsual =
      prefixes !== undefined && Object.keys(prefixes).length === 1 && prefixes['xmlns:stream'] === NS.STREAM;
    this.#rootPrefixes = isUsual ? STREAM_PREFIX : (prefixes ?? {});
    this.#defaultNs = attrs.xmlns === undefined ? undefined : internNamespace(attrs.xmlns);
  }

  open(tag: StartTag): Element {
    if (++this.#depth > this.#maxDepth) {
      throw new StreamError('policy-violation', `elements nested deeper than ${this.#maxDepth}`);
    }
    const element = new Element(tag.name);
    element.attrs = tag.attrs;
    const parent = this.#current;
    if (parent !== undefined) {
      parent.children.push(element);
      element.parent = parent;
    } else if (element.attrs.xmlns === undefined && this.#defaultNs !== undefined && !tag.name.includes(':')) {
      // The content namespace applies to first-level children; stamp it so the stanza can be
      // routed onto another stream on its own.
      element.attrs.xmlns = this.#defaultNs;
    }
    this.#current = element;
    if (tag.name.includes(':')) this.#checkPrefix(element);
    return element;
  }

  /** Closes the innermost element; true when that completed a stanza. */
  close(element: Element): boolean {
    Object.freeze(element.children);
    const parent = element.parent;
    this.#current = parent ?? undefined;
    this.#depth--;
    if (parent === null) return true;
    Object.freeze(element.attrs);
    return false;
  }

  /** A prefixed name must be declared on the element, an ancestor, or the root (then copied to the stanza). */
  #checkPrefix(element: Element): void {
    const prefix = element.name.slice(0, element.name.indexOf(':'));
    if (prefix === 'xml') return;
    const key = `xmlns:${prefix}`;
    let stanza = element;
    for (let node: Element | null = element; node !== null; node = node.parent) {
      if (node.attrs[key] !== undefined) return;
      stanza = node;
    }
    const inherited = this.#rootPrefixes?.[key];
    if (inherited === undefined) throw new StreamError('bad-namespace-prefix', `unbound prefix ${prefix}`);
    stanza.attrs[key] = inherited;
  }
}

function internNamespace(namespace: string): string {
  return KNOWN_NAMESPACES.get(namespace) ?? namespace;
}
