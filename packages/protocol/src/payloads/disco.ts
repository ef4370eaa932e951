// XEP-0030: Service Discovery — the disco#info and disco#items <query/> payloads, with XEP-0128
// extended info (data forms after the features). The same codec serves requests (empty query,
// maybe a node) and results.
import { StanzaError } from '../errors/stanza-error.js';
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import { decodeDataForm, encodeDataForm, formType, type DataForm, type DataFormField } from './data-form.js';
import { attr, expectElement, parseJidText, requireAttr } from './untrusted.js';

/** XEP-0030 §3.1: who the entity is, e.g. { category: 'proxy', type: 'bytestreams' }. */
export interface DiscoIdentity {
  category: string;
  type: string;
  name?: string;
  /** xml:lang: an entity may repeat an identity once per language (XEP-0030 §3.1). */
  lang?: string;
}

export interface DiscoInfo {
  identities: DiscoIdentity[];
  /** Feature vars, usually namespaces (NS.BYTESTREAMS, NS.SI_FILE …). */
  features: string[];
  /**
   * XEP-0128 extended info: forms of type 'result' named by a hidden FORM_TYPE field (XEP-0068),
   * e.g. HTTP upload's max-file-size. Build them with extensionForm().
   */
  forms?: DataForm[];
  node?: string;
}

export interface DiscoItem {
  jid: string;
  name?: string;
  node?: string;
}

export interface DiscoItems {
  items: DiscoItem[];
  node?: string;
}

export function encodeDiscoInfo(info: DiscoInfo): Element {
  return xml(
    'query',
    { xmlns: NS.DISCO_INFO, node: info.node },
    info.identities.map((identity) =>
      xml('identity', {
        category: identity.category,
        type: identity.type,
        name: identity.name,
        'xml:lang': identity.lang,
      }),
    ),
    info.features.map((feature) => xml('feature', { var: feature })),
    (info.forms ?? []).map(encodeExtensionForm),
  );
}

/** XEP-0128 §2: an extension form: type 'result', the hidden FORM_TYPE field first, then `fields`. */
export function extensionForm(type: string, fields: readonly DataFormField[] = []): DataForm {
  return {
    type: 'result',
    fields: [{ var: 'FORM_TYPE', type: 'hidden', values: [type], options: [] }, ...fields],
  };
}

/** The extension form of that FORM_TYPE in a disco#info result, if there is one. */
export function findExtensionForm(info: DiscoInfo, type: string): DataForm | undefined {
  return info.forms?.find((form) => formType(form) === type);
}

/**
 * Throws (a programmer error) unless `form` can extend disco#info: type 'result' with a hidden
 * FORM_TYPE field, since a form without one cannot be told apart from others (XEP-0128 §3).
 */
export function assertExtensionForm(form: DataForm): void {
  const typeField = form.fields.find((field) => field.var === 'FORM_TYPE');
  if (form.type !== 'result' || typeField?.type !== 'hidden' || typeField.values.length !== 1) {
    throw new TypeError("a disco#info extension form must be of type 'result' with a hidden FORM_TYPE field");
  }
}

function encodeExtensionForm(form: DataForm): Element {
  assertExtensionForm(form);
  const typeField = form.fields.find((field) => field.var === 'FORM_TYPE')!;
  // XEP-0068 §…: FORM_TYPE comes first, whatever order the caller built the fields in.
  return encodeDataForm({ ...form, fields: [typeField, ...form.fields.filter((field) => field !== typeField)] });
}

/**
 * XEP-0128 forms of a disco#info result. A form another extension got wrong (malformed, not a
 * result, no FORM_TYPE) is skipped rather than failing the whole result: it is not ours to judge,
 * and nobody could look it up by FORM_TYPE anyway.
 */
function decodeExtensionForm(x: Element): DataForm | undefined {
  let form: DataForm;
  try {
    form = decodeDataForm(x);
  } catch (error) {
    if (error instanceof StanzaError) return undefined;
    throw error;
  }
  return form.type === 'result' && formType(form) !== undefined ? form : undefined;
}

/**
 * Decodes a disco#info <query/>. Lenient about cardinality — XEP-0030 §3.1 wants at least one
 * identity and feature in a result, but a bare request has none and an empty result hurts nobody —
 * strict about every entry that is present.
 */
export function decodeDiscoInfo(query: Element): DiscoInfo {
  expectElement(query, 'query', NS.DISCO_INFO);
  const identities: DiscoIdentity[] = [];
  const features: string[] = [];
  const forms: DataForm[] = [];
  for (const child of query.getChildElements()) {
    if (child.is('identity', NS.DISCO_INFO)) identities.push(decodeIdentity(child));
    else if (child.is('feature', NS.DISCO_INFO)) {
      const feature = requireAttr(child, 'var');
      // XEP-0030 §3.1: a feature appears once; a repeat is harmless, so fold it.
      if (!features.includes(feature)) features.push(feature);
    } else if (child.is('x', NS.DATA_FORMS)) {
      const form = decodeExtensionForm(child);
      if (form) forms.push(form);
    }
  }
  const info: DiscoInfo = { identities, features };
  if (forms.length > 0) info.forms = forms;
  const node = attr(query, 'node');
  if (node !== undefined) info.node = node;
  return info;
}

function decodeIdentity(element: Element): DiscoIdentity {
  const identity: DiscoIdentity = {
    category: requireAttr(element, 'category'),
    type: requireAttr(element, 'type'),
  };
  const name = attr(element, 'name');
  if (name !== undefined) identity.name = name;
  const lang = attr(element, 'xml:lang');
  if (lang !== undefined) identity.lang = lang;
  return identity;
}

export function encodeDiscoItems(items: DiscoItems): Element {
  return xml(
    'query',
    { xmlns: NS.DISCO_ITEMS, node: items.node },
    items.items.map((item) => xml('item', { jid: item.jid, name: item.name, node: item.node })),
  );
}

export function decodeDiscoItems(query: Element): DiscoItems {
  expectElement(query, 'query', NS.DISCO_ITEMS);
  const items: DiscoItem[] = [];
  for (const child of query.getChildren('item', NS.DISCO_ITEMS)) {
    // XEP-0030 §4.1: 'jid' is REQUIRED; 'name' is optional (Prosody's proxy65 item has none).
    const item: DiscoItem = { jid: parseJidText(requireAttr(child, 'jid'), "<item/> 'jid'") };
    const name = attr(child, 'name');
    if (name !== undefined) item.name = name;
    const node = attr(child, 'node');
    if (node !== undefined) item.node = node;
    items.push(item);
  }
  const result: DiscoItems = { items };
  const node = attr(query, 'node');
  if (node !== undefined) result.node = node;
  return result;
}

/** True when a disco#info result lists the identity, e.g. hasIdentity(info, 'proxy', 'bytestreams'). */
export function hasIdentity(info: DiscoInfo, category: string, type: string): boolean {
  return info.identities.some((identity) => identity.category === category && identity.type === type);
}
