// RFC 6120 §4 (streams) and §11 (XML usage), RFC 7395 §3.3 (WebSocket framing): turns bytes from
// a peer into stream events and ltx stanzas, enforcing the restricted-XML subset and size limits.
//
// A hand-written tokenizer (ADR 0003): character data is found with indexOf and taken as one
// slice, so a 64 KiB IBB block costs a few scans instead of work per character; markup is read
// only once complete (markup-scanner.ts finds its end across chunks, xml-syntax.ts reads it).
// Each stanza keeps the text of its content as received, so routing can forward it without
// serialising the tree again (source-content.ts).
import type { Buffer } from 'node:buffer';
import { NS } from '../namespaces.js';
import { StreamError } from '../errors/stream-error.js';
import type { Element } from './element.js';
import { CharacterDataRun, unfinishedReference } from './character-data.js';
import { InputDecoder } from './input-text.js';
import { MarkupScanner } from './markup-scanner.js';
import { SourceRecorder } from './source-content.js';
import { StanzaBuilder } from './stanza-builder.js';
import { streamHeaderProblem } from './stream-header.js';
import { UnitMeter } from './unit-meter.js';
import {
  cdataValue,
  isAllSpace,
  notWellFormed,
  parseEndTag,
  parseStartTag,
  parseXmlDeclaration,
  processingInstructionTarget,
  textValue,
  type StartTag,
} from './xml-syntax.js';

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

const DEFAULT_MAX_DEPTH = 32;
const BOM = 0xfeff;
const ROOT_NAME = 'stream:stream'; // streamHeaderProblem accepts no other

/** An application handler threw: carried out of the parse loop and rethrown as is. */
class HandlerFailure {
  constructor(readonly error: unknown) {}
}

export class XmlStreamParser {
  readonly #mode: 'stream' | 'framed';
  readonly #handlers: StreamParserHandlers;
  readonly #decoder = new InputDecoder();
  readonly #meter: UnitMeter;
  readonly #source = new SourceRecorder();
  readonly #characterData = new CharacterDataRun();
  readonly #scanner = new MarkupScanner();
  #isDone = false; // failed or closed: input is ignored until reset()
  #isWriting = false;
  #queued: Array<Buffer | string> | undefined; // writes made from inside a handler
  #deliveredAt = -1; // input index just past the construct being delivered, while it is
  #restartAt = -1; // set by reset() during a delivery: the new stream starts there
  #input = ''; // the text being read
  #isInputAscii = true;
  #partial = ''; // an unfinished construct, continued in the next input
  #isPartial = false;

  // The document: before the root (stream mode), inside it, element by element.
  #isDocumentStart = true; // nothing but a BOM read: an XML declaration may come
  #mayHaveBom = true; // nothing at all read
  #rootName: string | undefined;
  readonly #builder: StanzaBuilder;

  constructor(mode: 'stream' | 'framed', limits: StreamParserLimits, handlers: StreamParserHandlers) {
    if (!(limits.maxStanzaBytes > 0)) throw new RangeError('maxStanzaBytes must be positive');
    this.#mode = mode;
    this.#meter = new UnitMeter(limits.maxStanzaBytes);
    this.#builder = new StanzaBuilder(limits.maxDepth ?? DEFAULT_MAX_DEPTH);
    this.#handlers = handlers;
    this.#initDocument(0);
  }

