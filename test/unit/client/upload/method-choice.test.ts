import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Jid } from '@ferry/protocol/jid';
import { NS } from '@ferry/protocol/namespaces';
import { chooseSendRoute, fileProtocol, type OnlineResource } from '@ferry/client/internal/upload/method-choice';

const BOB = Jid.parse('bob@example.com');
const OURS = [NS.BYTESTREAMS, NS.IBB];
const FERRY = [NS.DISCO_INFO, NS.SI, NS.SI_FILE, NS.BYTESTREAMS, NS.IBB];
const PHONE = [NS.DISCO_INFO, NS.HTTP_UPLOAD]; // Conversations-like: no SI

function resource(name: string, features: string[] | undefined, priority = 0): OnlineResource {
  return { jid: Jid.parse(`bob@example.com/${name}`), priority, features };
}

describe('how a file goes to a JID (chooseSendRoute)', () => {
  it('a full JID gets SI, as before', () => {
    const full = Jid.parse('bob@example.com/ferry-receive');
    assert.deepEqual(chooseSendRoute(full, 'auto', [], OURS), { kind: 'si', to: full, reason: 'a full JID' });
  });

  it('a bare JID with no resource online gets an upload (stored offline)', () => {
    assert.deepEqual(chooseSendRoute(BOB, 'auto', [], OURS), {
      kind: 'upload',
      reason: 'bob@example.com has no resource online that we can see',
    });
  });

  it('a bare JID gets SI on its online resource that takes files', () => {
    const route = chooseSendRoute(BOB, 'auto', [resource('phone', PHONE), resource('desk', FERRY)], OURS);
    assert.equal(route.kind, 'si');
    assert.equal(route.kind === 'si' && route.to.toString(), 'bob@example.com/desk');
  });

  it('picks the highest priority among capable resources', () => {
    const route = chooseSendRoute(BOB, 'auto', [resource('a', FERRY, 1), resource('b', FERRY, 5)], OURS);
    assert.equal(route.kind === 'si' && route.to.toString(), 'bob@example.com/b');
  });

  it('uploads when no online resource takes files over SI, or none answered disco', () => {
    for (const resources of [[resource('phone', PHONE)], [resource('silent', undefined)]]) {
      assert.deepEqual(chooseSendRoute(BOB, 'auto', resources, OURS), {
        kind: 'upload',
        reason: "none of bob@example.com's online resources takes files over SI",
      });
    }
  });

  it('does not count a resource without one of our stream methods', () => {
    const socks5Only = [NS.SI, NS.SI_FILE, NS.BYTESTREAMS];
    assert.equal(chooseSendRoute(BOB, 'auto', [resource('x', socks5Only)], [NS.IBB]).kind, 'upload');
  });

  it("method 'upload' forces the upload, even to a full JID or a capable resource", () => {
    assert.equal(chooseSendRoute(Jid.parse('bob@example.com/desk'), 'upload', [], OURS).kind, 'upload');
    assert.equal(chooseSendRoute(BOB, 'upload', [resource('desk', FERRY)], OURS).kind, 'upload');
  });

  it("method 'si' never uploads: offline or unsupported is an error", () => {
    assert.throws(() => chooseSendRoute(BOB, 'si', [], OURS), { code: 'FERRY_ERR_PEER_OFFLINE' });
    assert.throws(() => chooseSendRoute(BOB, 'si', [resource('phone', PHONE)], OURS), {
      code: 'FERRY_ERR_PEER_UNSUPPORTED',
    });
  });
});

