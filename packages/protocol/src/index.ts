// @ferry/protocol: what Ferry's server and client share. Pure values and codecs, no sockets
// except the SOCKS5 helpers in `@ferry/protocol/socks5`. Every module is also importable by its
// path (`@ferry/protocol/xml/stream-parser`); this entry names the ones most code needs.
export { Jid, JidError } from './jid.js';
export { NS, type Namespace } from './namespaces.js';
export { Element, xml, namespaceOf, cloneElement, type Attrs, type Child } from './xml/element.js';
export * from './errors/index.js';