  /** Never throws for any input; an exception thrown by a handler propagates. */
  write(chunk: Buffer | string): void {
    if (this.#isDone || chunk.length === 0) return;
    if (this.#isWriting) {
      (this.#queued ??= []).push(chunk);
      return;
    }
    this.#isWriting = true;
    try {
      this.#write(chunk);
      const queued = this.#queued;
      if (queued !== undefined) {
        for (let i = 0; i < queued.length && !this.#isDone; i++) this.#write(queued[i]!);
      }
    } finally {
      this.#isWriting = false;
      this.#queued = undefined;
    }
  }

  /** RFC 6120 §4.3.3 stream restart. From inside a handler, the rest of the chunk goes to the new stream. */
  reset(): void {
    if (this.#isWriting)
      this.#restartAt = this.#deliveredAt; // bytes the decoder holds come after it
    else this.#decoder.reset();
    this.#isDone = false;
    this.#initDocument(0);
  }

  #initDocument(at: number): void {
    this.#isDocumentStart = true;
    this.#mayHaveBom = true;
    this.#rootName = undefined;
    this.#builder.reset(this.#mode === 'framed');
    this.#partial = '';
    this.#isPartial = false;
    this.#characterData.reset();
    this.#meter.reset(at);
    this.#source.stop();
  }

  #write(chunk: Buffer | string): void {
    try {
      const { text, isAscii, invalidAt } = this.#decoder.decode(chunk);
      if (invalidAt < 0) return this.#parse(text, isAscii);
      if (invalidAt > 0) this.#parse(text.slice(0, invalidAt), isAscii);
      if (!this.#isDone) throw notWellFormed('character not allowed in XML');
    } catch (thrown) {
      if (thrown instanceof HandlerFailure) throw thrown.error; // the application's bug, not the peer's
      if (!(thrown instanceof StreamError)) throw thrown;
      this.#isDone = true;
      this.#handlers.onError(thrown);
    } finally {
      this.#input = ''; // an idle stream keeps no chunk
    }
  }

  #parse(input: string, isAscii: boolean): void {
    if (input.length === 0) return;
    this.#input = input;
    this.#isInputAscii = isAscii;
    this.#meter.begin(input, isAscii);
    this.#source.begin(isAscii);
    let pos = 0;
    if (this.#isPartial) {
      const end = this.#scanner.scan(input, 0);
      if (end < 0) {
        this.#partial += input;
        return this.#carry();
      }
      const construct = this.#partial + input.slice(0, end);
      this.#partial = '';
      this.#isPartial = false;
      pos = this.#construct(construct, end - construct.length, end);
    }
    const length = input.length;
    while (pos < length && !this.#isDone) {
      if (this.#mayHaveBom) {
        this.#mayHaveBom = false;
        if (input.charCodeAt(pos) === BOM) pos++; // as saxes did: a leading BOM is skipped
        continue;
      }
      const lt = input.indexOf('<', pos);
      const textEnd = lt < 0 ? length : lt;
      if (textEnd > pos) {
        pos = this.#text(input, pos, textEnd, lt < 0);
        if (pos < textEnd) break; // a reference goes on in the next input
      }
      if (lt < 0) break;
      if (this.#builder.depth === 0 && this.#builder.isRootOpen) this.#meter.end(lt); // a stanza (or the close) starts
      this.#scanner.beginMarkup();
      const end = this.#scanner.scan(input, lt + 1);
      if (end < 0) {
        this.#partial = input.slice(lt);
        this.#isPartial = true;
        break;
      }
      pos = this.#construct(input.slice(lt, end), lt, end);
    }
    if (!this.#isDone) this.#carry();
  }

  /** The input is used up while a unit, perhaps a stanza, is unfinished. */
  #carry(): void {
    this.#meter.carry();
    this.#source.carry(this.#input);
  }

  /** Character data in input[from, to); returns where it stopped (before a reference cut by the input's end). */
  #text(input: string, from: number, to: number, isAtInputEnd: boolean): number {
    const element = this.#builder.current;
    if (element === undefined) {
      if (!isAllSpace(input, from, to)) {
        // Before the root it is not XML; between stanzas it is well-formed XML the stream cannot
        // carry: RFC 6120 §4.9.3.1 bad-format (we do not validate, so not invalid-xml).
        if (!this.#builder.isRootOpen) throw notWellFormed('text outside the root element');
        throw new StreamError('bad-format', 'text between stanzas');
      }
      this.#isDocumentStart = false;
      return to;
    }
    this.#meter.check(to);
    let end = to;
    const reference = isAtInputEnd ? unfinishedReference(input, from, to) : -1;
    if (reference >= 0) {
      end = reference;
      this.#partial = input.slice(reference, to);
      this.#isPartial = true;
      this.#scanner.beginReference(to - reference);
    }
    if (end > from) {
      const raw = this.#characterData.take(input.slice(from, end), end === input.length);
      if (raw.length > 0) this.#characterData.append(element, textValue(raw), end === input.length);
    }
    return end;
  }

  /**
   * A complete construct that began at input index `start` (negative: that many characters
   * earlier, in previous inputs) and ends at `end`. Returns where parsing goes on.
   */
  #construct(construct: string, start: number, end: number): number {
    this.#characterData.interrupt();
    if (this.#scanner.isReference) {
      this.#characterData.append(this.#builder.current!, textValue(construct), false);
      return end;
    }
    this.#characterData.flush();
    this.#meter.check(end);
    const isDocumentStart = this.#isDocumentStart;
    this.#isDocumentStart = false;
    const second = construct.charCodeAt(1);
    if (second === 0x2f) return this.#endTag(parseEndTag(construct), start, end);
    if (second === 0x3f) return this.#processingInstruction(construct, isDocumentStart, end);
    if (second === 0x21) return this.#markupDeclaration(construct, end);
    return this.#startTag(parseStartTag(construct), end);
  }

  #processingInstruction(construct: string, isDocumentStart: boolean, end: number): number {
    const target = processingInstructionTarget(construct);
    if (target === 'xml' && isDocumentStart) {
      const encoding = parseXmlDeclaration(construct);
      // RFC 6120 §11.6: streams are UTF-8.
      if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8') {
        throw new StreamError('unsupported-encoding', `encoding ${encoding}`);
      }
      return end;
    }
    // A declaration anywhere else, or a malformed target, is not XML; any other processing
    // instruction is XML that RFC 6120 §11.1 forbids.
    if (target === '' || target.toLowerCase() === 'xml') throw notWellFormed('misplaced XML declaration');
    throw new StreamError('restricted-xml', 'processing instruction');
  }

