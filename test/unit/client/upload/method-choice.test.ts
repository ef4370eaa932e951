import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Jid } from '../../../../src/protocol/jid.js';
import { NS } from '../../../../src/protocol/namespaces.js';
import { chooseSendRoute, type OnlineResource } from '../../../../src/client/upload/method-choice.js';

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
