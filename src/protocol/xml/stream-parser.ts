// RFC 6120 §4 (streams) and §11 (XML usage), RFC 7395 §3.3 (WebSocket framing): turns bytes from
// a peer into stream events and ltx stanzas, enforcing the restricted-XML subset and size limits.
import { Buffer, isAscii } from 'node:buffer';
import { SaxesParser, type SaxesStartTagPlain, type SaxesTagPlain, type XMLDecl } from 'saxes';
import { NS } from '../namespaces.js';
import { StreamError, type StreamErrorCondition } from '../errors/stream-error.js';
import { Element } from './element.js';

export interface StreamParserLimits {
  /** Bytes of one top-level element, counted in input bytes from its `<`. */
  maxStanzaBytes: number;
  /** Element nesting, the stanza itself being depth 1. Default 32. */
  maxDepth?: number;
}

export interface StreamParserHandlers {
  /** 'stream': the `<stream:stream>` root's attributes; 'framed': `<open xmlns=NS.FRAMING/>`'s. */
  onStreamOpen(attrs: Record<string, string>): void;
  /** A complete top-level element, carrying the default namespace it was sent in. */
  onStanza(element: Element): void;
  /** `</stream:stream>`, or `<close xmlns=NS.FRAMING/>`. Later input is ignored until reset(). */
  onStreamClose(): void;
  /** At most once; later input is ignored until reset(). */
  onError(error: StreamError): void;
}

type SaxOptions = { xmlns: false; fragment: boolean; position: false; forceXMLVersion: true; defaultXMLVersion: '1.0' };

const DEFAULT_MAX_DEPTH = 32;
// saxes gets at most this many UTF-16 units per call, so a huge chunk holding an oversized stanza
// is cut off after about limit + one slice of work instead of being parsed to its end.
const SLICE_CHARS = 65_536;
const WHITESPACE = /^[ \t\r\n]*$/;
const NON_ASCII = /[^\x00-\x7f]/;
const XML_NAME = /^[\p{L}_:][\p{L}\p{N}\p{M}_:.\-\u00B7]*$/u;
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = Object.freeze({
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
});
// RFC 7395 frames have no root to declare prefixes on. COMPAT: some WebSocket clients send
// <stream:error/> without declaring the prefix; treat `stream` as bound as if by a root.
const FRAMED_ROOT: Readonly<Record<string, string>> = Object.freeze({ 'xmlns:stream': NS.STREAM });
// Thrown through saxes to stop it mid-chunk (saxes has no abort); caught in #feedSlice.
const ABORT = Symbol('stream-parser.abort');
const STREAM_CLOSE = Symbol('stream-parser.stream-close');

export class XmlStreamParser {
  readonly #mode: 'stream' | 'framed';
  readonly #maxStanzaBytes: number;
  readonly #maxDepth: number;
  readonly #handlers: StreamParserHandlers;
  #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // saxes skips a leading BOM itself
  #isDecoderPending = false; // the decoder holds the first bytes of a split character
  #sax: SaxesParser<SaxOptions>;
  #isDone = false; // failed or closed: input is ignored until reset()
  #isWriting = false;
  #queued: Array<[text: string, isAscii: boolean]> = []; // writes made from inside a handler
  #abortError: StreamError | undefined;
  #handlerFailure: { error: unknown } | undefined;
  #deliveringAt: number | undefined; // slice index just past the event being delivered
  #restartAt: number | undefined; // set by reset() during a delivery

  // The stream: root attributes (undefined until <stream:stream> opened), open elements.
  #rootAttrs: Readonly<Record<string, string>> | undefined;
  #defaultNs: string | undefined;
  #depth = 0;
  #current: Element | undefined; // innermost open element of the stanza being built
  // A finished top-level element waits for saxes' next event: saxes reports a mismatched end
  // tag only after the closetag event, so `<message></iq>` must never reach onStanza.
  #pending: Element | typeof STREAM_CLOSE | undefined;
  #pendingAt = 0;

  // Byte accounting. A "unit" is what the limit applies to: a stanza from its `<` to its `>`,
  // the prolog plus stream header, or the bytes between stanzas. Events only record string
  // indexes; bytes are counted once per slice, and are free when the slice is ASCII.
  #slice = '';
  #isSliceAscii = true;
  #written = 0; // saxes position where #slice starts
  #mark = 0; // index in #slice up to which bytes are in #unitBytes
  #unitBytes = 0;

