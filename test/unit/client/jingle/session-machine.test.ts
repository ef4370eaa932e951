import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StanzaError } from '@ferry/protocol/errors/stanza-error';
import {
  JINGLE_ACTIONS,
  decodeJingle,
  encodeJingle,
  jingleErrorCondition,
  jingleErrors,
  type Jingle,
  type JingleAction,
} from '@ferry/protocol/payloads/jingle';
import type { Element } from '@ferry/protocol/xml/element';
import { JingleSession, type SessionOutput } from '@ferry/client/internal/jingle/session-machine';
import { JingleSessionTable } from '@ferry/client/internal/jingle/session-table';
import { parseXml } from '../../protocol/payloads/fixtures.js';

const ROMEO = 'romeo@montague.example/orchard';
const JULIET = 'juliet@capulet.example/balcony';
const SID = '851ba2';
const FT = 'urn:xmpp:jingle:apps:file-transfer:5';
const S5B = 'urn:xmpp:jingle:transports:s5b:1';
const IBB = 'urn:xmpp:jingle:transports:ibb:1';

/** A <jingle/> as the peer would send it, decoded as the edge will: the tests read as XML. */
function jingle(action: JingleAction, children = CONTENT_REF): Jingle {
  return decodeJingle(
    parseXml(`<jingle xmlns="urn:xmpp:jingle:1" action="${action}" sid="${SID}">${children}</jingle>`),
  );
}

const OFFER_CONTENT = `<content creator="initiator" name="a-file-offer" senders="initiator"><description xmlns="${FT}"><file><name>test.txt</name><size>6144</size></file></description><transport xmlns="${S5B}" sid="vj3hs98y"/></content>`;
const CONTENT_REF = `<content creator="initiator" name="a-file-offer"><transport xmlns="${S5B}" sid="vj3hs98y"><candidate-error/></transport></content>`;
const IBB_CONTENT = `<content creator="initiator" name="a-file-offer"><transport xmlns="${IBB}" block-size="4096" sid="ch3d9s71"/></content>`;
const NEW_CONTENT = `<content creator="responder" name="another" senders="responder"><description xmlns="${FT}"><file><name>b</name></file></description><transport xmlns="${IBB}" block-size="4096" sid="x"/></content>`;

/** The peer's message for each action, legal in content (not necessarily in state). */
const BODIES: Record<JingleAction, string> = {
  'content-accept': CONTENT_REF,
  'content-add': NEW_CONTENT,
  'content-modify': `<content creator="initiator" name="a-file-offer" senders="responder"/>`,
  'content-reject': CONTENT_REF,
  'content-remove': `<content creator="initiator" name="a-file-offer"/><reason><cancel/></reason>`,
  'description-info': CONTENT_REF,
  'security-info': CONTENT_REF,
  'session-accept': OFFER_CONTENT,
  'session-info': '',
  'session-initiate': OFFER_CONTENT,
  'session-terminate': '<reason><success/></reason>',
  'transport-accept': IBB_CONTENT,
  'transport-info': CONTENT_REF,
  'transport-reject': IBB_CONTENT,
  'transport-replace': IBB_CONTENT,
};

type Setup = 'initiator pending' | 'initiator active' | 'responder pending' | 'responder active' | 'ended';

function sessionIn(setup: Setup): JingleSession {
  if (setup.startsWith('initiator') || setup === 'ended') {
    const offer = jingle('session-initiate', OFFER_CONTENT).contents;
    const { session } = JingleSession.initiate(SID, { self: ROMEO, peer: JULIET }, offer);
    if (setup === 'initiator active') session.receive(jingle('session-accept', OFFER_CONTENT));
    if (setup === 'ended') session.terminate({ condition: 'cancel' });
    return session;
  }
  const { session } = JingleSession.respond({ self: JULIET, peer: ROMEO }, jingle('session-initiate', OFFER_CONTENT));
  assert.ok(session);
  if (setup === 'responder active') session.accept(session.contents);
  return session;
}

