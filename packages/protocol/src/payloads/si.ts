// XEP-0095: Stream Initiation, with the XEP-0096 file-transfer profile (the only one Ferry speaks).
// Offer: <si id profile mime-type><file/><feature xmlns=feature-neg><x type=form><field
// var=stream-method type=list-single><option><value/>…; accept: <si><file><range/></file>?<feature>
// <x type=submit><field var=stream-method><value/>. Plus the SI error values and their classifier.
import { StanzaError } from '../errors/stanza-error.js';
import { NS } from '../namespaces.js';
import { namespaceOf, xml, type Element } from '../xml/element.js';
import { decodeDataForm, encodeDataForm, findField, type DataForm, type DataFormField } from './data-form.js';
import {
  decodeSiFile,
  decodeSiFileRange,
  encodeSiFile,
  encodeSiFileRange,
  type SiFile,
  type SiFileRange,
} from './si-file.js';
import {
  attr,
  expectElement,
  malformed,
  parseMimeType,
  parseSid,
  requireAttr,
  trimXmlWhitespace,
} from './untrusted.js';

/** XEP-0095 §3.2: the data-form field that carries the bytestream choice. */
export const STREAM_METHOD = 'stream-method';

/** XEP-0096 §3.1: implementations MUST support SOCKS5 and IBB, "to be preferred in that order". */
export const DEFAULT_STREAM_METHODS: readonly string[] = [NS.BYTESTREAMS, NS.IBB];

export type SiProfile = typeof NS.SI_FILE;

export interface SiOffer {
  /** The stream id (sid): reused as the SOCKS5 / IBB sid of the bytestream (XEP-0095 §5.2). */
  id: string;
  /** XEP-0095 §4.1: absent means application/octet-stream. */
  mimeType?: string;
  profile: SiProfile;
  file: SiFile;
  /** Offered stream methods (namespaces), in the sender's order of preference. */
  methods: string[];
}

export interface SiAccept {
  /** The one stream method the receiver chose. */
  method: string;
  /** XEP-0096 §3: resume from / limit to these bytes; absent means the whole file. */
  range?: SiFileRange;
}

export function encodeSiOffer(offer: SiOffer): Element {
  // XEP-0095 §4.1: "The feature negotiation MUST contain at least one option".
  if (offer.methods.length === 0) throw new RangeError('an SI offer needs at least one stream method');
  const form: DataForm = {
    type: 'form',
    fields: [
      {
        var: STREAM_METHOD,
        type: 'list-single',
        values: [],
        options: offer.methods.map((value) => ({ value })),
      },
    ],
  };
  return xml(
    'si',
    { xmlns: NS.SI, id: offer.id, 'mime-type': offer.mimeType, profile: offer.profile },
    encodeSiFile(offer.file),
    xml('feature', { xmlns: NS.FEATURE_NEG }, encodeDataForm(form)),
  );
}

/**
 * Decodes an offer. Errors are the replies XEP-0095 §3.2 prescribes: an unknown or missing profile
 * throws `siErrors.badProfile()`, anything else malformed a plain bad-request.
 */
export function decodeSiOffer(si: Element): SiOffer {
  expectElement(si, 'si', NS.SI);
  const id = parseSid(requireAttr(si, 'id'), "<si/> 'id'");
  if (attr(si, 'profile') !== NS.SI_FILE) throw siErrors.badProfile();
  const fileElement = si.getChild('file', NS.SI_FILE);
  if (!fileElement) throw siErrors.badProfile();
  const field = streamMethodField(si, 'form');
  // COMPAT: Smack ≤ 4.3 / Spark declare the stream-method field list-multi; read it, never send it.
  if (field.type !== 'list-single' && field.type !== 'list-multi') {
    throw malformed(`the ${STREAM_METHOD} field must be list-single, got '${field.type ?? ''}'`);
  }
  const methods = field.options.map((option) => trimXmlWhitespace(option.value));
  if (methods.length === 0 || methods.includes('')) {
    throw malformed(`XEP-0095 §4.1: the ${STREAM_METHOD} field needs at least one option`);
  }
  const offer: SiOffer = { id, profile: NS.SI_FILE, file: decodeSiFile(fileElement), methods };
  const mimeType = attr(si, 'mime-type');
  if (mimeType !== undefined) offer.mimeType = parseMimeType(mimeType, "<si/> 'mime-type'");
  return offer;
}