describe('Jingle first: a resource with Jingle file transfer and a transport we share', () => {
  const BOTH = { si: OURS, jingle: [NS.JINGLE_S5B, NS.JINGLE_IBB] };
  const GAJIM = [NS.DISCO_INFO, NS.JINGLE, NS.JINGLE_FT, NS.JINGLE_S5B, NS.JINGLE_IBB]; // no SI
  const FERRY_NOW = [...FERRY, NS.JINGLE, NS.JINGLE_FT, NS.JINGLE_S5B, NS.JINGLE_IBB];

  it('Jingle when it has :5 and one of our transports; SI when it has only SI; upload otherwise', () => {
    assert.equal(fileProtocol(GAJIM, BOTH), 'jingle');
    assert.equal(fileProtocol(FERRY_NOW, BOTH), 'jingle');
    assert.equal(fileProtocol(FERRY, BOTH), 'si');
    assert.equal(fileProtocol(PHONE, BOTH), undefined);
    assert.equal(chooseSendRoute(BOB, 'auto', [resource('phone', PHONE)], BOTH).kind, 'upload');
  });

  it('no shared Jingle transport, or only ft:4, or no Jingle here: not Jingle', () => {
    assert.equal(
      fileProtocol([NS.JINGLE, NS.JINGLE_FT, 'urn:xmpp:jingle:transports:webrtc-datachannel:1'], BOTH),
      undefined,
    );
    assert.equal(fileProtocol([NS.JINGLE, NS.JINGLE_FT_4, NS.JINGLE_IBB], BOTH), undefined);
    assert.equal(fileProtocol(FERRY_NOW, { si: OURS, jingle: [] }), 'si');
  });

  it("a bare JID: the best resource, with its protocol; 'si' and 'jingle' force one", () => {
    const route = chooseSendRoute(BOB, 'auto', [resource('gajim', GAJIM, 5), resource('ferry', FERRY, 1)], BOTH);
    assert.deepEqual(route, {
      kind: 'jingle',
      to: Jid.parse('bob@example.com/gajim'),
      reason: 'bob@example.com/gajim is online and takes files over Jingle',
    });
    assert.equal(
      chooseSendRoute(BOB, 'si', [resource('gajim', GAJIM, 5), resource('ferry', FERRY, 1)], BOTH).kind,
      'si',
    );
    assert.throws(() => chooseSendRoute(BOB, 'si', [resource('gajim', GAJIM)], BOTH), {
      code: 'FERRY_ERR_PEER_UNSUPPORTED',
    });
    assert.equal(chooseSendRoute(BOB, 'jingle', [resource('both', FERRY_NOW)], BOTH).kind, 'jingle');
    assert.throws(() => chooseSendRoute(BOB, 'jingle', [resource('ferry', FERRY)], BOTH), {
      code: 'FERRY_ERR_PEER_UNSUPPORTED',
    });
  });

  it('XEP-0353: a bare JID whose Jingle resource advertises JMI gets a proposal to the bare JID', () => {
    const withJmi = [...GAJIM, NS.JINGLE_MESSAGE];
    const proposing = (name: string, priority = 0) => ({
      ...resource(name, withJmi, priority),
      takesFileProposals: true,
    });
    const route = chooseSendRoute(BOB, 'auto', [proposing('gajim', 5), resource('ferry', FERRY, 1)], BOTH);
    assert.deepEqual(route, {
      kind: 'jingle',
      to: BOB,
      reason: 'bob@example.com/gajim takes files over Jingle and bob@example.com advertises Jingle Message Initiation',
      propose: true,
    });
    assert.equal(chooseSendRoute(BOB, 'jingle', [proposing('desk')], BOTH).kind, 'jingle');
    // JMI listed, but not for files (a calls-only client): a direct offer to the resource.
    const direct = chooseSendRoute(BOB, 'auto', [resource('dino', withJmi)], BOTH);
    assert.deepEqual(
      [direct.kind, direct.kind === 'jingle' && direct.to.toString()],
      ['jingle', 'bob@example.com/dino'],
    );
    // SI wins on priority: no proposal, SI to that resource.
    const si = chooseSendRoute(BOB, 'auto', [proposing('gajim', 1), resource('ferry', FERRY, 5)], BOTH);
    assert.deepEqual([si.kind, si.kind === 'si' && si.to.toString()], ['si', 'bob@example.com/ferry']);
    // A full JID is never proposed to.
    const full = Jid.parse('bob@example.com/desk');
    assert.deepEqual(chooseSendRoute(full, 'jingle', [proposing('desk')], BOTH), {
      kind: 'jingle',
      to: full,
      reason: 'a full JID',
    });
  });

  it("a full JID: 'jingle' routes to Jingle, anything else stays SI (its disco#info decides later)", () => {
    const full = Jid.parse('bob@example.com/desk');
    assert.equal(chooseSendRoute(full, 'jingle', [], BOTH).kind, 'jingle');
    assert.equal(chooseSendRoute(full, 'auto', [], BOTH).kind, 'si');
  });
});
