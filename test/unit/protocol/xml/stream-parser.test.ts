import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { XmlStreamParser, type StreamParserLimits } from '@ferry/protocol/xml/stream-parser';
import type { StreamError } from '@ferry/protocol/errors/stream-error';

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " +
  "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";
const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';

/** Feeds chunks and records what the parser reported, one line per event. */
function run(
  chunks: Array<string | Buffer>,
  mode: 'stream' | 'framed' = 'stream',
  limits?: Partial<StreamParserLimits>,
) {
  const events: string[] = [];
  const errors: StreamError[] = [];
  const parser = new XmlStreamParser(
    mode,
    { maxStanzaBytes: 10_000, ...limits },
    {
      onStreamOpen: (attrs) => events.push(`open ${JSON.stringify(attrs)}`),
      onStanza: (element) => events.push(element.toString()),
      onStreamClose: () => events.push('close'),
      onError: (error) => {
        errors.push(error);
        events.push(`error ${error.condition}`);
      },
    },
  );
  for (const chunk of chunks) parser.write(chunk);
  return { events, errors, parser };
}

function stanzas(events: string[]): string[] {
  return events.filter((event) => event.startsWith('<'));
}

function lastError(
  chunks: Array<string | Buffer>,
  mode: 'stream' | 'framed' = 'stream',
  limits?: Partial<StreamParserLimits>,
) {
  const { errors, events } = run(chunks, mode, limits);
  assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(events)}`);
  return errors[0]!.condition;
}

/** Deterministic PRNG (mulberry32) so random splits are reproducible. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomSplits(bytes: Buffer, random: () => number, maxPiece: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const size = 1 + Math.floor(random() * maxPiece);
    pieces.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return pieces;
}

describe('XmlStreamParser, stream mode (RFC 6120)', () => {
  const STREAM =
    HEADER +
    "<message to='juliet@example.com' id='m1'><body>caf\u00e9 &amp; \u263a \ud83d\ude00 &#x263A;</body></message>\n " +
    "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>" +
    '<presence><status><![CDATA[<b>away</b>]]></status></presence>' +
    '</stream:stream>';

  it('reports the stream header, each stanza and the close', () => {
    const { events } = run([STREAM]);
    assert.deepEqual(events, [
      'open {"xmlns":"jabber:client","xmlns:stream":"http://etherx.jabber.org/streams","to":"localhost","version":"1.0"}',
      '<message to="juliet@example.com" id="m1" xmlns="jabber:client"><body>caf\u00e9 &amp; \u263a \ud83d\ude00 \u263a</body></message>',
      '<iq type="get" id="p1" xmlns="jabber:client"><ping xmlns="urn:xmpp:ping"/></iq>',
      '<presence xmlns="jabber:client"><status>&lt;b&gt;away&lt;/b&gt;</status></presence>',
      'close',
    ]);
  });

  it('gives identical events fed whole, byte by byte, and in seeded random splits', () => {
    const bytes = Buffer.from(STREAM);
    const whole = run([bytes]).events;
    assert.deepEqual(run([...bytes].map((byte) => Buffer.from([byte]))).events, whole);
    const random = seeded(6120);
    for (let round = 0; round < 200; round++) {
      assert.deepEqual(run(randomSplits(bytes, random, 1 + (round % 40))).events, whole, `round ${round}`);
    }
  });

  it('gives identical events when string chunks split surrogate pairs and CRLF', () => {
    const text = `${HEADER}<message>\r\n<body>\ud83d\ude00\r\n</body></message>`;
    const whole = run([text]).events;
    for (let at = 1; at < text.length; at++) {
      assert.deepEqual(run([text.slice(0, at), text.slice(at)]).events, whole, `split at ${at}`);
    }
  });

  it('decodes a multi-byte UTF-8 character split across chunks', () => {
    const body = Buffer.from(`${HEADER}<message><body>\u263a\ud83d\ude00</body></message>`);
    const start = body.indexOf(Buffer.from('\u263a'));
    for (let at = start + 1; at < start + 7; at++) {
      const { events } = run([body.subarray(0, at), body.subarray(at)]);
      assert.deepEqual(stanzas(events), ['<message xmlns="jabber:client"><body>\u263a\ud83d\ude00</body></message>']);
    }
  });

  it('parses several stanzas merged into one write', () => {
    const { events } = run([`${HEADER}<presence/><message id='a'/><message id='b'/>`]);
    assert.deepEqual(stanzas(events), [
      '<presence xmlns="jabber:client"/>',
      '<message id="a" xmlns="jabber:client"/>',
      '<message id="b" xmlns="jabber:client"/>',
    ]);
  });

  it('ignores whitespace keepalives between stanzas', () => {
    const { events, errors } = run([HEADER, ' ', '\n\t ', '<presence/>\r\n', ' ']);
    assert.deepEqual(errors, []);
    assert.deepEqual(stanzas(events), ['<presence xmlns="jabber:client"/>']);
  });

  it('accepts a stream without the optional XML declaration', () => {
    const { events } = run([
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'><db:result xmlns:db='jabber:server:dialback'/>",
    ]);
    assert.deepEqual(stanzas(events), ['<db:result xmlns:db="jabber:server:dialback"/>']);
  });

  it("keeps a stanza's own xmlns and copies root prefix bindings so it stands alone", () => {
    const { events } = run([
      `${HEADER}<iq xmlns='jabber:server'/><stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`,
    ]);
    assert.deepEqual(stanzas(events), [
      '<iq xmlns="jabber:server"/>',
      '<stream:features xmlns:stream="http://etherx.jabber.org/streams"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></stream:features>',
    ]);
  });

  it('starts a fresh stream after reset(), as after STARTTLS or SASL success', () => {
    const { events, parser } = run([HEADER, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"]);
    parser.reset();
    parser.write(`${HEADER}<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>`);
    assert.deepEqual(events.filter((event) => event.startsWith('open')).length, 2);
    assert.deepEqual(stanzas(events), [
      '<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>',
      '<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN"/>',
    ]);
  });

  it('hands the rest of the chunk to the new stream when onStanza calls reset()', () => {
    const events: string[] = [];
    const parser: XmlStreamParser = new XmlStreamParser(
      'stream',
      { maxStanzaBytes: 10_000 },
      {
        onStreamOpen: (attrs) => events.push(`open ${attrs.to}`),
        onStanza: (element) => {
          events.push(element.name);
          if (element.name === 'auth') parser.reset();
        },
        onStreamClose: () => events.push('close'),
        onError: (error) => events.push(`error ${error.condition}`),
      },
    );
    parser.write(HEADER.replace('localhost', 'one') + '<auth/>' + HEADER.replace('localhost', 'two') + '<iq/>');
    assert.deepEqual(events, ['open one', 'auth', 'open two', 'iq']);
  });

  it('queues a write made from inside a handler behind the input being parsed', () => {
    const events: string[] = [];
    const parser: XmlStreamParser = new XmlStreamParser(
      'stream',
      { maxStanzaBytes: 10_000 },
      {
        onStreamOpen: () => {},
        onStanza: (element) => {
          events.push(element.attrs.id as string);
          if (element.attrs.id === 'a') parser.write("<iq id='c'/>");
        },
        onStreamClose: () => {},
        onError: (error) => events.push(error.condition),
      },
    );
    parser.write(`${HEADER}<iq id='a'/><iq id='b'/>`);
    assert.deepEqual(events, ['a', 'b', 'c']);
  });

  it('ignores input after </stream:stream>', () => {
    const { events } = run([`${HEADER}<presence/></stream:stream><message/>`, 'garbage <<<']);
    assert.deepEqual(events.slice(1), ['<presence xmlns="jabber:client"/>', 'close']);
  });

  it('passes an IBB-sized stanza (65535 bytes base64-encoded) with maxStanzaBytes 262144', () => {
    const data = Buffer.alloc(65_535, 7).toString('base64');
    const stanza = `<iq type='set' id='ibb1' to='romeo@example.net/orchard'><data xmlns='http://jabber.org/protocol/ibb' seq='0' sid='s1'>${data}</data></iq>`;
    const { events, errors } = run([HEADER, ...randomSplits(Buffer.from(stanza), seeded(47), 16_384)], 'stream', {
      maxStanzaBytes: 262_144,
    });
    assert.deepEqual(errors, []);
    assert.equal(stanzas(events).length, 1);
    assert.ok(stanzas(events)[0]!.includes(data));
  });
});

describe('XmlStreamParser, framed mode (RFC 7395)', () => {
  const OPEN = `<open xmlns="${FRAMING}" to="localhost" version="1.0"/>`;

  it('reports <open/>, stanzas and <close/> arriving as separate frames', () => {
    const { events } = run(
      [OPEN, "<message to='a@b'><body>hi</body></message>", `<close xmlns="${FRAMING}"/>`],
      'framed',
    );
    assert.deepEqual(events, [
      `open {"xmlns":"${FRAMING}","to":"localhost","version":"1.0"}`,
      '<message to="a@b" xmlns="jabber:client"><body>hi</body></message>',
      'close',
    ]);
  });

  it('parses several frames in one write and a frame split over writes', () => {
    const { events } = run([`${OPEN}<presence/><iq id='1'/>`, '<message><bo', 'dy>x</body></message>'], 'framed');
    assert.deepEqual(stanzas(events), [
      '<presence xmlns="jabber:client"/>',
      '<iq id="1" xmlns="jabber:client"/>',
      '<message xmlns="jabber:client"><body>x</body></message>',
    ]);
  });

  it('treats an undeclared stream: prefix as bound (COMPAT) and declares it on the element', () => {
    const { events } = run(
      [OPEN, '<stream:error><conflict xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></stream:error>'],
      'framed',
    );
    assert.deepEqual(stanzas(events), [
      '<stream:error xmlns:stream="http://etherx.jabber.org/streams"><conflict xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></stream:error>',
    ]);
  });

  it('ignores frames after <close/> until reset()', () => {
    const { events, parser } = run([OPEN, `<close xmlns="${FRAMING}"/>`, '<message/>'], 'framed');
    parser.reset();
    parser.write(OPEN);
    assert.deepEqual(
      events.map((event) => event.split(' ')[0]),
      ['open', 'close', 'open'],
    );
  });

  it('answers bad-format for text between frames', () => {
    assert.equal(lastError([OPEN, 'hello <presence/>'], 'framed'), 'bad-format');
  });

  it('answers restricted-xml for a DOCTYPE in a frame', () => {
    assert.equal(lastError(['<!DOCTYPE open>', OPEN], 'framed'), 'restricted-xml');
  });
});

describe('XmlStreamParser, hostile input', () => {
  const cases: Array<[string, string[], string]> = [
    ['a mismatched end tag', [`${HEADER}<message><body></message>`], 'not-well-formed'],
    ['a duplicate attribute', [`${HEADER}<message to='a' to='b'/>`], 'not-well-formed'],
    ['a bare ampersand', [`${HEADER}<message><body>fish & chips; </body></message>`], 'not-well-formed'],
    ['a control character', [`${HEADER}<message><body>\u0001</body></message>`], 'not-well-formed'],
    ['an unclosed start tag', [`${HEADER}<message to='a'<body/>`], 'not-well-formed'],
    ['text before the root', ['hello <stream:stream/>'], 'not-well-formed'],
    ['a DOCTYPE before the root', [`<?xml version='1.0'?><!DOCTYPE stream>${HEADER.slice(21)}`], 'restricted-xml'],
    [
      'an entity declaration',
      [`<!DOCTYPE s [<!ENTITY boom "lol">]>${HEADER.slice(21)}<message>&boom;</message>`],
      'restricted-xml',
    ],
    ['a DOCTYPE inside the stream', [`${HEADER}<!DOCTYPE message><message/>`], 'restricted-xml'],
    ['a comment between stanzas', [`${HEADER}<!-- hi --><message/>`], 'restricted-xml'],
    ['a comment inside a stanza', [`${HEADER}<message><!-- hi --></message>`], 'restricted-xml'],
    ['a comment before the root', [`<!-- hi -->${HEADER.slice(21)}`], 'restricted-xml'],
    ['a processing instruction', [`${HEADER}<message><?php echo 1 ?></message>`], 'restricted-xml'],
    ['an XML declaration after the start', [`${HEADER}<?xml version='1.0'?>`], 'not-well-formed'],
    ['a reference to an undeclared entity', [`${HEADER}<message><body>&nbsp;</body></message>`], 'restricted-xml'],
    ['an entity reference in an attribute', [`${HEADER}<message to='&foo;'/>`], 'restricted-xml'],
    [
      'an encoding other than UTF-8',
      ["<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream/>"],
      'unsupported-encoding',
    ],
    [
      'a wrong stream namespace',
      ["<stream:stream xmlns='jabber:client' xmlns:stream='http://wrong.example/'>"],
      'invalid-namespace',
    ],
    ['a root that is not <stream>', ["<html xmlns='http://www.w3.org/1999/xhtml'>"], 'invalid-namespace'],
    [
      'the stream namespace under another prefix',
      ["<foobar:stream xmlns='jabber:client' xmlns:foobar='http://etherx.jabber.org/streams'>"],
      'bad-namespace-prefix',
    ],
    [
      'the stream namespace as default namespace',
      ["<stream xmlns='http://etherx.jabber.org/streams'>"],
      'bad-namespace-prefix',
    ],
    ['an undeclared stream prefix', ["<stream:stream xmlns='jabber:client'>"], 'bad-namespace-prefix'],
    ['an undeclared prefix in a stanza', [`${HEADER}<message><x:y/></message>`], 'bad-namespace-prefix'],
    ['text between stanzas', [`${HEADER}<presence/>hello<presence/>`], 'bad-format'],
  ];
  for (const [what, chunks, condition] of cases) {
    it(`answers ${condition} for ${what}: ${JSON.stringify(chunks.join('').slice(-70))}`, () => {
      assert.equal(lastError(chunks), condition);
      const bytes = [...Buffer.from(chunks.join(''))].map((byte) => Buffer.from([byte]));
      assert.equal(lastError(bytes), condition, 'fed byte by byte');
    });
  }

  it('answers unsupported-encoding for invalid UTF-8 (RFC 6120 §4.9.3.22)', () => {
    const header = Buffer.from(HEADER);
    for (const bad of [[0xff], [0xc0, 0xaf], [0xe2, 0x98, 0x41], [0xed, 0xa0, 0x80]]) {
      assert.equal(
        lastError([header, Buffer.from('<body>'), Buffer.from(bad), Buffer.from('</body>')]),
        'unsupported-encoding',
        `bytes ${bad.join(',')}`,
      );
    }
  });

  it('answers unsupported-encoding for a character truncated by an ASCII chunk', () => {
    assert.equal(
      lastError([Buffer.from(`${HEADER}<body>`), Buffer.from([0xe2, 0x98]), Buffer.from('</body>')]),
      'unsupported-encoding',
    );
  });

  it('counts maxStanzaBytes in input bytes from the start tag: exactly the limit passes, one more fails', () => {
    const stanza = (size: number) =>
      `<message><body>${'\u00e9'.repeat((size - 32) / 2)}${'x'.repeat((size - 32) % 2)}</body></message>`;
    assert.equal(Buffer.byteLength(stanza(100)), 100);
    const header = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>";
    const ok = run([header, ' ', stanza(100), ' ', stanza(100)], 'stream', { maxStanzaBytes: 100 });
    assert.deepEqual(ok.errors, []);
    assert.equal(stanzas(ok.events).length, 2);
    assert.equal(lastError([header, ' ', stanza(101)], 'stream', { maxStanzaBytes: 100 }), 'policy-violation');
    assert.equal(lastError([header + ' ' + stanza(101)], 'stream', { maxStanzaBytes: 100 }), 'policy-violation');
    const split = (text: string) => [header + ' ' + text.slice(0, 20), text.slice(20, 40), text.slice(40)];
    assert.deepEqual(run(split(stanza(100)), 'stream', { maxStanzaBytes: 100 }).errors, []);
    assert.equal(lastError(split(stanza(101)), 'stream', { maxStanzaBytes: 100 }), 'policy-violation');
  });

  it('answers policy-violation as soon as an unfinished stanza crosses the limit', () => {
    const { events, parser } = run([HEADER, '<message><body>'], 'stream', { maxStanzaBytes: 1000 });
    for (let i = 0; i < 9; i++) parser.write('x'.repeat(100));
    assert.deepEqual(events.slice(1), []);
    parser.write('x'.repeat(100));
    assert.deepEqual(events.slice(1), ['error policy-violation']);
    parser.write('</body></message>');
    assert.deepEqual(events.slice(1), ['error policy-violation']);
  });

  it('stops an oversized stanza inside one huge write without emitting it', () => {
    const huge = `${HEADER}<message><body>${'x'.repeat(5_000_000)}</body></message>`;
    const { events } = run([huge], 'stream', { maxStanzaBytes: 262_144 });
    assert.deepEqual(events.slice(1), ['error policy-violation']);
  });

  it('answers policy-violation for unbounded whitespace, comments or DTDs that never end', () => {
    assert.equal(lastError([HEADER, ' '.repeat(2000)], 'stream', { maxStanzaBytes: 1000 }), 'policy-violation');
    assert.equal(
      lastError(['<!DOCTYPE s [', ' '.repeat(2000)], 'stream', { maxStanzaBytes: 1000 }),
      'policy-violation',
    );
    assert.equal(
      lastError([`${HEADER}<!--`, '-'.repeat(0) + 'x'.repeat(2000)], 'stream', { maxStanzaBytes: 1000 }),
      'policy-violation',
    );
  });

  it('answers policy-violation for nesting deeper than maxDepth', () => {
    const nested = (depth: number) => '<a>'.repeat(depth) + '</a>'.repeat(depth);
    assert.deepEqual(run([HEADER, nested(4)], 'stream', { maxDepth: 4 }).errors, []);
    assert.equal(lastError([HEADER, nested(5)], 'stream', { maxDepth: 4 }), 'policy-violation');
    assert.equal(lastError([HEADER, nested(33)]), 'policy-violation');
    assert.equal(lastError([nested(5)], 'framed', { maxDepth: 4 }), 'policy-violation');
  });

  it('never delivers a stanza or the close whose end tag does not match', () => {
    assert.deepEqual(run([`${HEADER}<message></iq>`]).events.slice(1), ['error not-well-formed']);
    assert.deepEqual(run([`${HEADER}</stream:features>`]).events.slice(1), ['error not-well-formed']);
  });

  it('delivers a complete stanza before reporting garbage that follows it', () => {
    assert.deepEqual(run([`${HEADER}<presence/><<`]).events.slice(1), [
      '<presence xmlns="jabber:client"/>',
      'error not-well-formed',
    ]);
  });

  it('reports one error only and ignores all input until reset()', () => {
    const { events, parser } = run([`${HEADER}<message></iq>`, '<presence/>', '</oops>']);
    assert.deepEqual(events.slice(1), ['error not-well-formed']);
    parser.reset();
    parser.write(`${HEADER}<presence/>`);
    assert.deepEqual(
      events.slice(2).map((event) => event.split(' ')[0]),
      ['open', '<presence'],
    );
  });

  it('lets an exception thrown by a handler propagate', () => {
    const parser = new XmlStreamParser(
      'stream',
      { maxStanzaBytes: 1000 },
      {
        onStreamOpen: () => {},
        onStanza: () => {
          throw new Error('bug');
        },
        onStreamClose: () => {},
        onError: () => assert.fail("a handler bug is not the peer's error"),
      },
    );
    assert.throws(() => parser.write(`${HEADER}<presence/>`), /bug/);
  });
});

describe('XmlStreamParser, constructs cut by chunk boundaries', () => {
  const cutEverywhere = (text: string) => {
    const bytes = Buffer.from(text);
    const whole = run([bytes]).events;
    for (let at = 1; at < bytes.length; at++) {
      assert.deepEqual(run([bytes.subarray(0, at), bytes.subarray(at)]).events, whole, `cut at ${at}`);
    }
    assert.deepEqual(run([...bytes].map((byte) => Buffer.from([byte]))).events, whole, 'byte by byte');
    return whole;
  };

  it('reads references, CDATA, CRLF and attributes the same wherever the input is cut', () => {
    const events = cutEverywhere(
      `${HEADER}<message a='x&amp;y' b="&#65;&#x42;"><body>&lt;&gt;&amp;&quot;&apos;&#x1F600;\r\nx\ry</body>` +
        '<c><![CDATA[a]]b]>c\r\n]]></c></message>',
    );
    assert.deepEqual(stanzas(events), [
      '<message a="x&amp;y" b="AB" xmlns="jabber:client"><body>&lt;&gt;&amp;"\'\ud83d\ude00\nx\ny</body><c>a]]b]&gt;c\n</c></message>',
    ]);
  });

  it('answers not-well-formed for "]]>" in character data wherever it is cut', () => {
    for (const text of [`${HEADER}<message><body>a]]>b</body></message>`, `${HEADER}<message>]]]></message>`]) {
      const bytes = Buffer.from(text);
      for (let at = 1; at < bytes.length; at++) {
        assert.equal(lastError([bytes.subarray(0, at), bytes.subarray(at)]), 'not-well-formed', `cut at ${at}`);
      }
    }
    assert.equal(lastError([`${HEADER}<message>]`, ']', '>']), 'not-well-formed');
  });

  it('answers not-well-formed for a reference longer than 64 characters, cut or not', () => {
    const long = `&${'a'.repeat(70)};`;
    assert.equal(lastError([`${HEADER}<message>${long}</message>`]), 'not-well-formed');
    assert.equal(
      lastError([`${HEADER}<message>&${'a'.repeat(30)}`, `${'a'.repeat(40)};</message>`]),
      'not-well-formed',
    );
    assert.equal(lastError([`${HEADER}<message>&${'a'.repeat(20)};</message>`]), 'restricted-xml');
  });

  it('skips a byte-order mark before the XML declaration, and only there', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    assert.deepEqual(run([bom, HEADER, '<presence/>']).errors, []);
    assert.equal(lastError([HEADER, bom, '<presence/>']), 'bad-format');
  });

  it('accepts the XML declaration only as the very first thing', () => {
    assert.equal(lastError([` ${HEADER}`]), 'not-well-formed');
    assert.equal(lastError([`${HEADER}<message><?xml version='1.0'?></message>`]), 'not-well-formed');
    assert.equal(lastError(["<?xml version='2.0'?><stream:stream/>"]), 'not-well-formed');
  });

  it('reports a control character after delivering the stanzas before it', () => {
    const { events } = run([`${HEADER}<presence/><message><body>a\u0000b</body></message><presence/>`]);
    assert.deepEqual(events.slice(1), ['<presence xmlns="jabber:client"/>', 'error not-well-formed']);
  });

  it('reads a start tag trickling in byte by byte in linear time', () => {
    const value = 'v'.repeat(100_000);
    const started = performance.now();
    const { events, parser } = run([HEADER, `<message a='`], 'stream', { maxStanzaBytes: 200_000 });
    for (let i = 0; i < value.length; i++) parser.write(value[i]!);
    parser.write(`'/>`);
    assert.equal(stanzas(events).length, 1);
    assert.ok(performance.now() - started < 5_000, 'took too long: quadratic?');
  });

  it('gives identical events fed whole and split, for mutated streams (seeded)', () => {
    const random = seeded(7395);
    const pieces = [
      '<',
      '>',
      '/',
      "'",
      '"',
      ' ',
      '\r\n',
      '&',
      ';',
      '&amp;',
      '&#x263a;',
      ']]>',
      ']',
      '<![CDATA[',
      '<!--',
      '<?',
      '?>',
      'x:y',
      '\u00e9',
      '\ud83d\ude00',
      '\u0001',
      '</message>',
      '<body>',
      'a'.repeat(70),
    ];
    const base =
      `${HEADER}<message to='a@b/c' id='1'><body>hi &amp; bye</body><x:q xmlns:x='u' a='1'/></message>` +
      '<presence><status><![CDATA[<b>away</b>]]></status></presence></stream:stream>';
    for (let round = 0; round < 1500; round++) {
      let text = base;
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(random() * text.length);
        const piece = pieces[Math.floor(random() * pieces.length)]!;
        text = random() < 0.5 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 2);
      }
      const bytes = Buffer.from(text);
      const whole = run([bytes], 'stream', { maxStanzaBytes: 300 }).events;
      const split = run(randomSplits(bytes, random, 7), 'stream', { maxStanzaBytes: 300 }).events;
      assert.deepEqual(split, whole, JSON.stringify(text));
    }
  });
});
