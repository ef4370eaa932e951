import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Jid, JidError } from '@ferry/protocol/jid';

function parts(input: string): [string, string, string] {
  const jid = Jid.parse(input);
  return [jid.local, jid.domain, jid.resource];
}

describe('Jid.parse (RFC 7622 §3.1)', () => {
  it('splits localpart, domainpart and resourcepart', () => {
    assert.deepEqual(parts('juliet@example.com/balcony'), ['juliet', 'example.com', 'balcony']);
    assert.deepEqual(parts('juliet@example.com'), ['juliet', 'example.com', '']);
    assert.deepEqual(parts('example.com/balcony'), ['', 'example.com', 'balcony']);
    assert.deepEqual(parts('example.com'), ['', 'example.com', '']);
  });

  it('starts the resource at the first "/", so it may contain "@" and "/"', () => {
    assert.deepEqual(parts('juliet@example.com/foo@bar/baz'), ['juliet', 'example.com', 'foo@bar/baz']);
    assert.deepEqual(parts('example.com/juliet@example.net'), ['', 'example.com', 'juliet@example.net']);
  });

  it('takes the localpart from before the first "@" that precedes the "/"', () => {
    assert.throws(() => Jid.parse('a@b@example.com'), JidError); // the second "@" lands in the domainpart
  });

  it('case-folds the localpart and domainpart but keeps the resource: Alice@LocalHost/Res', () => {
    assert.equal(Jid.parse('Alice@LocalHost/Res').toString(), 'alice@localhost/Res');
    assert.equal(Jid.parse('ÉLODIE@EXAMPLE.COM').toString(), 'élodie@example.com');
  });

  it('rejects empty parts next to a separator: @d, a@, d/, a@/r, /r and ""', () => {
    for (const input of ['@example.com', 'juliet@', 'example.com/', 'juliet@/r', '/r', '', 'juliet@example.com/']) {
      assert.throws(() => Jid.parse(input), JidError, JSON.stringify(input));
    }
  });

  it('reports jid-malformed as the error condition', () => {
    assert.throws(
      () => Jid.parse('@example.com'),
      (error: unknown) => error instanceof JidError && error.condition === 'jid-malformed',
    );
  });

  it('tryParse returns undefined instead of throwing', () => {
    assert.equal(Jid.tryParse('juliet@'), undefined);
    assert.equal(Jid.tryParse('juliet@example.com')?.toString(), 'juliet@example.com');
  });
});

describe('Jid localpart preparation (UsernameCaseMapped-ish)', () => {
  it('maps fullwidth characters to their ASCII forms: ｊｕｌｉｅｔ@example.com', () => {
    assert.equal(Jid.parse('\uff2a\uff55\uff4c\uff49\uff45\uff54@example.com').local, 'juliet');
  });

  it('normalises to NFC: a decomposed é equals the precomposed one', () => {
    assert.ok(Jid.parse('e\u0301lodie@example.com').equals(Jid.parse('\u00e9lodie@example.com')));
  });

  it('forbids " & \' / : < > @, whitespace and control characters', () => {
    for (const local of [
      'a"b',
      'a&b',
      "a'b",
      'a:b',
      'a<b',
      'a>b',
      'a b',
      'a\tb',
      'a\u00a0b',
      'a\u0007b',
      'a\u202eb',
      'a\uff20b',
    ]) {
      assert.throws(() => Jid.of(local, 'example.com'), JidError, JSON.stringify(local));
    }
  });

  it('allows other punctuation and non-Latin letters', () => {
    assert.equal(Jid.of('o.brien-x_y+tag', 'example.com').local, 'o.brien-x_y+tag');
    assert.equal(Jid.of('Ромео', 'example.com').local, 'ромео');
  });

  it('limits each part to 1023 bytes of UTF-8', () => {
    assert.equal(Jid.of('a'.repeat(1023), 'example.com').local.length, 1023);
    assert.throws(() => Jid.of('a'.repeat(1024), 'example.com'), JidError);
    assert.throws(() => Jid.of('é'.repeat(512), 'example.com'), JidError); // 1024 bytes in 512 characters
    assert.throws(() => Jid.of(undefined, `${'a'.repeat(1020)}.com`), JidError);
    assert.throws(() => Jid.of(undefined, 'example.com', 'r'.repeat(1024)), JidError);
  });
});

