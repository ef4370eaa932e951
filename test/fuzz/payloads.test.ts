// Fuzzing the payload decoders (packages/protocol/src/payloads/*): elements built from a generator of XML
// trees whose attribute values and text are hostile decode to a value or throw a StanzaError —
// bad-request, or the few conditions a codec documents — and never any other exception, which
// would be answered internal-server-error (server) or break a transfer (client).
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { NS } from '@ferry/protocol/namespaces';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import type { Element } from '@ferry/protocol/xml/element';
import { decodeIbbClose, decodeIbbData, decodeIbbOpen } from '@ferry/protocol/payloads/ibb';
import { decodeSiAccept, decodeSiOffer } from '@ferry/protocol/payloads/si';
import { decodeSiFile, decodeSiFileRange } from '@ferry/protocol/payloads/si-file';
import {
  decodeActivate,
  decodeProxyStreamhosts,
  decodeStreamhostUsed,
  decodeStreamhosts,
} from '@ferry/protocol/payloads/bytestreams';
import { decodeUploadRequest, decodeUploadSlot } from '@ferry/protocol/payloads/http-upload';
import { decodeOob } from '@ferry/protocol/payloads/oob';
import { decodeFileSharing } from '@ferry/protocol/payloads/file-sharing';
import { decodeFileMetadata, decodeHash } from '@ferry/protocol/payloads/file-metadata';
import { decodeDataForm } from '@ferry/protocol/payloads/data-form';
import { decodeDiscoInfo, decodeDiscoItems } from '@ferry/protocol/payloads/disco';
import { fc, property, replay } from './harness.js';
import { hostileTree, toElement, type Tree } from './xml-trees.js';

interface Target {
  decode(element: Element): unknown;
  root: [name: string, ns: string];
  /** Conditions besides bad-request the codec may answer (its documented errors). */
  alsoAllowed?: readonly string[];
}

const TARGETS: Record<string, Target> = {
  'ibb open': { decode: decodeIbbOpen, root: ['open', NS.IBB] },
  'ibb data': { decode: (element) => decodeIbbData(element, { blockSize: 4096 }), root: ['data', NS.IBB] },
  'ibb close': { decode: decodeIbbClose, root: ['close', NS.IBB] },
  // XEP-0095 §4.3: bad-profile and no-valid-streams are the SI offer's own refusals.
  'si offer': { decode: decodeSiOffer, root: ['si', NS.SI], alsoAllowed: ['bad-profile', 'no-valid-streams'] },
  'si accept': {
    decode: (element) => decodeSiAccept(element, [NS.BYTESTREAMS, NS.IBB]),
    root: ['si', NS.SI],
    alsoAllowed: ['no-valid-streams'],
  },
  'si file': { decode: decodeSiFile, root: ['file', NS.SI_FILE] },
  'si file range': { decode: decodeSiFileRange, root: ['file', NS.SI_FILE] },
  // XEP-0065 §5.3.1: a Target that will not do UDP mode answers not-acceptable.
  'bytestreams streamhosts': {
    decode: decodeStreamhosts,
    root: ['query', NS.BYTESTREAMS],
    alsoAllowed: ['not-acceptable'],
  },
  'bytestreams streamhost-used': { decode: decodeStreamhostUsed, root: ['query', NS.BYTESTREAMS] },
  'bytestreams activate': { decode: decodeActivate, root: ['query', NS.BYTESTREAMS] },
  'bytestreams proxy streamhosts': { decode: decodeProxyStreamhosts, root: ['query', NS.BYTESTREAMS] },
  // XEP-0363 1.2 "Upload purpose": a purpose the service does not know is feature-not-implemented.
  'http-upload request': {
    decode: decodeUploadRequest,
    root: ['request', NS.HTTP_UPLOAD],
    alsoAllowed: ['feature-not-implemented'],
  },
  'http-upload slot': { decode: decodeUploadSlot, root: ['slot', NS.HTTP_UPLOAD] },
  oob: { decode: decodeOob, root: ['x', NS.OOB] },
  'file-sharing': { decode: decodeFileSharing, root: ['file-sharing', NS.SFS] },
  'file metadata': { decode: decodeFileMetadata, root: ['file', NS.FILE_METADATA] },
  hash: { decode: decodeHash, root: ['hash', NS.HASHES] },
  'data form': { decode: decodeDataForm, root: ['x', NS.DATA_FORMS] },
  'disco#info': { decode: decodeDiscoInfo, root: ['query', NS.DISCO_INFO] },
  'disco#items': { decode: decodeDiscoItems, root: ['query', NS.DISCO_ITEMS] },
};

/** Decodes, and fails the property on anything but a value or an allowed StanzaError. */
function check(target: Target, tree: Tree): void {
  const element = toElement(tree);
  try {
    target.decode(element);
  } catch (error) {
    assert.ok(
      error instanceof StanzaError,
      `threw ${(error as Error)?.constructor?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`,
    );
    const allowed = ['bad-request', ...(target.alsoAllowed ?? [])];
    const application = error.application?.name;
    assert.ok(
      allowed.includes(error.condition) || (application !== undefined && allowed.includes(application)),
      `${error.condition}/${application ?? ''}: ${error.text ?? ''}`,
    );
  }
}

describe('fuzz: payload decoders', () => {
  let seed = 0xdec0;
  for (const [name, target] of Object.entries(TARGETS)) {
    property(
      `${name}: hostile trees decode or throw a StanzaError bad-request`,
      { seed: seed++, numRuns: 250 },
      fc.property(hostileTree(...target.root), (tree) => check(target, tree)),
    );
  }

  describe('regressions', () => {
    replay<{ target: string; tree: Tree }>('payloads.json', ({ target, tree }) => {
      const found = TARGETS[target];
      assert.ok(found, `no fuzz target ${target}`);
      check(found, tree);
    });
  });
});
