// A parsed stanza is forwarded as the sender wrote it: a new top-level start tag (with the
// stamped from/to/xmlns), then the content byte for byte, whatever the chunking.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { XmlStreamParser } from '@ferry/protocol/xml/stream-parser';
import { cloneElement, xml, type Element } from '@ferry/protocol/xml/element';
import { serialize, toWire } from '@ferry/protocol/xml/serialize';
import { sourceContent } from '@ferry/protocol/xml/source-content';

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " +
  "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

function parse(chunks: Array<string | Buffer>, mode: 'stream' | 'framed' = 'stream'): Element[] {
  const stanzas: Element[] = [];
  const parser = new XmlStreamParser(
    mode,
    { maxStanzaBytes: 1 << 20 },
    {
      onStreamOpen: () => {},
      onStanza: (element) => stanzas.push(element),
      onStreamClose: () => {},
      onError: (error) => assert.fail(`unexpected ${error.condition}: ${error.text}`),
    },
  );
  for (const chunk of chunks) parser.write(chunk);
  return stanzas;
}

/** Every way of cutting `bytes` in two, plus byte by byte. */
function cuts(bytes: Buffer): Buffer[][] {
  const all: Buffer[][] = [[bytes], [...bytes].map((byte) => Buffer.from([byte]))];
  for (let at = 1; at < bytes.length; at++) all.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return all;
}

// Entities, character references, CDATA, CRLF, attributes in either quote style, prefixes
// declared on the stanza and on a child, a root-declared prefix, and multi-byte UTF-8.
const CONTENT =
  "<body xml:lang='en'>caf\u00e9 &amp; &lt;tag&gt; &#x263A; \ud83d\ude00\r\nline</body>" +
  '<x:data xmlns:x="urn:example:x" note=\'say "hi"\'><x:item/><![CDATA[<raw> & ]]></x:data>' +
  "<stream:error xmlns:stream='http://etherx.jabber.org/streams'/><empty></empty>";
const STANZA = `<message to='juliet@example.com/balcony' type='chat' id='m&amp;1'>${CONTENT}</message>`;