describe('Jid domainpart preparation', () => {
  it('strips one trailing dot: example.com. → example.com', () => {
    assert.equal(Jid.parse('juliet@example.com./r').toString(), 'juliet@example.com/r');
    assert.throws(() => Jid.parse('example.com..'), JidError);
  });

  it('keeps IP literals: 127.0.0.1 and [::1]', () => {
    assert.equal(Jid.parse('juliet@127.0.0.1/r').domain, '127.0.0.1');
    assert.equal(Jid.parse('juliet@[::1]/r').domain, '[::1]');
    assert.equal(Jid.parse('[2001:DB8::1]').domain, '[2001:db8::1]');
    assert.throws(() => Jid.parse('[nonsense]'), JidError);
  });

  it('rejects empty labels, whitespace, controls, "@" and "/" in the domain', () => {
    for (const domain of [
      '.example.com',
      'example..com',
      'exa mple.com',
      'example.com\u0000',
      'a@b',
      'a/b',
      'a:5222',
      '.',
    ]) {
      assert.throws(() => Jid.of(undefined, domain), JidError, JSON.stringify(domain));
    }
  });

  it('maps ideographic full stops to "."', () => {
    assert.equal(Jid.of(undefined, 'example\u3002com').domain, 'example.com');
  });
});

describe('Jid resourcepart preparation (OpaqueString-ish)', () => {
  it('keeps case, spaces, "@" and "/"; maps non-ASCII spaces to " "', () => {
    assert.equal(Jid.of('a', 'b', 'My Phone @home/2').resource, 'My Phone @home/2');
    assert.equal(Jid.of('a', 'b', 'My\u00a0Phone').resource, 'My Phone');
  });

  it('forbids control characters', () => {
    assert.throws(() => Jid.of('a', 'b', 'line\nbreak'), JidError);
  });
});

describe('Jid values', () => {
  const full = Jid.parse('juliet@example.com/balcony');

  it('classifies full, bare and domain addresses', () => {
    assert.deepEqual([full.isFull, full.isBare, full.isDomain], [true, false, false]);
    assert.deepEqual([full.bare().isFull, full.bare().isBare, full.bare().isDomain], [false, true, false]);
    const host = Jid.parse('example.com');
    assert.deepEqual([host.isFull, host.isBare, host.isDomain], [false, true, true]);
    assert.equal(Jid.parse('example.com/admin').isDomain, false);
  });

  it('bare() drops the resource and returns the same object for a bare JID', () => {
    assert.equal(full.bare().toString(), 'juliet@example.com');
    assert.equal(full.bare(), full.bare());
    assert.equal(full.bare().bare(), full.bare());
  });

  it('withResource() prepares and sets a resource', () => {
    assert.equal(full.bare().withResource('Orchard').toString(), 'juliet@example.com/Orchard');
    assert.throws(() => full.withResource(''), JidError);
  });

  it('equals compares prepared parts', () => {
    assert.ok(Jid.parse('JULIET@Example.COM/balcony').equals(full));
    assert.ok(!Jid.parse('juliet@example.com/Balcony').equals(full));
    assert.ok(!full.equals(full.bare()));
  });

  it('Jid.of treats an empty or missing localpart and resource as none', () => {
    assert.equal(Jid.of('', 'example.com', '').toString(), 'example.com');
    assert.equal(Jid.of(undefined, 'Example.com').toString(), 'example.com');
    assert.equal(Jid.of('Juliet', 'example.com', 'r').toString(), 'juliet@example.com/r');
  });
});
