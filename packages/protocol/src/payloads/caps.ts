// XEP-0115: Entity Capabilities — the <c/> element a client puts in its presence, and the
// verification string (§5.1) whose hash names its disco#info, so peers ask once per `ver`
// instead of once per contact.
import { sha1 } from '@noble/hashes/legacy';
import { bytesToBase64, compareUtf8, utf8Bytes } from '../bytes.js';
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import { formType } from './data-form.js';
import type { DiscoIdentity, DiscoInfo } from './disco.js';
import { attr, expectElement, requireAttr } from './untrusted.js';

/** §4: hash names the algorithm (IANA "Hash Function Textual Names"); Ferry computes sha-1 only. */
export interface EntityCaps {
  hash: string;
  /** A URI that identifies the software, e.g. 'https://ferry.example/client'. */
  node: string;
  ver: string;
}

export const CAPS_HASH = 'sha-1';

export function encodeCaps(caps: EntityCaps): Element {
  return xml('c', { xmlns: NS.CAPS, hash: caps.hash, node: caps.node, ver: caps.ver });
}

/**
 * Decodes a <c/>. COMPAT: legacy (pre-1.5) <c/> without 'hash' carries a ver that is no hash,
 * with 'ext'; it decodes with hash '' so callers can tell it cannot be verified.
 */
export function decodeCaps(c: Element): EntityCaps {
  expectElement(c, 'c', NS.CAPS);
  return { hash: attr(c, 'hash') ?? '', node: requireAttr(c, 'node'), ver: requireAttr(c, 'ver') };
}

/** The caps in a presence stanza, or undefined when it has none (or a malformed one). */
export function findCaps(presence: Element): EntityCaps | undefined {
  const c = presence.getChild('c', NS.CAPS);
  if (!c) return undefined;
  try {
    return decodeCaps(c);
  } catch {
    return undefined; // a broken <c/> only costs the peer its cache entry
  }
}

/** §5.1: the string that is hashed, from the disco#info identities, features and extension forms. */
export function verificationString(info: DiscoInfo): string {
  let s = '';
  for (const identity of [...info.identities].sort(compareIdentities)) {
    s += `${identity.category}/${identity.type}/${identity.lang ?? ''}/${identity.name ?? ''}<`;
  }
  for (const feature of [...info.features].sort(compareOctets)) s += `${feature}<`;
  const forms = (info.forms ?? [])
    .map((form) => ({ form, type: formType(form) }))
    .filter((entry): entry is { form: (typeof entry)['form']; type: string } => entry.type !== undefined)
    .sort((a, b) => compareOctets(a.type, b.type));
  for (const { form, type } of forms) {
    s += `${type}<`;
    const fields = form.fields
      .filter((field) => field.var !== undefined && field.var !== 'FORM_TYPE')
      .sort((a, b) => compareOctets(a.var!, b.var!));
    for (const field of fields) {
      s += `${field.var!}<`;
      for (const value of [...field.values].sort(compareOctets)) s += `${value}<`;
    }
  }
  return s;
}

/** §5.1 step 7–8: base64 of the SHA-1 of the UTF-8 verification string. */
export function capsVer(info: DiscoInfo): string {
  return bytesToBase64(sha1(utf8Bytes(verificationString(info))));
}

/**
 * §5.4: may an answer be cached under `ver`? Only a sha-1 <c/> whose ver is the hash of the
 * answer, with no repeated identity or form type and single-valued FORM_TYPEs.
 */
export function isVerified(caps: EntityCaps, info: DiscoInfo): boolean {
  if (caps.hash !== CAPS_HASH) return false;
  const identities = info.identities.map(
    (identity) => `${identity.category}/${identity.type}/${identity.lang ?? ''}/${identity.name ?? ''}`,
  );
  if (new Set(identities).size !== identities.length) return false;
  const types: string[] = [];
  for (const form of info.forms ?? []) {
    const field = form.fields.find((candidate) => candidate.var === 'FORM_TYPE');
    if (!field || field.values.length !== 1) return false;
    types.push(field.values[0]!);
  }
  if (new Set(types).size !== types.length) return false;
  return capsVer(info) === caps.ver;
}

/** §5.1 "i;octet" collation: compare UTF-8 bytes, not UTF-16 code units. */
function compareOctets(a: string, b: string): number {
  return compareUtf8(a, b);
}

function compareIdentities(a: DiscoIdentity, b: DiscoIdentity): number {
  return (
    compareOctets(a.category, b.category) ||
    compareOctets(a.type, b.type) ||
    compareOctets(a.lang ?? '', b.lang ?? '') ||
    compareOctets(a.name ?? '', b.name ?? '')
  );
}