/** The reply to the peer's iq, in one word: ack, or the error's Jingle (or XMPP) condition. */
function replyOf(outputs: SessionOutput[]): string {
  const first = outputs[0];
  if (first?.kind === 'ack') return 'ack';
  if (first?.kind === 'reply-error') return jingleErrorCondition(first.error) ?? first.error.condition;
  return `no reply: ${JSON.stringify(outputs.map((output) => output.kind))}`;
}

const OOO = 'out-of-order';
const UNKNOWN = 'unknown-session';
// Every action in every state: what the peer's iq is answered with, and the state afterwards.
// Rows follow XEP-0166 §5.1's diagram; "ack" for session-info is the empty ping (§6.8).
const TABLE: Record<JingleAction, [reply: Record<Setup, string>, after?: Partial<Record<Setup, string>>]> = {
  'session-initiate': [
    {
      'initiator pending': OOO,
      'initiator active': OOO,
      'responder pending': OOO,
      'responder active': OOO,
      ended: UNKNOWN,
    },
  ],
  'session-accept': [
    {
      'initiator pending': 'ack',
      'initiator active': OOO,
      'responder pending': OOO,
      'responder active': OOO,
      ended: UNKNOWN,
    },
    { 'initiator pending': 'active' },
  ],
  'session-terminate': [
    {
      'initiator pending': 'ack',
      'initiator active': 'ack',
      'responder pending': 'ack',
      'responder active': 'ack',
      ended: UNKNOWN,
    },
    {
      'initiator pending': 'ended',
      'initiator active': 'ended',
      'responder pending': 'ended',
      'responder active': 'ended',
    },
  ],
  'session-info': [
    {
      'initiator pending': 'ack',
      'initiator active': 'ack',
      'responder pending': 'ack',
      'responder active': 'ack',
      ended: UNKNOWN,
    },
  ],
  'transport-info': [
    {
      'initiator pending': 'ack',
      'initiator active': 'ack',
      'responder pending': 'ack',
      'responder active': 'ack',
      ended: UNKNOWN,
    },
  ],
  'transport-replace': [
    {
      'initiator pending': 'ack',
      'initiator active': 'ack',
      'responder pending': 'ack',
      'responder active': 'ack',
      ended: UNKNOWN,
    },
  ],
  'transport-accept': [
    {
      'initiator pending': OOO,
      'initiator active': OOO,
      'responder pending': OOO,
      'responder active': OOO,
      ended: UNKNOWN,
    },
  ],
  'transport-reject': [
    {
      'initiator pending': OOO,
      'initiator active': OOO,
      'responder pending': OOO,
      'responder active': OOO,
      ended: UNKNOWN,
    },
  ],
  'content-add': [
    {
      'initiator pending': 'ack',
      'initiator active': 'ack',
      'responder pending': 'ack',
      'responder active': 'ack',
      ended: UNKNOWN,
    },
  ],
  'content-accept': [
    {
      'initiator pending': OOO,
      'initiator active': OOO,
      'responder pending': OOO,
      'responder active': OOO,
      ended: UNKNOWN,
    },
  ],
  'content-reject': [
    {
      'initiator pending': OOO,
      'initiator active': OOO,
      'responder pending': OOO,
      'responder active': OOO,
      ended: UNKNOWN,
    },
  ],
  'content-modify': [
    {
      'initiator pending': 'ack',
      'initiator active': 'ack',
      'responder pending': 'ack',
      'responder active': 'ack',
      ended: UNKNOWN,
    },
  ],
  // Removing the only content voids the session: acked, then terminated by the receiver (§7.2.5).
  'content-remove': [
    {
      'initiator pending': 'ack',
      'initiator active': 'ack',
      'responder pending': 'ack',
      'responder active': 'ack',
      ended: UNKNOWN,
    },
    {
      'initiator pending': 'ended',
      'initiator active': 'ended',
      'responder pending': 'ended',
      'responder active': 'ended',
    },
  ],
  'description-info': [
    {
      'initiator pending': 'ack',
      'initiator active': 'ack',
      'responder pending': 'ack',
      'responder active': 'ack',
      ended: UNKNOWN,
    },
  ],
  'security-info': [
    {
      'initiator pending': 'ack',
      'initiator active': 'ack',
      'responder pending': 'ack',
      'responder active': 'ack',
      ended: UNKNOWN,
    },
  ],
};

