// Fuzzing the XML stream parser (packages/protocol/src/xml/stream-parser.ts, ADR 0003): whatever the bytes
// and however they are cut, write() never throws and reports at most one StreamError; what was
// reported does not depend on the cuts; and well-formed stanzas come out as they went in.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { XmlStreamParser } from '@ferry/protocol/xml/stream-parser';
import { StreamError } from '@ferry/protocol/errors/stream-error';
import { serialize } from '@ferry/protocol/xml/serialize';
import type { Element } from '@ferry/protocol/xml/element';
import { cuts, fc, property, replay, split } from './harness.js';
import { toElement, tokenSoup, wellFormedTree, type Tree } from './xml-trees.js';

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " +
  "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";
const FRAMED_OPEN = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>";

/** Feeds the chunks; returns the events, one line each, and checks the parser's promises. */
function parse(mode: 'stream' | 'framed', chunks: Array<Buffer | string>, maxStanzaBytes = 4096): string[] {
  const events: string[] = [];
  const stanzas: Element[] = [];
  let errors = 0;
  const parser = new XmlStreamParser(
    mode,
    { maxStanzaBytes, maxDepth: 8 },
    {
      onStreamOpen: (attrs) => void events.push(`open ${JSON.stringify(attrs)}`),
      onStanza: (element) => {
        stanzas.push(element);
        events.push(serialize(element));
      },
      onStreamClose: () => void events.push('close'),
      onError: (error) => {
        errors += 1;
        assert.ok(error instanceof StreamError, `onError got ${String(error)}`);
        events.push(`error ${error.condition}`);
      },
    },
  );
  for (const chunk of chunks) parser.write(chunk); // must not throw
  assert.ok(errors <= 1, `${errors} errors reported: ${events.join(' | ')}`);
  return events;
}

function bytesOf(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** Adjacent text merged, empty text dropped: what a parser may legitimately change. */
function normalise(tree: Tree): Tree {
  const children: Array<Tree | string> = [];
  for (const child of tree.children) {
    if (typeof child !== 'string') children.push(normalise(child));
    else if (child === '') continue;
    else if (typeof children.at(-1) === 'string') children[children.length - 1] += child;
    else children.push(child);
  }
  return { name: tree.name, attrs: { ...tree.attrs }, children }; // fast-check's objects may lack a prototype
}

function treeOf(element: Element, isTop: boolean): Tree {
  const attrs = { ...(element.attrs as Record<string, string>) };
  // The parser stamps each stanza with the stream's default namespace.
  if (isTop && attrs.xmlns === 'jabber:client') delete attrs.xmlns;
  return normalise({
    name: element.name,
    attrs,
    children: element.children.map((child) => (typeof child === 'string' ? child : treeOf(child as Element, false))),
  });
}

/** A stanza tree with no xmlns of its own at the top (so the parser's stamp is the only one). */
const stanzaTree = wellFormedTree.map((tree) => {
  const attrs = { ...tree.attrs };
  delete attrs.xmlns;
  return { ...tree, attrs };
});

describe('fuzz: the XML stream parser', () => {
  for (const mode of ['stream', 'framed'] as const) {
    property(
      `${mode}: arbitrary bytes, cut anywhere, never throw and give at most one StreamError`,
      { seed: 0x5eed01 + (mode === 'framed' ? 1 : 0), numRuns: 400 },
      fc.property(fc.uint8Array({ maxLength: 512 }), cuts, (bytes, at) => {
        parse(mode, split(bytes, at));
      }),
    );

    property(
      `${mode}: almost-XML after a valid header, cut anywhere, never throws`,
      { seed: 0x5eed03 + (mode === 'framed' ? 1 : 0), numRuns: 600 },
      fc.property(tokenSoup, cuts, (soup, at) => {
        parse(mode, split(bytesOf((mode === 'stream' ? HEADER : FRAMED_OPEN) + soup), at), 512);
      }),
    );
  }

  property(
    'what is reported does not depend on where the bytes were cut',
    { seed: 0x5eed05, numRuns: 600 },
    fc.property(tokenSoup, cuts, (soup, at) => {
      const input = bytesOf(HEADER + soup);
      const whole = parse('stream', [Buffer.from(input)], 512);
      const cut = parse('stream', split(input, at), 512);
      assert.deepEqual(cut, whole);
    }),
  );

  property(
    'well-formed stanzas round-trip whatever the chunking (UTF-8 sequences cut too)',
    { seed: 0x5eed06, numRuns: 300 },
    fc.property(fc.array(stanzaTree, { minLength: 1, maxLength: 4 }), cuts, (trees, at) => {
      const text = HEADER + trees.map((tree) => serialize(toElement(tree))).join('');
      const stanzas: Element[] = [];
      let failure: StreamError | undefined;
      const parser = new XmlStreamParser(
        'stream',
        { maxStanzaBytes: 1 << 20 },
        {
          onStreamOpen: () => {},
          onStanza: (element) => void stanzas.push(element),
          onStreamClose: () => {},
          onError: (error) => void (failure = error),
        },
      );
      for (const chunk of split(bytesOf(text), at)) parser.write(chunk);
      assert.equal(failure, undefined, `${failure?.condition}: ${failure?.text ?? ''}`);
      assert.deepEqual(
        stanzas.map((stanza) => treeOf(stanza, true)),
        trees.map(normalise),
      );
    }),
  );

  describe('regressions', () => {
    replay<{ mode: 'stream' | 'framed'; chunks: string[] }>('stream-parser.json', ({ mode, chunks }) => {
      const input = chunks.map((hex) => Buffer.from(hex, 'hex'));
      const whole = parse(mode, [Buffer.concat(input)], 512);
      assert.deepEqual(parse(mode, input, 512), whole);
    });
  });
});
