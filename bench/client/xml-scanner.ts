// Splits an XMPP stream into top-level stanzas without building any tree: a load generator has
// to stay cheaper than the servers it measures. It tracks element depth by scanning for '<' and
// '>' (base64 and text never contain a raw '<'), so it trusts the servers to escape '>' inside
// attribute values, which Prosody, ejabberd and Ferry all do. Text is latin1: every structural
// byte is ASCII, and a multi-byte UTF-8 character can never look like one.

export type StreamEvent = { kind: 'open'; header: string } | { kind: 'stanza'; text: string } | { kind: 'close' };

export class XmlScanner {
  #buffer = '';
  /** Where scanning resumes in #buffer. */
  #position = 0;
  /** 0 outside the stream, 1 between stanzas, ≥ 2 inside one. */
  #depth = 0;
  /** Start of the stanza being read, when #depth ≥ 2. */
  #stanzaStart = 0;
  readonly #emit: (event: StreamEvent) => void;

  constructor(emit: (event: StreamEvent) => void) {
    this.#emit = emit;
  }

  feed(chunk: string): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : this.#buffer + chunk;
    const buffer = this.#buffer;
    let position = this.#position;
    for (;;) {
      const open = buffer.indexOf('<', position);
      if (open < 0) {
        position = buffer.length;
        break;
      }
      const end = buffer.indexOf('>', open + 1);
      if (end < 0) {
        position = open;
        break;
      }
      position = end + 1;
      const next = buffer.charCodeAt(open + 1);
      if (next === 0x3f /* ? */ || next === 0x21 /* ! */) continue;
      if (next === 0x2f /* / */) {
        this.#depth -= 1;
        if (this.#depth === 1) this.#emit({ kind: 'stanza', text: buffer.slice(this.#stanzaStart, end + 1) });
        else if (this.#depth <= 0) {
          this.#depth = 0;
          this.#emit({ kind: 'close' });
        }
        continue;
      }
      const isSelfClosing = buffer.charCodeAt(end - 1) === 0x2f;
      if (this.#depth <= 1 && buffer.startsWith('stream:stream', open + 1)) {
        // A stream header, also the one a server sends after SASL success (stream restart).
        this.#depth = 1;
        this.#emit({ kind: 'open', header: buffer.slice(open, end + 1) });
      } else if (this.#depth === 1) {
        if (isSelfClosing) this.#emit({ kind: 'stanza', text: buffer.slice(open, end + 1) });
        else {
          this.#stanzaStart = open;
          this.#depth = 2;
        }
      } else if (!isSelfClosing) {
        this.#depth += 1;
      }
    }
    // Keep only what is still needed: the unfinished stanza, or the unfinished tag.
    const keepFrom = this.#depth >= 2 ? Math.min(this.#stanzaStart, position) : position;
    this.#buffer = keepFrom >= buffer.length ? '' : buffer.slice(keepFrom);
    this.#position = position - keepFrom;
    if (this.#depth >= 2) this.#stanzaStart -= keepFrom;
  }
}

/** The element name of a stanza without its prefix: `stream:features` → `features`. */
export function localName(stanza: string): string {
  let end = 1;
  while (end < stanza.length) {
    const code = stanza.charCodeAt(end);
    if (code === 0x20 || code === 0x3e || code === 0x2f || code === 0x0a || code === 0x09 || code === 0x0d) break;
    end += 1;
  }
  const name = stanza.slice(1, end);
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

const attributePatterns = new Map<string, RegExp>();

/** An attribute of the stanza's own (first) tag, unescaped for the five XML entities. */
export function attribute(stanza: string, name: string): string | undefined {
  let pattern = attributePatterns.get(name);
  if (!pattern) {
    pattern = new RegExp(`\\s${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`);
    attributePatterns.set(name, pattern);
  }
  const tagEnd = stanza.indexOf('>');
  const match = pattern.exec(tagEnd < 0 ? stanza : stanza.slice(0, tagEnd));
  if (!match) return undefined;
  return unescapeXml(match[1] ?? match[2] ?? '');
}

/** The text of the first <name>…</name> child anywhere in the stanza. */
export function childText(stanza: string, name: string): string | undefined {
  const match = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([^<]*)</`).exec(stanza);
  return match ? unescapeXml(match[1] ?? '') : undefined;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

export function unescapeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(amp|lt|gt|quot|apos|#x?[0-9a-fA-F]+);/g, (_, entity: string) => {
    switch (entity) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(
          entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10),
        );
    }
  });
}
