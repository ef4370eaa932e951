import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SaslFailure } from '@ferry/protocol/errors/sasl-failure';
import {
  createMechanism,
  offeredMechanisms,
  type CredentialLookup,
  type MechanismOptions,
  type SaslServerMechanism,
  type SaslStep,
} from '../../../../src/server/auth/sasl.js';
import {
  deriveScramCredentials,
  digest,
  hmac,
  keysFromSaltedPassword,
  saltedPassword,
  xor,
  type ScramCredentials,
  type ScramHash,
} from '../../../../src/server/auth/scram.js';

const RFC5802 = {
  salt: Buffer.from('QSXCR+Q6sek8bf92', 'base64'),
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverNonce: '3rfcNHYJY1ZVvWVs7j',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
};

const RFC7677 = {
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

// The RFC examples' account: "user" / "pencil", with the RFCs' salts so the vectors line up.
const rfcCredentials: Record<ScramHash, ScramCredentials> = {
  'SHA-1': deriveScramCredentials('pencil', 'SHA-1', { salt: RFC5802.salt, iterations: 4096 }),
  'SHA-256': deriveScramCredentials('pencil', 'SHA-256', { salt: RFC7677.salt, iterations: 4096 }),
};

function lookupOf(
  accounts: Record<string, Record<ScramHash, ScramCredentials> | Partial<Record<ScramHash, ScramCredentials>>>,
) {
  const asked: string[] = [];
  const lookup: CredentialLookup = {
    async scramCredentials(username, hash) {
      asked.push(username);
      return accounts[username]?.[hash];
    },
  };
  return { lookup, asked };
}

const { lookup } = lookupOf({ user: rfcCredentials });
const secret = Buffer.alloc(32, 7);

function mechanism(name: string, options: Partial<MechanismOptions> = {}, using: CredentialLookup = lookup) {
  const created = createMechanism(name, using, { isSecure: false, fakeSaltSecret: secret, ...options });
  assert.ok(created, `${name} should be available`);
  return created;
}

async function step(mech: SaslServerMechanism, message: string | Buffer): Promise<SaslStep> {
  return mech.step(typeof message === 'string' ? Buffer.from(message) : message);
}

async function challenge(mech: SaslServerMechanism, message: string | Buffer): Promise<string> {
  const result = await step(mech, message);
  assert.equal(result.kind, 'challenge');
  return result.data.toString();
}

/** Takes a thunk, so a step that throws before returning its promise is caught too. */
async function rejects(run: () => SaslStep | Promise<SaslStep>, condition: SaslFailure['condition']): Promise<void> {
  await assert.rejects(
    async () => run(),
    (error: unknown) => error instanceof SaslFailure && error.condition === condition,
  );
}

/** A minimal SCRAM client, to exercise the server with passwords other than the RFC's. */
function clientFinalFor(hash: ScramHash, password: string, clientFirstBare: string, serverFirst: string, gs2 = 'n,,') {
  const attrs = new Map(serverFirst.split(',').map((a) => [a[0], a.slice(2)] as const));
  const salted = saltedPassword(password, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')), hash);
  const withoutProof = `c=${Buffer.from(gs2).toString('base64')},r=${attrs.get('r')}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const clientKey = hmac(hash, salted, 'Client Key');
  const proof = xor(clientKey, hmac(hash, keysFromSaltedPassword(hash, salted).storedKey, authMessage));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

describe('SCRAM server', () => {
  it('completes the RFC 5802 §5 SCRAM-SHA-1 example', async () => {
    const mech = mechanism('SCRAM-SHA-1', { nonce: () => RFC5802.serverNonce });
    assert.equal(mech.name, 'SCRAM-SHA-1');
    assert.equal(await challenge(mech, RFC5802.clientFirst), RFC5802.serverFirst);
    const done = await step(mech, RFC5802.clientFinal);
    assert.equal(done.kind, 'success');
    assert.equal(done.username, 'user');
    assert.equal(done.data?.toString(), RFC5802.serverFinal);
  });

  it('completes the RFC 7677 §3 SCRAM-SHA-256 example', async () => {
    const mech = mechanism('SCRAM-SHA-256', { nonce: () => RFC7677.serverNonce });
    assert.equal(await challenge(mech, RFC7677.clientFirst), RFC7677.serverFirst);
    const done = await step(mech, RFC7677.clientFinal);
    assert.deepEqual(done, { kind: 'success', username: 'user', data: Buffer.from(RFC7677.serverFinal) });
  });

  it('answers an empty initial response with an empty challenge, once', async () => {
    const mech = mechanism('SCRAM-SHA-1', { nonce: () => RFC5802.serverNonce });
    assert.equal(await challenge(mech, ''), '');
    assert.equal(await challenge(mech, RFC5802.clientFirst), RFC5802.serverFirst);
    assert.equal((await step(mech, RFC5802.clientFinal)).kind, 'success');

    const twice = mechanism('SCRAM-SHA-1');
    await challenge(twice, '');
    await rejects(() => twice.step(Buffer.alloc(0)), 'malformed-request');
  });

  it('fails not-authorized for a wrong password, only after the proof', async () => {
    const mech = mechanism('SCRAM-SHA-256');
    const serverFirst = await challenge(mech, 'n,,n=user,r=abc');
    await rejects(
      () => mech.step(Buffer.from(clientFinalFor('SHA-256', 'pencil!', 'n=user,r=abc', serverFirst))),
      'not-authorized',
    );
  });

  it('accepts a proof computed by an independent client', async () => {
    const mech = mechanism('SCRAM-SHA-256');
    const serverFirst = await challenge(mech, 'y,,n=user,r=xyz');
    const done = await step(mech, clientFinalFor('SHA-256', 'pencil', 'n=user,r=xyz', serverFirst, 'y,,'));
    assert.equal(done.kind, 'success');
  });

  it('gives an unknown user a stable, real-looking salt and fails only at the end', async () => {
    const first = mechanism('SCRAM-SHA-1', { nonce: () => 'N' });
    const serverFirst = await challenge(first, 'n,,n=nobody,r=abc');
    assert.match(serverFirst, /^r=abcN,s=[A-Za-z0-9+/]{22}==,i=4096$/);
    await rejects(
      () => first.step(Buffer.from(clientFinalFor('SHA-1', 'pencil', 'n=nobody,r=abc', serverFirst))),
      'not-authorized',
    );

    const again = mechanism('SCRAM-SHA-1', { nonce: () => 'N' });
    assert.equal(await challenge(again, 'n,,n=nobody,r=abc'), serverFirst);
    // Each unknown name gets its own salt, as each real account would.
    const other = mechanism('SCRAM-SHA-1', { nonce: () => 'N' });
    assert.notEqual(await challenge(other, 'n,,n=somebody,r=abc'), serverFirst);
  });

  it('keeps fake salts stable across mechanisms with the per-process default secret', async () => {
    const salts = await Promise.all(
      [1, 2].map(async () => {
        const mech = createMechanism('SCRAM-SHA-256', lookup, { isSecure: false, nonce: () => 'N' });
        return challenge(mech!, 'n,,n=ghost,r=abc');
      }),
    );
    assert.equal(salts[0], salts[1]);
  });

  it('advertises the configured iteration count to unknown users', async () => {
    const mech = mechanism('SCRAM-SHA-256', { unknownUserIterations: 10000 });
    assert.match(await challenge(mech, 'n,,n=ghost,r=abc'), /,i=10000$/);
  });

  it('prepares the username (case, width) and decodes =2C and =3D', async () => {
    const spy = lookupOf({ user: rfcCredentials });
    const mech = mechanism('SCRAM-SHA-1', { nonce: () => RFC5802.serverNonce }, spy.lookup);
    await challenge(mech, 'n,,n=ＵＳＥＲ,r=fyko+d2lbbFgONRv9qkxdawL');
    const bare = 'n=ＵＳＥＲ,r=fyko+d2lbbFgONRv9qkxdawL';
    const done = await step(mech, clientFinalFor('SHA-1', 'pencil', bare, RFC5802.serverFirst));
    assert.deepEqual(spy.asked, ['user']);
    assert.equal(done.kind === 'success' && done.username, 'user');

    const escaped = lookupOf({});
    await challenge(mechanism('SCRAM-SHA-1', {}, escaped.lookup), 'n,,n=A=2Cb=3Dc,r=abc');
    assert.deepEqual(escaped.asked, ['a,b=c']);
  });

  it('accepts an authzid equal to the user, or their bare JID when the domain is known', async () => {
    for (const authzid of ['a=user', 'a=USER', 'a=user@example.com']) {
      const mech = mechanism('SCRAM-SHA-1', { nonce: () => 'N', domain: 'Example.com' });
      const serverFirst = await challenge(mech, `n,${authzid},n=user,r=abc`);
      const final = clientFinalFor('SHA-1', 'pencil', 'n=user,r=abc', serverFirst, `n,${authzid},`);
      assert.equal((await step(mech, final)).kind, 'success', authzid);
    }
  });

  it('refuses an authzid naming someone else with invalid-authzid', async () => {
    await rejects(() => mechanism('SCRAM-SHA-1').step(Buffer.from('n,a=admin,n=user,r=abc')), 'invalid-authzid');
    await rejects(
      () => mechanism('SCRAM-SHA-1').step(Buffer.from('n,a=user@elsewhere,n=user,r=abc')),
      'invalid-authzid',
    );
  });

  it('refuses a channel-binding (p=) request, as -PLUS is not offered', async () => {
    await rejects(
      () => mechanism('SCRAM-SHA-1').step(Buffer.from('p=tls-exporter,,n=user,r=abc')),
      'malformed-request',
    );
  });

  for (const [what, message] of [
    ['garbage', 'hello'],
    ['an unknown cbind flag', 'x,,n=user,r=abc'],
    ['a missing nonce', 'n,,n=user'],
    ['attributes out of order', 'n,,r=abc,n=user'],
    ['an empty username', 'n,,n=,r=abc'],
    ['a bad saslname escape', 'n,,n=us=2Xer,r=abc'],
    ['a mandatory extension', 'n,,m=ext,n=user,r=abc'],
    ['a nonce with a non-printable byte', 'n,,n=user,r=a\u00e9c'],
    ['a NUL byte', 'n,,n=us\0er,r=abc'],
    ['an extension without a value', 'n,,n=user,r=abc,x'],
    ['invalid UTF-8', Buffer.from([0x6e, 0x2c, 0x2c, 0x6e, 0x3d, 0xff, 0x2c, 0x72, 0x3d, 0x61])],
  ] as const) {
    it(`fails malformed-request for a client-first with ${what}`, async () => {
      await rejects(() => mechanism('SCRAM-SHA-256').step(Buffer.from(message)), 'malformed-request');
    });
  }

  for (const [what, final, condition] of [
    ['no proof', 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j', 'malformed-request'],
    ['a proof that is not base64', 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=!!!!', 'malformed-request'],
    ['a proof of the wrong length', 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=AAAA', 'malformed-request'],
    [
      'a missing channel binding',
      'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
      'malformed-request',
    ],
    [
      'a channel binding that is not the gs2-header',
      'c=eSws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
      'not-authorized',
    ],
    ['a different nonce', 'c=biws,r=fyko+d2lbbFgONRv9qkxdawLXXX,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=', 'not-authorized'],
  ] as const) {
    it(`fails ${condition} for a client-final with ${what}`, async () => {
      const mech = mechanism('SCRAM-SHA-1', { nonce: () => RFC5802.serverNonce });
      await challenge(mech, RFC5802.clientFirst);
      await rejects(() => mech.step(Buffer.from(final)), condition);
    });
  }

  it('fails malformed-request for any step after success or failure', async () => {
    const succeeded = mechanism('SCRAM-SHA-1', { nonce: () => RFC5802.serverNonce });
    await challenge(succeeded, RFC5802.clientFirst);
    await step(succeeded, RFC5802.clientFinal);
    await rejects(() => succeeded.step(Buffer.from(RFC5802.clientFinal)), 'malformed-request');

    const failed = mechanism('SCRAM-SHA-1');
    await rejects(() => failed.step(Buffer.from('garbage')), 'malformed-request');
    await rejects(() => failed.step(Buffer.from(RFC5802.clientFirst)), 'malformed-request');
  });

  it('ends the exchange when a step arrives while the credential lookup is still pending', async () => {
    let answer: (credentials: ScramCredentials) => void = () => {};
    const slow: CredentialLookup = {
      scramCredentials: () => new Promise((resolve) => (answer = resolve)),
    };
    const mech = mechanism('SCRAM-SHA-1', { nonce: () => RFC5802.serverNonce }, slow);
    const first = step(mech, RFC5802.clientFirst);
    await rejects(() => mech.step(Buffer.from(RFC5802.clientFinal)), 'malformed-request');
    answer(rfcCredentials['SHA-1']);
    await rejects(() => first, 'malformed-request');
    await rejects(() => mech.step(Buffer.from(RFC5802.clientFinal)), 'malformed-request');
  });
});

describe('PLAIN server', () => {
  const plain = (authzid: string, authcid: string, password: string) =>
    Buffer.from(`${authzid}\0${authcid}\0${password}`);

  it('is only offered, and only created, over a secure stream', () => {
    assert.deepEqual(offeredMechanisms(false), ['SCRAM-SHA-256', 'SCRAM-SHA-1']);
    assert.deepEqual(offeredMechanisms(true), ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
    assert.equal(createMechanism('PLAIN', lookup, { isSecure: false }), undefined);
    assert.equal(createMechanism('SCRAM-SHA-1-PLUS', lookup, { isSecure: true }), undefined);
    assert.equal(createMechanism('DIGEST-MD5', lookup, { isSecure: true }), undefined);
  });

  it('logs in with the right password, checked against the stored SCRAM keys', async () => {
    const mech = mechanism('PLAIN', { isSecure: true });
    assert.deepEqual(await step(mech, plain('', 'User', 'pencil')), { kind: 'success', username: 'user' });
  });

  it('falls back to SCRAM-SHA-1 keys when no SHA-256 keys are stored', async () => {
    const sha1Only = lookupOf({ user: { 'SHA-1': rfcCredentials['SHA-1'] } }).lookup;
    const mech = mechanism('PLAIN', { isSecure: true }, sha1Only);
    assert.equal((await step(mech, plain('user', 'user', 'pencil'))).kind, 'success');
  });

  it('fails not-authorized for a wrong password or an unknown user', async () => {
    await rejects(() => mechanism('PLAIN', { isSecure: true }).step(plain('', 'user', 'Pencil')), 'not-authorized');
    await rejects(() => mechanism('PLAIN', { isSecure: true }).step(plain('', 'nobody', 'pencil')), 'not-authorized');
  });

  it('refuses an authzid naming someone else', async () => {
    await rejects(
      () => mechanism('PLAIN', { isSecure: true }).step(plain('admin', 'user', 'pencil')),
      'invalid-authzid',
    );
  });

  for (const [what, message] of [
    ['one NUL', Buffer.from('user\0pencil')],
    ['three NULs', Buffer.from('\0user\0pencil\0')],
    ['an empty authcid', Buffer.from('\0\0pencil')],
    ['an empty password', Buffer.from('\0user\0')],
    ['invalid UTF-8', Buffer.from([0, 0xff, 0, 0x61])],
  ] as const) {
    it(`fails malformed-request for ${what}`, async () => {
      await rejects(() => mechanism('PLAIN', { isSecure: true }).step(message), 'malformed-request');
    });
  }

  it('answers an empty initial response with an empty challenge, then logs in', async () => {
    const mech = mechanism('PLAIN', { isSecure: true });
    assert.equal(await challenge(mech, ''), '');
    assert.equal((await step(mech, plain('', 'user', 'pencil'))).kind, 'success');
  });

  it('fails malformed-request for a step after the exchange finished', async () => {
    const mech = mechanism('PLAIN', { isSecure: true });
    await step(mech, plain('', 'user', 'pencil'));
    await rejects(() => mech.step(plain('', 'user', 'pencil')), 'malformed-request');
  });
});

describe('deriveScramCredentials', () => {
  it('derives StoredKey = H(HMAC(SaltedPassword, "Client Key")) with 4096 iterations by default', () => {
    const creds = deriveScramCredentials('pencil', 'SHA-256', { salt: RFC7677.salt });
    const salted = saltedPassword('pencil', RFC7677.salt, 4096, 'SHA-256');
    assert.equal(creds.iterations, 4096);
    assert.deepEqual(creds.storedKey, digest('SHA-256', hmac('SHA-256', salted, 'Client Key')));
    assert.deepEqual(creds, rfcCredentials['SHA-256']);
  });

  it('uses a fresh 16-byte salt each time unless given one', () => {
    const a = deriveScramCredentials('pencil', 'SHA-1', { iterations: 1 });
    const b = deriveScramCredentials('pencil', 'SHA-1', { iterations: 1 });
    assert.equal(a.salt.length, 16);
    assert.notDeepEqual(a.salt, b.salt);
    assert.equal(a.storedKey.length, 20);
  });

  it('normalises the password (SASLprep mapping + NFKC)', () => {
    const options = { salt: RFC5802.salt, iterations: 1 };
    const plainAscii = deriveScramCredentials('pencil', 'SHA-1', options);
    assert.deepEqual(deriveScramCredentials('pen\u00ADcil', 'SHA-1', options), plainAscii);
    assert.deepEqual(deriveScramCredentials('ｐｅｎｃｉｌ', 'SHA-1', options), plainAscii);
  });

  it('rejects a non-positive iteration count', () => {
    assert.throws(() => deriveScramCredentials('pencil', 'SHA-1', { iterations: 0 }), RangeError);
  });
});
