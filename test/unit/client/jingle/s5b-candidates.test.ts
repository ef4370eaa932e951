import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { S5bCandidate, S5bNotification } from '@ferry/protocol/payloads/jingle-s5b';
import {
  S5bNomination,
  buildCandidates,
  candidateDstAddr,
  candidatePriority,
  connectionOrder,
  type NominationOutput,
} from '@ferry/client/internal/jingle/s5b-candidates';

const ROMEO = 'romeo@montague.lit/orchard';
const JULIET = 'juliet@capulet.lit/balcony';

function candidate(cid: string, type: S5bCandidate['type'], priority: number, jid = 'x@y/z'): S5bCandidate {
  return { cid, host: '192.0.2.1', jid, port: 5086, priority, type };
}

describe('XEP-0260 §2.2 priorities', () => {
  it('is 2^16 × type preference + local preference', () => {
    assert.equal(candidatePriority('direct', 100), 8257636); // the XEP's first example candidate
    assert.equal(candidatePriority('direct', 10000), 8267536); // Libervia's direct candidate
    assert.equal(candidatePriority('proxy', 0), 655360); // Libervia's proxy candidate
    assert.equal(candidatePriority('assisted', 0), 120 * 65536);
    assert.equal(candidatePriority('tunnel', 0), 110 * 65536);
    assert.throws(() => candidatePriority('direct', 65536), RangeError);
  });

  it('ranks every direct above every proxy, each list in the caller’s order', () => {
    let next = 0;
    const candidates = buildCandidates({
      self: ROMEO,
      addresses: [
        { host: '192.168.4.1', port: 5086 },
        { host: '2001:db8::1', port: 5086 },
      ],
      proxies: [{ jid: 'proxy.montague.lit', host: '198.51.100.7', port: 7777 }],
      newCid: () => `c${next++}`,
    });
    assert.deepEqual(candidates, [
      { cid: 'c0', host: '192.168.4.1', jid: ROMEO, port: 5086, priority: 126 * 65536 + 65535, type: 'direct' },
      { cid: 'c1', host: '2001:db8::1', jid: ROMEO, port: 5086, priority: 126 * 65536 + 65534, type: 'direct' },
      {
        cid: 'c2',
        host: '198.51.100.7',
        jid: 'proxy.montague.lit',
        port: 7777,
        priority: 10 * 65536 + 65535,
        type: 'proxy',
      },
    ]);
  });

  it('tries the peer’s candidates by priority, highest first (the XEP’s own offer is out of order)', () => {
    const offered = [
      candidate('hft54dqy', 'direct', 8257636),
      candidate('hutr46fe', 'direct', 8258636),
      candidate('xmdh4b7i', 'proxy', 7878787),
    ];
    assert.deepEqual(
      connectionOrder(offered).map((c) => c.cid),
      ['hutr46fe', 'hft54dqy', 'xmdh4b7i'],
    );
  });
});

describe('XEP-0260 DST.ADDR', () => {
  it('hashes sid + offerer + other, as in the XEP’s two examples', () => {
    assert.equal(candidateDstAddr('vj3hs98y', 'initiator', ROMEO, JULIET), '972b7bf47291ca609517f67f86b5081086052dad');
    assert.equal(candidateDstAddr('vj3hs98y', 'responder', ROMEO, JULIET), '1a12fb7bc625e55f3ed5b29a53dbe0e4aa7d80ba');
  });
});

// Our candidates (the peer tries them) and the peer's (we try them).
const OUR_DIRECT = candidate('our-d', 'direct', candidatePriority('direct', 65535), ROMEO);
const OUR_PROXY = candidate('our-p', 'proxy', candidatePriority('proxy', 65535), 'proxy.montague.lit');
const THEIR_DIRECT = candidate('their-d', 'direct', candidatePriority('direct', 65535), JULIET);
const THEIR_DIRECT_LOW = candidate('their-d2', 'direct', candidatePriority('direct', 100), JULIET);
const THEIR_PROXY = candidate('their-p', 'proxy', candidatePriority('proxy', 65535), 'proxy.capulet.lit');

