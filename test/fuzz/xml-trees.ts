// Generators of XML for the fuzz properties: well-formed element trees (for round trips), trees
// with hostile attribute values and text built as elements (for the payload decoders, which see
// what a parser could hand them), and "token soup" that is almost XML (for the stream parser).
import { fc } from './harness.js';
import { xml, type Element } from '@ferry/protocol/xml/element';
import { NS } from '@ferry/protocol/namespaces';

/** A tree as data: what the generators make and regressions/*.json store. */
export interface Tree {
  name: string;
  attrs: Record<string, string>;
  children: Array<Tree | string>;
}

export function toElement(tree: Tree): Element {
  const element = xml(tree.name, tree.attrs);
  for (const child of tree.children) {
    if (typeof child === 'string') element.t(child);
    else element.cnode(toElement(child));
  }
  return element;
}

/** A character XML 1.0 allows (§2.2), from the whole range, weighted towards ASCII. */
function xmlChar(): fc.Arbitrary<string> {
  const valid = (code: number) =>
    (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) },
    { weight: 1, arbitrary: fc.constantFrom('&', '<', '>', '"', "'", ']]>', '&amp;', '\u00e9', '\u4e2d', '\u{1f600}') },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 0x80, max: 0x10ffff })
        .filter(valid)
        .map((c) => String.fromCodePoint(c)),
    },
    // The serializer writes these as character references where a parser would normalise them.
    { weight: 1, arbitrary: fc.constantFrom('\t', '\n', '\r', '\r\n') },
  );
}

/** Text that survives serialising and parsing unchanged. */
export const xmlText = fc.string({ unit: xmlChar(), maxLength: 40 });
/** An attribute value that survives a round trip (TAB, LF and CR included). */
export const xmlAttributeValue = fc.string({ unit: xmlChar(), maxLength: 30 });

/** A name (no colon: namespaces are the xmlns attribute) that does not start with "xml". */
export const xmlName = fc
  .tuple(
    fc.constantFrom('a', 'b', 'z', 'query', 'x', 'data', '\u00e9', '\u4e2d', '_'),
    fc.string({ unit: fc.constantFrom('a', 'q', '1', '-', '.', '_', '\u00b7', '\u00e9'), maxLength: 6 }),
  )
  .map(([head, tail]) => head + tail);

/** Well-formed trees: what a correct peer sends. */
export const wellFormedTree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.record({
    name: xmlName,
    attrs: fc.dictionary(xmlName, xmlAttributeValue, { maxKeys: 3 }),
    children: fc.array(fc.oneof({ weight: 2, arbitrary: xmlText }, { weight: 1, arbitrary: tie('tree') }), {
      maxLength: 4,
      depthIdentifier: 'tree',
    }),
  }),
})).tree;

// ---- Hostile trees for the payload decoders -------------------------------------------------

/** Values a peer can put in an attribute or text to break a careless decoder. */
export const hostileValue = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1',
    '4096',
    '65535',
    '65536',
    '99999999999999999999',
    '9007199254740993',
    '1e3',
    '0x10',
    'NaN',
    'Infinity',
    ' 12',
    '12 ',
    '+5',
    '__proto__',
    'constructor',
    'toString',
    'true',
    'false',
    'iq',
    'message',
    'tcp',
    'udp',
    'AAAA',
    'AAA=',
    '====',
    '=',
    'aGVsbG8=',
    'aGVsbG8',
    'a GVs bG8=',
    'https://example.com/f.bin',
    'http://example.com/f',
    'https://',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'alice@example.com/res',
    '@example.com',
    'a@b@c',
    '../../etc/passwd',
    'C:\\x',
    'name\u0000.txt',
    'text/plain',
    'sha-256',
    'sha-1',
    'md5',
    '1969-07-21T02:56:15Z',
    '2024-13-45T99:99:99Z',
    '127.0.0.1',
    '::1',
    '\u202e',
    '\ud800',
    '\uffff',
    'x'.repeat(3000),
    '9'.repeat(400),
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.nat().map(String),
  fc.integer().map(String),
);