describe('forwarding a parsed stanza as received', () => {
  it('writes the content byte for byte with only the top-level start tag rewritten (from stamped)', () => {
    for (const chunks of cuts(Buffer.from(HEADER + STANZA))) {
      const [stanza] = parse(chunks);
      stanza!.attrs.from = 'romeo@example.net/orchard';
      const expected =
        '<message to="juliet@example.com/balcony" type="chat" id="m&amp;1" xmlns="jabber:client" ' +
        `from="romeo@example.net/orchard">${CONTENT}</message>`;
      assert.equal(Buffer.from(serialize(stanza!)).toString('hex'), Buffer.from(expected).toString('hex'));
    }
  });

  it('keeps text and content exact when they trickle in byte by byte', () => {
    const body = Array.from({ length: 3000 }, (_, i) =>
      i % 97 === 0 ? '&amp;' : String.fromCharCode(97 + (i % 26)),
    ).join('');
    const bytes = Buffer.from(`${HEADER}<message><body>${body}</body><x>\u00e9${body}</x></message>`);
    const [stanza] = parse([...bytes].map((byte) => Buffer.from([byte])));
    const decoded = body.replaceAll('&amp;', '&');
    assert.equal(stanza!.getChildText('body'), decoded);
    assert.equal(stanza!.getChildText('x'), `\u00e9${decoded}`);
    assert.equal(sourceContent(stanza!)?.text, `<body>${body}</body><x>\u00e9${body}</x>`);
  });

  it('keeps the parsed tree equal to what the content says', () => {
    const [stanza] = parse([HEADER + STANZA]);
    assert.equal(stanza!.getChildText('body'), 'caf\u00e9 & <tag> \u263a \ud83d\ude00\nline');
    assert.equal(stanza!.getChild('data')?.attrs.note, 'say "hi"');
    assert.equal(stanza!.attrs.id, 'm&1');
  });

  it('declares on the stanza a prefix that only the stream root declared', () => {
    const [stanza] = parse([HEADER, '<message><stream:x/><body>hi</body></message>']);
    assert.equal(
      serialize(stanza!),
      '<message xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams"><stream:x/><body>hi</body></message>',
    );
  });

  it('uses the source for a 64 KiB base64 block split anywhere, and marks it ASCII', () => {
    const data = Buffer.alloc(48_000, 0xa5).toString('base64');
    const stanza = `<iq type='set' id='b1' to='a@b/c'><data xmlns='http://jabber.org/protocol/ibb' seq='0' sid='s'>${data}</data></iq>`;
    const bytes = Buffer.from(HEADER + stanza);
    for (const at of [HEADER.length + 10, HEADER.length + 100, HEADER.length + 30_000, bytes.length - 5]) {
      const [element] = parse([bytes.subarray(0, at), bytes.subarray(at)]);
      element!.attrs.from = 'd@b/e';
      const wire = toWire(element!);
      assert.equal(wire.isAscii, true);
      assert.ok(wire.xml.endsWith(`sid='s'>${data}</data></iq>`));
      assert.ok(wire.xml.startsWith('<iq type="set" id="b1" to="a@b/c" xmlns="jabber:client" from="d@b/e">'));
    }
  });

  it('does not mark content with non-ASCII characters as ASCII', () => {
    const [stanza] = parse([Buffer.from(`${HEADER}<message><body>\u00e9</body></message>`)]);
    assert.equal(toWire(stanza!).isAscii, false);
    const [ascii] = parse([Buffer.from(`${HEADER}<message><body>e</body></message>`)]);
    ascii!.attrs.to = 'j\u00fcliet@example.com';
    assert.equal(toWire(ascii!).isAscii, false, 'a non-ASCII attribute makes it non-ASCII');
  });

  it('freezes what it parsed below the top-level attributes, so the source cannot go stale', () => {
    const [stanza] = parse([HEADER + STANZA]);
    assert.throws(() => stanza!.children.push('x'), TypeError);
    assert.throws(() => stanza!.getChild('body')!.children.push('x'), TypeError);
    assert.throws(() => {
      stanza!.getChild('body')!.attrs['xml:lang'] = 'fr';
    }, TypeError);
    stanza!.attrs.to = 'someone@else'; // top-level attributes stay writable: the start tag is rewritten
    assert.match(serialize(stanza!), /^<message to="someone@else"/);
  });

  it('serialises a clone, or a stanza whose children were replaced, from its tree', () => {
    const [stanza] = parse([HEADER + STANZA]);
    const clone = cloneElement(stanza!);
    assert.equal(sourceContent(clone), undefined);
    clone.getChild('body')!.children[0] = 'changed';
    assert.match(serialize(clone), /<body xml:lang="en">changed<\/body>/);
    stanza!.remove('body'); // ltx assigns a new children array
    assert.equal(sourceContent(stanza!), undefined);
    assert.doesNotMatch(serialize(stanza!), /<body/);
  });

  it('has no source for an empty stanza', () => {
    const [stanza] = parse([`${HEADER}<presence/>`]);
    assert.equal(sourceContent(stanza!), undefined);
    assert.equal(serialize(stanza!), '<presence xmlns="jabber:client"/>');
  });
});

describe('serialize', () => {
  it('writes what ltx writes for built elements', () => {
    const samples: Element[] = [
      xml('iq', { type: 'result', id: 'a"b\'c<&>', to: 'x@y/z' }, xml('query', { xmlns: 'jabber:iq:roster' })),
      xml('message', { to: 'a@b' }, xml('body', null, 'fish & chips <3 >_< "quoted" \'single\''), 'tail'),
      xml('presence', null, xml('priority', null, 5), xml('status', null, '\u00e9\ud83d\ude00')),
      xml('stream:features', null, xml('mechanisms', { xmlns: 'urn:x' }, xml('mechanism', null, 'SCRAM-SHA-1'))),
    ];
    for (const element of samples) assert.equal(serialize(element), element.toString());
  });
});