describe('JingleSession: every action in every state (XEP-0166 §5.1)', () => {
  it('covers every action', () => {
    assert.deepEqual(Object.keys(TABLE).sort(), [...JINGLE_ACTIONS].sort());
  });
  for (const action of JINGLE_ACTIONS) {
    const [replies, after = {}] = TABLE[action];
    for (const setup of Object.keys(replies) as Setup[]) {
      it(`${setup}: ${action} → ${replies[setup]}`, () => {
        const session = sessionIn(setup);
        const before = session.state;
        const outputs = session.receive(jingle(action, BODIES[action]));
        assert.equal(replyOf(outputs), replies[setup]);
        assert.equal(session.state, after[setup] ?? before);
      });
    }
  }
});

describe('JingleSession flows', () => {
  it('initiator: sends session-initiate with its JID, goes active on session-accept, delivers it', () => {
    const offer = jingle('session-initiate', OFFER_CONTENT).contents;
    const { session, outputs } = JingleSession.initiate(SID, { self: ROMEO, peer: JULIET }, offer);
    assert.equal(outputs.length, 1);
    const sent = outputs[0]?.kind === 'send' ? outputs[0].jingle : undefined;
    assert.ok(sent);
    assert.match(
      encodeJingle(sent).toString(),
      /^<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" initiator="romeo@montague.example\/orchard" sid="851ba2"><content creator="initiator" name="a-file-offer" senders="initiator">/,
    );
    const accepted = session.receive(jingle('session-accept', OFFER_CONTENT));
    assert.deepEqual(
      accepted.map((output) => output.kind),
      ['ack', 'deliver'],
    );
    assert.equal(session.state, 'active');
  });

  it('responder: acks, delivers the offer, accepts with its JID as responder', () => {
    const { session, outputs } = JingleSession.respond(
      { self: JULIET, peer: ROMEO },
      jingle('session-initiate', OFFER_CONTENT),
    );
    assert.deepEqual(
      outputs.map((output) => output.kind),
      ['ack', 'deliver'],
    );
    assert.ok(session);
    const [accept] = session.accept(session.contents);
    assert.equal(accept?.kind === 'send' && accept.jingle.responder, JULIET);
    assert.equal(session.state, 'active');
    assert.throws(() => session.accept(session.contents), /not ours to send/);
  });

  it('answers a malformed session-initiate with bad-request and creates no session (§6.3.2)', () => {
    const noTransport = `<content creator="initiator" name="a"><description xmlns="${FT}"/></content>`;
    for (const body of ['', noTransport]) {
      const { session, outputs } = JingleSession.respond(
        { self: JULIET, peer: ROMEO },
        jingle('session-initiate', body),
      );
      assert.equal(session, undefined);
      assert.equal(replyOf(outputs), 'bad-request');
    }
  });

  it('terminate: sends session-terminate and is ENDED at once; later iqs get unknown-session', () => {
    const session = sessionIn('responder active');
    const outputs = session.terminate({ condition: 'decline' });
    assert.deepEqual(
      outputs.map((output) => output.kind),
      ['send', 'ended'],
    );
    assert.equal(session.state, 'ended');
    assert.deepEqual(session.terminate({ condition: 'decline' }), []);
    assert.equal(replyOf(session.receive(jingle('transport-info'))), UNKNOWN);
  });

  it("delivers the peer's terminate reason", () => {
    const session = sessionIn('initiator active');
    const outputs = session.receive(
      jingle('session-terminate', '<reason><media-error/><text>hash mismatch</text></reason>'),
    );
    assert.deepEqual(outputs[1], {
      kind: 'ended',
      by: 'peer',
      reason: { condition: 'media-error', text: 'hash mismatch' },
    });
  });

  it('answers a session-info payload it does not know with unsupported-info, knows what it is told', () => {
    const checksum = `<checksum xmlns="${FT}" name="a-file-offer"><file><hash xmlns="urn:xmpp:hashes:2" algo="sha-1">w0mcJylzCn+AfvuGdqkty2+KP48=</hash></file></checksum>`;
    assert.equal(replyOf(sessionIn('responder active').receive(jingle('session-info', checksum))), 'unsupported-info');
    const { session } = JingleSession.respond(
      { self: JULIET, peer: ROMEO },
      jingle('session-initiate', OFFER_CONTENT),
      {
        isKnownInfo: (payload: Element) => payload.getNS() === FT,
      },
    );
    assert.deepEqual(
      session?.receive(jingle('session-info', checksum)).map((output) => output.kind),
      ['ack', 'deliver'],
    );
  });

  it('answers bad-request for a content the session does not have', () => {
    const stranger = `<content creator="initiator" name="nope"><transport xmlns="${S5B}" sid="x"/></content>`;
    assert.equal(replyOf(sessionIn('responder active').receive(jingle('transport-info', stranger))), 'bad-request');
    assert.equal(replyOf(sessionIn('responder active').receive(jingle('transport-info', ''))), 'bad-request');
  });
});