  constructor(mode: 'stream' | 'framed', limits: StreamParserLimits, handlers: StreamParserHandlers) {
    if (!(limits.maxStanzaBytes > 0)) throw new RangeError('maxStanzaBytes must be positive');
    this.#mode = mode;
    this.#maxStanzaBytes = limits.maxStanzaBytes;
    this.#maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#handlers = handlers;
    this.#sax = this.#createSax();
    this.#initStream();
  }

  /** Never throws for any input; an exception thrown by a handler propagates. */
  write(chunk: Buffer | string): void {
    if (this.#isDone || chunk.length === 0) return;
    let text: string;
    let isTextAscii = true;
    if (typeof chunk === 'string') {
      text = chunk;
      isTextAscii = !NON_ASCII.test(chunk);
    } else if (!this.#isDecoderPending && isAscii(chunk)) {
      text = chunk.toString('latin1');
    } else {
      try {
        text = this.#decoder.decode(chunk, { stream: true });
      } catch {
        // RFC 6120 §4.9.3.22: violating the rules of UTF-8 is unsupported-encoding.
        return this.#report(new StreamError('unsupported-encoding', 'invalid UTF-8'));
      }
      this.#isDecoderPending = (chunk[chunk.length - 1] ?? 0) >= 0x80;
      isTextAscii = false;
    }
    this.#queued.push([text, isTextAscii]);
    if (!this.#isWriting) this.#feed();
  }

  /** RFC 6120 §4.3.3 stream restart. From inside a handler, the rest of the chunk goes to the new stream. */
  reset(): void {
    this.#restartAt = this.#deliveringAt;
    if (!this.#isWriting) {
      // Inside a write, bytes the decoder holds come after the restart point: keep them.
      this.#decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      this.#isDecoderPending = false;
    }
    this.#isDone = false;
    this.#abortError = undefined;
    this.#sax = this.#createSax();
    this.#initStream();
  }

  #initStream(): void {
    const isFramed = this.#mode === 'framed';
    this.#rootAttrs = isFramed ? FRAMED_ROOT : undefined;
    this.#defaultNs = isFramed ? NS.CLIENT : undefined;
    this.#depth = 0;
    this.#current = undefined;
    this.#pending = undefined;
    this.#written = 0;
    this.#mark = 0;
    this.#unitBytes = 0;
  }

  #createSax(): SaxesParser<SaxOptions> {
    const sax = new SaxesParser<SaxOptions>({
      xmlns: false, // ltx keeps xmlns attributes raw; prefixes are checked in #checkPrefix
      fragment: this.#mode === 'framed', // many top-level elements, no document root
      position: false,
      forceXMLVersion: true,
      defaultXMLVersion: '1.0',
    });
    sax.ENTITIES = new Proxy({}, { get: (_target, name) => this.#entity(name) });
    sax.on('opentagstart', this.#onOpenTagStart);
    sax.on('opentag', this.#onOpenTag);
    sax.on('closetag', this.#onCloseTag);
    sax.on('text', this.#onText);
    sax.on('cdata', this.#onText);
    sax.on('xmldecl', this.#onXmlDecl);
    // RFC 6120 §11.1: no comments, processing instructions, DTDs or entity declarations.
    sax.on('comment', () => this.#abort('restricted-xml', 'comment'));
    sax.on('processinginstruction', () => this.#abort('restricted-xml', 'processing instruction'));
    sax.on('doctype', () => this.#abort('restricted-xml', 'DOCTYPE'));
    // saxes reports a DOCTYPE after the root (or in a fragment) only as an error message.
    sax.on('error', (error) =>
      this.#abort(/doctype/i.test(error.message) ? 'restricted-xml' : 'not-well-formed', error.message),
    );
    return sax;
  }

  #feed(): void {
    this.#isWriting = true;
    try {
      for (let next = this.#queued.shift(); next !== undefined; next = this.#queued.shift()) {
        const [text, isTextAscii] = next;
        for (let offset = 0; offset < text.length && !this.#isDone;) {
          const end = Math.min(text.length, offset + SLICE_CHARS);
          const slice = offset === 0 && end === text.length ? text : text.slice(offset, end);
          const consumed = this.#feedSlice(slice, isTextAscii);
          if (consumed < 0) break;
          offset += consumed;
        }
      }
    } finally {
      this.#isWriting = false;
      this.#queued = [];
    }
  }

  /** Returns how much of the slice this stream consumed, or -1 when parsing stops. */
  #feedSlice(slice: string, isSliceAscii: boolean): number {
    this.#slice = slice;
    this.#isSliceAscii = isSliceAscii;
    this.#mark = 0;
    try {
      this.#sax.write(slice);
      this.#flush();
    } catch (thrown) {
      // Anything else escaping saxes is still the peer's malformed input.
      if (thrown !== ABORT) this.#abortError ??= new StreamError('not-well-formed', String(thrown));
      return this.#stopped();
    }
    this.#written += slice.length;
    this.#unitBytes += this.#bytes(this.#mark, slice.length);
    this.#mark = 0;
    if (this.#unitBytes <= this.#maxStanzaBytes) return slice.length;
    this.#report(this.#tooLarge(this.#unitBytes));
    return -1;
  }

  #stopped(): number {
    const failure = this.#handlerFailure;
    this.#handlerFailure = undefined;
    if (failure !== undefined) throw failure.error; // the application's bug, not the peer's
    const restartAt = this.#restartAt;
    this.#restartAt = undefined;
    if (restartAt !== undefined) return restartAt;
    if (this.#abortError !== undefined) this.#report(this.#abortError); // else the stream closed
    return -1;
  }

  #report(error: StreamError): void {
    this.#isDone = true;
    this.#abortError = undefined;
    this.#handlers.onError(error);
  }

  /** Stops saxes mid-chunk; #feedSlice then reports the error. */
  #fail(error: StreamError): never {
    // An error read right at a pending element's end is about its end tag; any later one is not.
    if (this.#pending !== undefined && this.#sax.position - this.#written !== this.#pendingAt) this.#flush();
    this.#pending = undefined;
    this.#abortError = error;
    throw ABORT;
  }

  #abort(condition: StreamErrorCondition, text: string): never {
    return this.#fail(new StreamError(condition, text));
  }

  #flush(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    const at = this.#pendingAt;
    if (pending === STREAM_CLOSE) return this.#close(at);
    if (this.#mode === 'framed' && pending.attrs.xmlns === NS.FRAMING) {
      if (pending.name === 'open') return this.#deliver(at, () => this.#handlers.onStreamOpen({ ...pending.attrs }));
      if (pending.name === 'close') return this.#close(at);
    }
    this.#deliver(at, () => this.#handlers.onStanza(pending));
  }

  #close(at: number): void {
    this.#isDone = true;
    this.#deliver(at, () => this.#handlers.onStreamClose());
  }

  /** Calls the application; throws ABORT to stop saxes if it failed, reset() or the stream closed. */
  #deliver(at: number, callback: () => void): void {
    this.#deliveringAt = at;
    try {
      callback();
    } catch (error) {
      this.#isDone = true;
      this.#handlerFailure = { error };
    } finally {
      this.#deliveringAt = undefined;
    }
    if (this.#handlerFailure !== undefined || this.#restartAt !== undefined || this.#isDone) throw ABORT;
  }

  readonly #onOpenTagStart = (tag: SaxesStartTagPlain): void => {
    this.#flush();
    if (this.#rootAttrs === undefined) return; // the stream root itself
    const depth = ++this.#depth;
    if (depth > this.#maxDepth) this.#abort('policy-violation', `elements nested deeper than ${this.#maxDepth}`);
    // saxes has read `<`, the name and one more character.
    if (depth === 1) this.#unitStart(this.#sax.position - this.#written - tag.name.length - 2);
  };

  readonly #onOpenTag = (tag: SaxesTagPlain): void => {
    if (this.#rootAttrs === undefined) return this.#openStream(tag);
    // Copied by hand: Object.assign (ltx's constructor) from saxes' null-prototype objects is ~4x slower.
    const element = new Element(tag.name);
    for (const name in tag.attributes) element.attrs[name] = tag.attributes[name];
    const parent = this.#current;
    if (parent !== undefined) {
      parent.children.push(element);
      element.parent = parent;
    } else if (element.attrs.xmlns === undefined && this.#defaultNs !== undefined && !tag.name.includes(':')) {
      // RFC 6120 §4.8.2: the content namespace applies to first-level children; stamp it so the
      // stanza can be routed onto another stream on its own.
      element.attrs.xmlns = this.#defaultNs;
    }
    this.#current = element;
    if (tag.name.includes(':')) this.#checkPrefix(element);
  };

  readonly #onCloseTag = (): void => {
    this.#flush();
    const element = this.#current;
    if (element !== undefined) {
      this.#current = element.parent ?? undefined;
      if (--this.#depth > 0) return;
    }
    this.#unitEnd();
    this.#pending = element ?? STREAM_CLOSE; // no element open: </stream:stream>
    this.#pendingAt = this.#mark;
  };

  readonly #onText = (text: string): void => {
    this.#flush();
    if (this.#current !== undefined) return void this.#current.children.push(text);
    // Between stanzas only whitespace (keepalives) is allowed. Other text is well-formed XML the
    // stream cannot carry: RFC 6120 §4.9.3.1 bad-format ("XML that cannot be processed"); we do
    // not validate, so invalid-xml (§4.9.3.11) does not apply. Before the root, saxes decides.
    if (this.#rootAttrs !== undefined && !WHITESPACE.test(text)) this.#abort('bad-format', 'text between stanzas');
  };

  readonly #onXmlDecl = (decl: XMLDecl): void => {
    // RFC 6120 §11.6: streams are UTF-8.
    if (decl.encoding !== undefined && decl.encoding.toLowerCase() !== 'utf-8') {
      this.#abort('unsupported-encoding', `encoding ${decl.encoding}`);
    }
  };

  #openStream(tag: SaxesTagPlain): void {
    const attrs: Record<string, string> = { ...tag.attributes };
    const condition = streamHeaderProblem(tag.name, attrs);
    if (condition !== undefined) this.#abort(condition, `stream header <${tag.name}>`);
    this.#rootAttrs = attrs;
    this.#defaultNs = attrs.xmlns;
    this.#unitEnd();
    this.#deliver(this.#mark, () => this.#handlers.onStreamOpen({ ...attrs }));
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
    const inherited = this.#rootAttrs?.[key];
    // RFC 6120 §4.9.3.2: a prefix with no namespace binding.
    if (inherited === undefined) this.#abort('bad-namespace-prefix', `unbound prefix ${prefix}`);
    stanza.attrs[key] = inherited;
  }

  #entity(name: string | symbol): string | undefined {
    if (typeof name !== 'string') return undefined;
    if (Object.hasOwn(PREDEFINED_ENTITIES, name)) return PREDEFINED_ENTITIES[name];
    // RFC 6120 §11.1: only the five predefined entities. A reference to any other well-formed
    // name is legal XML that XMPP forbids, so restricted-xml; a malformed one stays saxes' error.
    if (XML_NAME.test(name)) this.#abort('restricted-xml', `entity reference &${name};`);
    return undefined;
  }

  #unitStart(at: number): void {
    if (at < this.#mark) return; // the `<` was in an earlier slice: keep counting from there
    this.#unitBytes = 0;
    this.#mark = at;
  }

  #unitEnd(): void {
    const at = this.#sax.position - this.#written;
    const span = at - this.#mark;
    // A UTF-16 unit is at most 3 UTF-8 bytes: count exactly only when that bound is over the limit.
    if (this.#unitBytes + (this.#isSliceAscii ? span : span * 3) > this.#maxStanzaBytes) {
      const size = this.#unitBytes + this.#bytes(this.#mark, at);
      if (size > this.#maxStanzaBytes) this.#fail(this.#tooLarge(size));
    }
    this.#unitBytes = 0;
    this.#mark = at;
  }

  #tooLarge(size: number): StreamError {
    return new StreamError('policy-violation', `stanza of ${size}+ bytes exceeds ${this.#maxStanzaBytes}`);
  }

  #bytes(from: number, to: number): number {
    if (to <= from) return 0;
    return this.#isSliceAscii ? to - from : Buffer.byteLength(this.#slice.slice(from, to));
  }
}

/** RFC 6120 §4.8.1 and §4.9.3.2: the root must be `stream:stream` in the stream namespace. */
function streamHeaderProblem(name: string, attrs: Record<string, string>): StreamErrorCondition | undefined {
  const colon = name.indexOf(':');
  const prefix = colon === -1 ? '' : name.slice(0, colon);
  const local = name.slice(colon + 1);
  const namespace = prefix === '' ? attrs.xmlns : attrs[`xmlns:${prefix}`];
  if (namespace === undefined && prefix !== '') return 'bad-namespace-prefix'; // undeclared prefix
  if (namespace !== NS.STREAM || local !== 'stream') return 'invalid-namespace';
  // Right namespace, but not through the `stream` prefix (e.g. <foobar:stream>, or a default xmlns).
  if (prefix !== 'stream') return 'bad-namespace-prefix';
  // §4.8.2: the content namespace must differ from the stream namespace.
  if (attrs.xmlns === NS.STREAM) return 'invalid-namespace';
  return undefined;
}