  /** `<!…`: a CDATA section is character data; RFC 6120 §11.1 allows no comments, DTDs or entity declarations. */
  #markupDeclaration(construct: string, end: number): number {
    if (construct.startsWith('<![CDATA[') && construct.endsWith(']]>')) {
      const content = construct.slice(9, -3);
      const element = this.#builder.current;
      if (element !== undefined) this.#characterData.append(element, cdataValue(content), false);
      else if (!this.#builder.isRootOpen) throw notWellFormed('CDATA outside the root element');
      else if (!isAllSpace(content, 0, content.length)) throw new StreamError('bad-format', 'text between stanzas');
      return end;
    }
    if (construct.startsWith('<!--')) throw new StreamError('restricted-xml', 'comment');
    if (construct.startsWith('<!DOCTYPE')) throw new StreamError('restricted-xml', 'DOCTYPE');
    throw notWellFormed('malformed markup declaration');
  }

  #startTag(tag: StartTag, end: number): number {
    if (!this.#builder.isRootOpen) return this.#openStream(tag, end);
    const element = this.#builder.open(tag);
    if (tag.isEmpty) return this.#endElement(element, end, end);
    if (this.#builder.depth === 1) this.#source.start(end, this.#isInputAscii);
    return end;
  }

  #endTag(name: string, start: number, end: number): number {
    const element = this.#builder.current;
    if (element === undefined) {
      if (this.#mode === 'stream' && name === this.#rootName) {
        this.#meter.end(end);
        return this.#close(end);
      }
      throw notWellFormed(`unexpected end tag </${name}>`);
    }
    if (name !== element.name) throw notWellFormed(`end tag </${name}> does not match <${element.name}>`);
    return this.#endElement(element, start, end);
  }

  /** An element ended, its end tag spanning [start, end); a stanza is delivered. */
  #endElement(element: Element, start: number, end: number): number {
    if (!this.#builder.close(element)) return end;
    this.#meter.end(end);
    this.#source.finish(element, this.#input, start);
    if (this.#mode === 'framed' && element.attrs.xmlns === NS.FRAMING) {
      if (element.name === 'open') return this.#deliver(end, () => this.#handlers.onStreamOpen({ ...element.attrs }));
      if (element.name === 'close') return this.#close(end);
    }
    return this.#deliver(end, () => this.#handlers.onStanza(element));
  }

  #openStream(tag: StartTag, end: number): number {
    const attrs = tag.attrs;
    const condition = streamHeaderProblem(tag.name, attrs);
    if (condition !== undefined) throw new StreamError(condition, `stream header <${tag.name}>`);
    this.#rootName = ROOT_NAME;
    this.#builder.openRoot(attrs);
    this.#meter.end(end);
    const next = this.#deliver(end, () => this.#handlers.onStreamOpen({ ...attrs }));
    if (tag.isEmpty && !this.#isDone) return this.#close(end);
    return next;
  }

  #close(end: number): number {
    this.#isDone = true;
    return this.#deliver(end, () => this.#handlers.onStreamClose());
  }

  /** Calls the application; returns where parsing goes on, which reset() may have moved. */
  #deliver(end: number, callback: () => void): number {
    this.#deliveredAt = end;
    try {
      callback();
    } catch (error) {
      this.#isDone = true;
      throw new HandlerFailure(error);
    } finally {
      this.#deliveredAt = -1;
    }
    const restartAt = this.#restartAt;
    if (restartAt < 0) return end;
    this.#restartAt = -1;
    this.#initDocument(restartAt);
    return restartAt;
  }
}