describe('JingleSession transport-replace (XEP-0260 §3 fallback, both directions)', () => {
  it('initiator replaces, responder accepts: the new transport is the content’s', () => {
    const session = sessionIn('initiator active');
    const replace = jingle('transport-replace', IBB_CONTENT).contents;
    assert.equal(session.send('transport-replace', { contents: replace })[0]?.kind, 'send');
    assert.deepEqual(
      session.receive(jingle('transport-accept', IBB_CONTENT)).map((output) => output.kind),
      ['ack', 'deliver'],
    );
    assert.equal(session.contents[0]?.transport?.getNS(), IBB);
    assert.equal(replyOf(session.receive(jingle('transport-accept', IBB_CONTENT))), OOO);
  });

  it('responder replaces too; a transport-reject ends the pending replace', () => {
    const session = sessionIn('responder active');
    session.send('transport-replace', { contents: jingle('transport-replace', IBB_CONTENT).contents });
    assert.equal(replyOf(session.receive(jingle('transport-reject', IBB_CONTENT))), 'ack');
    assert.equal(replyOf(session.receive(jingle('transport-reject', IBB_CONTENT))), OOO);
  });

  it('the peer replaces; we answer transport-accept once, not twice', () => {
    const session = sessionIn('responder active');
    session.receive(jingle('transport-replace', IBB_CONTENT));
    const contents = jingle('transport-accept', IBB_CONTENT).contents;
    assert.equal(session.send('transport-accept', { contents })[0]?.kind, 'send');
    assert.throws(() => session.send('transport-accept', { contents }), /no transport-replace/);
  });

  it('tie (§7.2.16): the initiator answers conflict + tie-break; the responder yields', () => {
    const contents = jingle('transport-replace', IBB_CONTENT).contents;
    const initiator = sessionIn('initiator active');
    initiator.send('transport-replace', { contents });
    assert.equal(replyOf(initiator.receive(jingle('transport-replace', IBB_CONTENT))), 'tie-break');

    const responder = sessionIn('responder active');
    responder.send('transport-replace', { contents });
    assert.equal(replyOf(responder.receive(jingle('transport-replace', IBB_CONTENT))), 'ack');
    // Its own replace then fails with the tie-break: not a failure of the session.
    assert.deepEqual(responder.requestFailed('transport-replace', jingleErrors.tieBreak()), []);
    assert.equal(responder.state, 'active');
  });
});

