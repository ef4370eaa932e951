// Fuzzing the server's SASL mechanisms (src/server/auth/, RFC 4422, RFC 5802, RFC 4616): any
// bytes as PLAIN's message or as SCRAM's client-first and client-final, in any number of steps,
// sequential or overlapping, end in a challenge, a success or a SaslFailure — never another
// exception, which would become an internal error on the stream.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { createMechanism, type SaslStep } from '../../src/server/auth/sasl.js';
import { deriveScramCredentials, type ScramHash } from '../../src/server/auth/scram.js';
import { SaslFailure } from '@ferry/protocol/errors/sasl-failure';
import { fc, property, replay } from './harness.js';

const MECHANISMS = ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'] as const;
// One iteration: PBKDF2's cost is not what is tested here, and 4096 per case would eat the budget.
const credentials = new Map<ScramHash, ReturnType<typeof deriveScramCredentials>>(
  (['SHA-1', 'SHA-256'] as const).map((hash) => [hash, deriveScramCredentials('secret', hash, { iterations: 1 })]),
);
const lookup = {
  scramCredentials: (username: string, hash: ScramHash) =>
    Promise.resolve(username === 'alice' ? credentials.get(hash) : undefined),
};

function mechanism(name: (typeof MECHANISMS)[number]) {
  const created = createMechanism(name, lookup, {
    isSecure: true,
    domain: 'localhost',
    nonce: () => 'servernonce',
    fakeSaltSecret: Buffer.alloc(32, 1),
    unknownUserIterations: 1,
  });
  assert.ok(created);
  return created;
}

/** A step's outcome, or the assertion that it failed only with a SaslFailure. */
async function outcome(step: () => SaslStep | Promise<SaslStep>): Promise<string> {
  try {
    const result = await step();
    return result.kind;
  } catch (error) {
    assert.ok(error instanceof SaslFailure, `threw ${(error as Error)?.constructor?.name}: ${String(error)}`);
    return `failure ${error.condition}`;
  }
}

/** SCRAM and PLAIN look-alikes: their field names, separators and escapes, glued at random. */
const saslSoup = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'n,,',
        'y,,',
        'p=tls-unique,,',
        'n,a=alice,',
        'n,a=alice@localhost,',
        'n=alice',
        'n=',
        'r=',
        'r=abc',
        'r=abcservernonce',
        ',',
        'c=biws',
        'c=',
        'p=',
        'p=AAAA',
        'p=' + 'A'.repeat(27) + '=',
        'p=' + 'A'.repeat(43) + '=',
        's=',
        'i=4096',
        'm=x',
        'e=x',
        '=2C',
        '=3D',
        '=',
        '=2',
        '\u0000',
        'alice',
        'secret',
        '\u00e9',
        '\ufffd',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 16 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'utf8'));

const message = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  saslSoup,
  fc.constant(Buffer.alloc(0)),
);

describe('fuzz: SASL mechanisms', () => {
  for (const name of MECHANISMS) {
    property(
      `${name}: any sequence of messages ends in challenges, a success or a SaslFailure`,
      { seed: 0x5a51 + MECHANISMS.indexOf(name), numRuns: 300 },
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 3 }), async (messages) => {
        const exchange = mechanism(name);
        for (const bytes of messages) await outcome(() => exchange.step(bytes));
      }),
    );

    property(
      `${name}: overlapping steps (sent before the answer) fail cleanly`,
      { seed: 0x5a54 + MECHANISMS.indexOf(name), numRuns: 100 },
      fc.asyncProperty(fc.array(message, { minLength: 2, maxLength: 3 }), async (messages) => {
        const exchange = mechanism(name);
        await Promise.all(messages.map((bytes) => outcome(() => exchange.step(bytes))));
      }),
    );
  }

  for (const name of ['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const) {
    property(
      `${name}: any client-final after a valid client-first is refused with a SaslFailure`,
      { seed: 0x5a57 + (name === 'SCRAM-SHA-1' ? 0 : 1), numRuns: 300 },
      fc.asyncProperty(message, async (final) => {
        const exchange = mechanism(name);
        assert.equal(await outcome(() => exchange.step(Buffer.from('n,,n=alice,r=abc'))), 'challenge');
        // Without the password no random message is a valid proof.
        assert.match(await outcome(() => exchange.step(final)), /^failure /);
      }),
    );
  }

  describe('regressions', () => {
    replay<{ mechanism: (typeof MECHANISMS)[number]; messages: string[] }>('sasl.json', async (input) => {
      const exchange = mechanism(input.mechanism);
      for (const hex of input.messages) await outcome(() => exchange.step(Buffer.from(hex, 'hex')));
    });
  });
});