type Step = ['we-connect', string] | ['we-fail', string] | ['peer', S5bNotification];

function run(role: 'initiator' | 'responder', theirs: S5bCandidate[], steps: Step[]): NominationOutput[] {
  const machine = new S5bNomination({ role, ours: [OUR_DIRECT, OUR_PROXY], theirs });
  const outputs = machine.start();
  for (const step of steps) {
    if (step[0] === 'we-connect') outputs.push(...machine.connected(step[1]));
    else if (step[0] === 'we-fail') outputs.push(...machine.attemptFailed(step[1]));
    else outputs.push(...machine.received(step[1]));
  }
  return outputs;
}

function summary(outputs: NominationOutput[]): string[] {
  return outputs.map((output) => {
    switch (output.kind) {
      case 'send':
        return `send ${output.notification.kind}${'cid' in output.notification ? ` ${output.notification.cid}` : ''}`;
      case 'nominated':
      case 'ready':
        return `${output.kind} ${output.candidate.cid} (${output.offeredBy})`;
      case 'activate':
        return `activate ${output.candidate.cid}`;
      case 'failed':
        return `failed ${output.why} → ${output.next}`;
      default:
        return output.kind;
    }
  });
}

describe('XEP-0260 §2.4 nomination', () => {
  const cases: [string, 'initiator' | 'responder', S5bCandidate[], Step[], string[]][] = [
    [
      'rule 2: we connect, the peer errs → ours is nominated',
      'initiator',
      [THEIR_DIRECT],
      [
        ['we-connect', 'their-d'],
        ['peer', { kind: 'candidate-error' }],
      ],
      ['send candidate-used their-d', 'nominated their-d (peer)', 'ready their-d (peer)'],
    ],
    [
      'rule 2: we fail everything, the peer connects → theirs is nominated',
      'responder',
      [THEIR_DIRECT],
      [
        ['we-fail', 'their-d'],
        ['peer', { kind: 'candidate-used', cid: 'our-d' }],
      ],
      ['stop-connecting', 'send candidate-error', 'nominated our-d (us)', 'ready our-d (us)'],
    ],
    [
      'rule 3: both connect, the higher priority wins (the peer reached our direct, we their proxy)',
      'initiator',
      [THEIR_PROXY],
      [
        ['we-connect', 'their-p'],
        ['peer', { kind: 'candidate-used', cid: 'our-d' }],
      ],
      ['send candidate-used their-p', 'nominated our-d (us)', 'ready our-d (us)'],
    ],
    [
      'rule 4: equal priorities, we are the initiator → our choice (their candidate) wins',
      'initiator',
      [THEIR_DIRECT],
      [
        ['we-connect', 'their-d'],
        ['peer', { kind: 'candidate-used', cid: 'our-d' }],
      ],
      ['send candidate-used their-d', 'nominated their-d (peer)', 'ready their-d (peer)'],
    ],
    [
      'rule 4: equal priorities, we are the responder → the initiator’s choice (our candidate) wins',
      'responder',
      [THEIR_DIRECT],
      [
        ['we-connect', 'their-d'],
        ['peer', { kind: 'candidate-used', cid: 'our-d' }],
      ],
      ['send candidate-used their-d', 'nominated our-d (us)', 'ready our-d (us)'],
    ],
    [
      'rule 1: both candidate-error → the initiator replaces the transport (§3)',
      'initiator',
      [THEIR_DIRECT],
      [
        ['we-fail', 'their-d'],
        ['peer', { kind: 'candidate-error' }],
      ],
      ['stop-connecting', 'send candidate-error', 'failed candidate-error → replace-transport'],
    ],
    [
      'rule 1: both candidate-error → the responder waits for the replace',
      'responder',
      [THEIR_DIRECT],
      [
        ['peer', { kind: 'candidate-error' }],
        ['we-fail', 'their-d'],
      ],
      ['stop-connecting', 'send candidate-error', 'failed candidate-error → await-replace'],
    ],
    [
      'no candidates from the peer (an empty session-accept): candidate-error at once',
      'initiator',
      [],
      [['peer', { kind: 'candidate-used', cid: 'our-p' }]],
      ['stop-connecting', 'send candidate-error', 'nominated our-p (us)', 'activate our-p'],
    ],
    [
      'the peer used our direct: only their candidates above it are worth trying; none left → error',
      'responder',
      [THEIR_DIRECT_LOW],
      [['peer', { kind: 'candidate-used', cid: 'our-d' }]],
      ['stop-connecting', 'send candidate-error', 'nominated our-d (us)', 'ready our-d (us)'],
    ],
    [
      'their proxy nominated: wait for <activated/>, then ready',
      'initiator',
      [THEIR_PROXY],
      [
        ['we-connect', 'their-p'],
        ['peer', { kind: 'candidate-error' }],
        ['peer', { kind: 'activated', cid: 'their-p' }],
      ],
      ['send candidate-used their-p', 'nominated their-p (peer)', 'ready their-p (peer)'],
    ],
    [
      'their proxy nominated, then <proxy-error/> → fall back',
      'initiator',
      [THEIR_PROXY],
      [
        ['we-connect', 'their-p'],
        ['peer', { kind: 'candidate-error' }],
        ['peer', { kind: 'proxy-error' }],
      ],
      ['send candidate-used their-p', 'nominated their-p (peer)', 'failed proxy-error → replace-transport'],
    ],
  ];
  for (const [what, role, theirs, steps, expected] of cases) {
    it(what, () => {
      assert.deepEqual(summary(run(role, theirs, steps)), expected);
    });
  }

  it('our proxy nominated: we activate it, then send <activated cid/> (or <proxy-error/>)', () => {
    const machine = new S5bNomination({ role: 'responder', ours: [OUR_PROXY], theirs: [THEIR_DIRECT] });
    machine.attemptFailed('their-d');
    assert.deepEqual(summary(machine.received({ kind: 'candidate-used', cid: 'our-p' })), [
      'nominated our-p (us)',
      'activate our-p',
    ]);
    assert.equal(machine.state, 'activating');
    assert.deepEqual(summary(machine.proxyActivated()), ['send activated our-p', 'ready our-p (us)']);

    const failing = new S5bNomination({ role: 'initiator', ours: [OUR_PROXY], theirs: [] });
    failing.start();
    failing.received({ kind: 'candidate-used', cid: 'our-p' });
    assert.deepEqual(summary(failing.proxyFailed()), ['send proxy-error', 'failed proxy-error → replace-transport']);
  });

  it('keeps trying only candidates above the one the peer used', () => {
    const machine = new S5bNomination({
      role: 'initiator',
      ours: [OUR_DIRECT, OUR_PROXY],
      theirs: [THEIR_DIRECT, THEIR_PROXY],
    });
    assert.deepEqual(
      machine.toTry.map((c) => c.cid),
      ['their-d', 'their-p'],
    );
    assert.deepEqual(machine.received({ kind: 'candidate-used', cid: 'our-p' }), []);
    assert.deepEqual(
      machine.toTry.map((c) => c.cid),
      ['their-d'],
    );
    assert.deepEqual(summary(machine.attemptFailed('their-d')), [
      'stop-connecting',
      'send candidate-error',
      'nominated our-p (us)',
      'activate our-p',
    ]);
  });

  it('answers bad-request when the peer names a candidate we never offered, ignores stray activated', () => {
    const machine = new S5bNomination({ role: 'initiator', ours: [OUR_DIRECT], theirs: [THEIR_DIRECT] });
    assert.throws(() => machine.received({ kind: 'candidate-used', cid: 'nope' }), /names no candidate/);
    assert.deepEqual(machine.received({ kind: 'activated', cid: 'our-d' }), []);
  });
});