describe('JingleSession content-add', () => {
  it('the peer adds, we accept: the content joins the session', () => {
    const session = sessionIn('initiator active');
    session.receive(jingle('content-add', NEW_CONTENT));
    session.send('content-accept', { contents: jingle('content-accept', NEW_CONTENT).contents });
    assert.equal(session.contents.length, 2);
  });

  it('we add, the peer rejects: it never joins; a second reject is out of order', () => {
    const session = sessionIn('responder active');
    session.send('content-add', { contents: jingle('content-add', NEW_CONTENT).contents });
    assert.equal(replyOf(session.receive(jingle('content-reject', NEW_CONTENT))), 'ack');
    assert.equal(session.contents.length, 1);
    assert.equal(replyOf(session.receive(jingle('content-reject', NEW_CONTENT))), OOO);
  });
});

describe('JingleSession failed requests and timeouts', () => {
  it('an error to session-initiate ends the session without a terminate', () => {
    const session = sessionIn('initiator pending');
    const error = new StanzaError('service-unavailable');
    assert.deepEqual(session.requestFailed('session-initiate', error), [{ kind: 'ended', by: 'peer', error }]);
  });

  it('unknown-session ends it without a terminate', () => {
    const session = sessionIn('initiator active');
    assert.deepEqual(
      session.requestFailed('transport-info', jingleErrors.unknownSession()).map((output) => output.kind),
      ['ended'],
    );
  });

  it('another error to a transport action terminates with failed-transport', () => {
    const outputs = sessionIn('initiator active').requestFailed('transport-info', new StanzaError('bad-request'));
    const terminate = outputs[0]?.kind === 'send' ? outputs[0].jingle : undefined;
    assert.equal(terminate?.action, 'session-terminate');
    assert.equal(terminate?.reason?.condition, 'failed-transport');
  });

  it('a timeout terminates with <timeout/>; nothing once ended', () => {
    const session = sessionIn('initiator pending');
    const outputs = session.timedOut();
    assert.equal(outputs[0]?.kind === 'send' && outputs[0].jingle.reason?.condition, 'timeout');
    assert.deepEqual(session.timedOut(), []);
    assert.deepEqual(session.requestFailed('transport-info', new StanzaError('bad-request')), []);
  });
});

describe('JingleSessionTable', () => {
  it('answers item-not-found + unknown-session for an unknown session (§6.7)', () => {
    const table = new JingleSessionTable(JULIET);
    for (const action of JINGLE_ACTIONS.filter((name) => name !== 'session-initiate')) {
      const routed = table.receive(ROMEO, jingle(action, BODIES[action]));
      const error = routed.outputs[0]?.kind === 'reply-error' ? routed.outputs[0].error : undefined;
      assert.equal(error?.condition, 'item-not-found', action);
      assert.equal(error && jingleErrorCondition(error), 'unknown-session', action);
      assert.equal(routed.session, undefined);
    }
  });

  it('creates a session for a session-initiate, keyed by peer and sid', () => {
    const table = new JingleSessionTable(JULIET);
    const routed = table.receive(ROMEO, jingle('session-initiate', OFFER_CONTENT));
    assert.equal(routed.isNew, true);
    assert.equal(table.get(ROMEO, SID), routed.session);
    // The same sid from someone else is not Romeo's session.
    assert.equal(replyOf(table.receive('mallory@evil.example/x', jingle('transport-info')).outputs), UNKNOWN);
    // A second session-initiate with the same sid is out of order.
    assert.equal(replyOf(table.receive(ROMEO, jingle('session-initiate', OFFER_CONTENT)).outputs), OOO);
    table.forget(ROMEO, SID);
    assert.equal(table.size, 0);
  });

  it('routes to sessions we initiated', () => {
    const table = new JingleSessionTable(ROMEO);
    const { session } = JingleSession.initiate(
      SID,
      { self: ROMEO, peer: JULIET },
      jingle('session-initiate', OFFER_CONTENT).contents,
    );
    table.add(session);
    assert.equal(replyOf(table.receive(JULIET, jingle('session-accept', OFFER_CONTENT)).outputs), 'ack');
    assert.throws(() => table.add(session), /already exists/);
  });
});