export function encodeSiAccept(accept: SiAccept): Element {
  const form: DataForm = {
    type: 'submit',
    fields: [{ var: STREAM_METHOD, values: [accept.method], options: [] }],
  };
  return xml(
    'si',
    { xmlns: NS.SI },
    accept.range !== undefined && encodeSiFileRange(accept.range),
    xml('feature', { xmlns: NS.FEATURE_NEG }, encodeDataForm(form)),
  );
}

/**
 * Decodes an accept. `supported` is what we offered: the chosen method must be one of them.
 * COMPAT: Smack < 4.4 and Spark put two <value>s in the stream-method field (Spark 2.6.3
 * answering a Flex/XIFF offer lists bytestreams, then ibb); XEP-0095 §4.1 says "only one selected
 * stream", so take the first value we support and never send that form ourselves.
 */
export function decodeSiAccept(si: Element, supported: readonly string[]): SiAccept {
  expectElement(si, 'si', NS.SI);
  const field = streamMethodField(si, 'submit');
  const values = field.values.map(trimXmlWhitespace);
  if (values.length === 0) throw malformed(`the ${STREAM_METHOD} field of the accept has no <value/>`);
  const method = values.find((value) => supported.includes(value));
  if (method === undefined) {
    throw malformed(`the accept chose ${values.join(', ')}, which was not offered`);
  }
  const accept: SiAccept = { method };
  const file = si.getChild('file', NS.SI_FILE);
  const range = file ? decodeSiFileRange(file) : undefined;
  if (range !== undefined) accept.range = range;
  return accept;
}

function streamMethodField(si: Element, expected: 'form' | 'submit'): DataFormField {
  const x = si.getChild('feature', NS.FEATURE_NEG)?.getChild('x', NS.DATA_FORMS);
  if (!x) throw malformed('XEP-0095 §4.1: <si/> has no <feature><x xmlns=jabber:x:data/></feature>');
  const form = decodeDataForm(x);
  if (form.type !== expected) throw malformed(`the feature negotiation form must be type '${expected}'`);
  const field = findField(form, STREAM_METHOD);
  if (!field) throw malformed(`the feature negotiation form has no '${STREAM_METHOD}' field`);
  return field;
}

/**
 * The receiver's choice: the first of `preferred` (ours, best first) that the sender offered.
 * Throws `siErrors.noValidStreams()`, the XEP-0095 §3.2 reply, when there is none.
 */
export function selectStreamMethod(
  offered: readonly string[],
  preferred: readonly string[] = DEFAULT_STREAM_METHODS,
): string {
  const method = preferred.find((candidate) => offered.includes(candidate));
  if (method === undefined) throw siErrors.noValidStreams();
  return method;
}

/** XEP-0095 §3.2 / §4.2 error replies, with the legacy codes its examples carry (XEP-0086). */
export const siErrors = {
  /** The receiver said no: forbidden, type cancel, "Offer Declined". */
  declined(reason = 'Offer Declined'): StanzaError {
    return new StanzaError('forbidden', { type: 'cancel', text: reason, code: '403' });
  },
  /** None of the offered stream methods is acceptable; `reason` says which the receiver takes. */
  noValidStreams(reason?: string): StanzaError {
    return new StanzaError('bad-request', {
      type: 'cancel',
      code: '400',
      ...(reason ? { text: reason } : {}),
      application: xml('no-valid-streams', { xmlns: NS.SI }),
    });
  },
  /** The profile is not understood or invalid. */
  badProfile(): StanzaError {
    return new StanzaError('bad-request', {
      type: 'modify',
      code: '400',
      application: xml('bad-profile', { xmlns: NS.SI }),
    });
  },
};

export type SiErrorKind = 'declined' | 'no-valid-streams' | 'bad-profile' | 'other';

/** What an error answer to our offer means, so the sender can tell "no" from "cannot". */
export function classifySiError(error: StanzaError): SiErrorKind {
  const application = error.application;
  if (application && namespaceOf(application) === NS.SI) {
    if (application.getName() === 'no-valid-streams') return 'no-valid-streams';
    if (application.getName() === 'bad-profile') return 'bad-profile';
  }
  if (error.condition === 'forbidden') return 'declined';
  // COMPAT: Smack < 4.0.1 / Spark decline with 406 not-acceptable, type modify.
  if (error.condition === 'not-acceptable') return 'declined';
  // COMPAT: a legacy decline may carry only code="406" without a condition element
  // (<error code="406" type="modify"/>); XEP-0086 maps 403 → forbidden and 406 → not-acceptable,
  // so read the code.
  if (error.condition === 'undefined-condition' && (error.code === '403' || error.code === '406')) {
    return 'declined';
  }
  return 'other';
}
