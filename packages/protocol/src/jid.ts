// RFC 7622: XMPP addresses. Preparation is a pragmatic subset of PRECIS (RFC 8264/8265) built on
// String.prototype.normalize, so Ferry needs no IDNA/PRECIS dependency:
//   localpart    UsernameCaseMapped-ish: width mapping, toLowerCase, NFC; no `"&'/:<>@`, spaces, controls
//   domainpart   width mapping, lowercase, NFC, ideographic dots mapped to '.', one trailing dot
//                stripped, no empty labels, IP literals like [::1] kept
//   resourcepart OpaqueString-ish: non-ASCII spaces mapped to ' ', NFC; no controls; `@` and `/` allowed
// Each part is 1..1023 bytes of UTF-8 (§3.2–3.4).
import { utf8ByteLength } from './bytes.js';

export class JidError extends Error {
  readonly condition = 'jid-malformed';

  constructor(message: string) {
    super(message);
    this.name = 'JidError';
  }
}

const MAX_PART_BYTES = 1023;
// Halfwidth and Fullwidth Forms: the PRECIS width mapping (RFC 8265 §3.3.1) is their NFKC form.
const HALF_FULL_WIDTH = /[\uFF00-\uFFEF]/u;
// U+3002, U+FF0E, U+FF61 are label separators that must become FULL STOP (RFC 7622 §3.2).
const LABEL_SEPARATORS = /[\u3002\uFF0E\uFF61]/u;
// Spaces, controls, format characters (bidi overrides) and lone surrogates never name an account.
const LOCAL_FORBIDDEN = /["&'/:<>@\s\p{Z}\p{Cc}\p{Cf}\p{Cs}]/u;
// Host names: letters, marks and digits in any script, plus '-', '_' and the '.' separator.
const DOMAIN_FORBIDDEN = /[^\p{L}\p{M}\p{N}._-]/u;
const IP_LITERAL = /^\[[0-9a-f.:]*:[0-9a-f.:]*\]$/;
const NON_ASCII_SPACE = /\p{Zs}/u;
const RESOURCE_FORBIDDEN = /[\p{Cc}\p{Cs}]/u;
// Already prepared, nothing to map or normalise: the common case, kept off the Unicode path.
const PLAIN_ASCII = /^[a-z0-9._-]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export class Jid {
  readonly local: string;
  readonly domain: string;
  readonly resource: string;
  #string: string | undefined;
  #bare: Jid | undefined;

  private constructor(local: string, domain: string, resource: string) {
    this.local = local;
    this.domain = domain;
    this.resource = resource;
  }

  /** RFC 7622 §3.1: the resource starts at the first '/'; the localpart ends at the first '@' before it. */
  static parse(input: string): Jid {
    const slash = input.indexOf('/');
    const head = slash === -1 ? input : input.slice(0, slash);
    const at = head.indexOf('@');
    if (at === 0) throw new JidError('empty localpart before "@"');
    if (slash === input.length - 1) throw new JidError('empty resourcepart after "/"');
    return Jid.of(
      at === -1 ? undefined : head.slice(0, at),
      at === -1 ? head : head.slice(at + 1),
      slash === -1 ? undefined : input.slice(slash + 1),
    );
  }

  static tryParse(input: string): Jid | undefined {
    try {
      return Jid.parse(input);
    } catch (error) {
      if (error instanceof JidError) return undefined;
      throw error;
    }
  }

  /** Prepares each part; '' or undefined local/resource means none. */
  static of(local: string | undefined, domain: string, resource?: string): Jid {
    return new Jid(local ? prepareLocal(local) : '', prepareDomain(domain), resource ? prepareResource(resource) : '');
  }

  get isBare(): boolean {
    return this.resource === '';
  }

  get isFull(): boolean {
    return this.resource !== '';
  }

  /** A server or component address: no localpart, no resource. */
  get isDomain(): boolean {
    return this.local === '' && this.resource === '';
  }

  bare(): Jid {
    if (this.resource === '') return this;
    this.#bare ??= new Jid(this.local, this.domain, '');
    return this.#bare;
  }

  withResource(resource: string): Jid {
    return new Jid(this.local, this.domain, prepareResource(resource));
  }

  toString(): string {
    this.#string ??=
      (this.local === '' ? '' : `${this.local}@`) + this.domain + (this.resource === '' ? '' : `/${this.resource}`);
    return this.#string;
  }

  equals(other: Jid): boolean {
    return this.local === other.local && this.domain === other.domain && this.resource === other.resource;
  }
}

function prepareLocal(raw: string): string {
  if (PLAIN_ASCII.test(raw)) return checkLength(raw, 'localpart');
  // RFC 8265 §3.3.2: width mapping, then case mapping, then NFC.
  const local = widthMap(raw).toLowerCase().normalize('NFC');
  if (LOCAL_FORBIDDEN.test(local)) throw new JidError(`forbidden character in localpart "${raw}"`);
  return checkLength(local, 'localpart');
}

function prepareDomain(raw: string): string {
  let domain = PLAIN_ASCII.test(raw)
    ? raw
    : widthMap(raw).split(LABEL_SEPARATORS).join('.').toLowerCase().normalize('NFC');
  // RFC 7622 §3.2: a final dot (the DNS root) is not part of the domainpart.
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (domain.startsWith('[')) {
    if (!IP_LITERAL.test(domain)) throw new JidError(`malformed IP literal "${raw}"`);
    return checkLength(domain, 'domainpart');
  }
  if (DOMAIN_FORBIDDEN.test(domain)) throw new JidError(`forbidden character in domainpart "${raw}"`);
  if (domain.startsWith('.') || domain.includes('..') || domain.endsWith('.')) {
    throw new JidError(`empty label in domainpart "${raw}"`);
  }
  return checkLength(domain, 'domainpart');
}

function prepareResource(raw: string): string {
  if (PRINTABLE_ASCII.test(raw)) return checkLength(raw, 'resourcepart');
  // RFC 8265 §4.2.2 (OpaqueString): non-ASCII spaces become ASCII space, then NFC.
  const resource = raw.split(NON_ASCII_SPACE).join(' ').normalize('NFC');
  if (RESOURCE_FORBIDDEN.test(resource)) throw new JidError('control character in resourcepart');
  return checkLength(resource, 'resourcepart');
}

function widthMap(value: string): string {
  if (!HALF_FULL_WIDTH.test(value)) return value;
  return Array.from(value, (char) => (HALF_FULL_WIDTH.test(char) ? char.normalize('NFKC') : char)).join('');
}

function checkLength(part: string, what: string): string {
  if (part === '') throw new JidError(`empty ${what}`);
  // Up to 341 UTF-16 units cannot exceed 1023 bytes (3 bytes per unit at most).
  if (part.length > MAX_PART_BYTES / 3 && utf8ByteLength(part) > MAX_PART_BYTES) {
    throw new JidError(`${what} longer than ${MAX_PART_BYTES} bytes`);
  }
  return part;
}