/** Every namespace the decoders know, plus some they do not. */
const namespaces = fc.constantFrom(
  ...(Object.values(NS) as string[]),
  'jabber:x:data',
  'urn:xmpp:hashes:2',
  'urn:example:other',
  '',
);

/** The element and attribute names the decoders look for, and a few they do not. */
const vocabulary = fc.constantFrom(
  'si',
  'file',
  'feature',
  'x',
  'field',
  'value',
  'option',
  'range',
  'desc',
  'query',
  'streamhost',
  'streamhost-used',
  'activate',
  'udpsuccess',
  'open',
  'data',
  'close',
  'request',
  'slot',
  'put',
  'get',
  'header',
  'url',
  'file-sharing',
  'sources',
  'url-data',
  'hash',
  'hash-used',
  'name',
  'size',
  'date',
  'media-type',
  'width',
  'identity',
  'item',
  'c',
  'body',
  'other',
);
const attributeNames = fc.constantFrom(
  'sid',
  'seq',
  'block-size',
  'stanza',
  'jid',
  'host',
  'port',
  'mode',
  'dstaddr',
  'name',
  'size',
  'hash',
  'date',
  'offset',
  'length',
  'filename',
  'content-type',
  'url',
  'target',
  'type',
  'var',
  'label',
  'id',
  'mime-type',
  'profile',
  'algo',
  'category',
  'node',
  'ver',
  'xmlns',
  'zeroconf',
  '__proto__',
);

/** A tree whose root is `<name xmlns=ns>` most of the time, so decoders get past their first check. */
export function hostileTree(rootName: string, rootNs: string): fc.Arbitrary<Tree> {
  const node = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.record({
      name: fc.oneof({ weight: 5, arbitrary: vocabulary }, { weight: 1, arbitrary: xmlName }),
      attrs: fc.oneof(
        fc.dictionary(attributeNames, hostileValue, { maxKeys: 5 }),
        fc
          .tuple(namespaces, fc.dictionary(attributeNames, hostileValue, { maxKeys: 4 }))
          .map(([xmlns, rest]) => ({ ...rest, xmlns })),
      ),
      children: fc.array(fc.oneof({ weight: 1, arbitrary: hostileValue }, { weight: 2, arbitrary: tie('tree') }), {
        maxLength: 4,
        depthIdentifier: 'hostile',
      }),
    }),
  })).tree;
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        name: fc.constant(rootName),
        attrs: fc
          .dictionary(attributeNames, hostileValue, { maxKeys: 6 })
          .map((attrs) => ({ ...attrs, xmlns: rootNs })),
        children: fc.array(node, { maxLength: 5 }),
      }),
    },
    { weight: 1, arbitrary: node },
  );
}

// ---- Almost-XML for the stream parser ---------------------------------------------------------

/** Pieces of XML and of things that break it, glued at random. */
export const tokenSoup = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '<',
        '>',
        '</',
        '/>',
        '<a',
        '<iq',
        '</iq>',
        '<message>',
        '</message>',
        ' id="1"',
        " to='x'",
        ' xmlns="jabber:client"',
        ' xmlns:p="urn:x"',
        '<p:a>',
        '</p:a>',
        '=',
        '"',
        "'",
        '&amp;',
        '&lt;',
        '&#x41;',
        '&#0;',
        '&#xD800;',
        '&foo;',
        '&',
        ';',
        '<![CDATA[',
        ']]>',
        '<!--',
        '-->',
        '<?xml version="1.0"?>',
        '<?pi x?>',
        '<!DOCTYPE x>',
        '<!ENTITY a "b">',
        '</stream:stream>',
        '<stream:stream>',
        '<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>',
        '<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>',
        ' ',
        '\n',
        '\r\n',
        '\t',
        'text',
        '\u00e9',
        '\u{1f600}',
        '\ufeff',
        '\u0000',
        '\u0001',
      ),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));
