import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineReader, decodeRequest } from '../../../../src/server/control/control-protocol.js';

describe('control protocol: requests', () => {
  it('decodes the known ops, kick with its jid and reason', () => {
    assert.deepEqual(decodeRequest('{"id":1,"op":"status"}'), { request: { id: 1, op: 'status' } });
    assert.deepEqual(decodeRequest('{"id":"a","op":"kick","jid":"alice@example.org","reason":"spam"}'), {
      request: { id: 'a', op: 'kick', jid: 'alice@example.org', reason: 'spam' },
    });
  });

  it('decodes settings list, set (any JSON value) and reset', () => {
    assert.deepEqual(decodeRequest('{"id":1,"op":"settings","action":"list"}'), {
      request: { id: 1, op: 'settings', action: 'list' },
    });
    assert.deepEqual(
      decodeRequest('{"id":2,"op":"settings","action":"set","key":"modules.proxy65.active","value":false}'),
      {
        request: { id: 2, op: 'settings', action: 'set', key: 'modules.proxy65.active', value: false },
      },
    );
    assert.deepEqual(decodeRequest('{"id":3,"op":"settings","action":"reset","key":"modules.proxy65.port"}'), {
      request: { id: 3, op: 'settings', action: 'reset', key: 'modules.proxy65.port' },
    });
  });

  for (const [line, id, code] of [
    ['not json', null, 'bad-json'],
    ['"status"', null, 'bad-request'],
    ['null', null, 'bad-request'],
    ['{"id":2}', 2, 'bad-request'],
    ['{"id":3,"op":"rm -rf"}', 3, 'unknown-op'],
    ['{"id":4,"op":"kick"}', 4, 'bad-request'],
    ['{"id":5,"op":"kick","jid":"a@b","reason":7}', 5, 'bad-request'],
    ['{"id":6,"op":"settings"}', 6, 'bad-request'],
    ['{"id":7,"op":"settings","action":"drop"}', 7, 'bad-request'],
    ['{"id":8,"op":"settings","action":"set","key":"k"}', 8, 'bad-request'],
    ['{"id":9,"op":"settings","action":"set","key":"k","value":null}', 9, 'bad-request'],
    ['{"id":10,"op":"settings","action":"reset"}', 10, 'bad-request'],
    ['{"id":{"x":1},"op":"status","extra":true}', null, undefined],
  ] as const) {
    it(`answers ${line} with ${code ?? 'a request (id dropped)'}`, () => {
      const decoded = decodeRequest(line);
      if (code === undefined) {
        assert.deepEqual(decoded, { request: { id: null, op: 'status' } });
        return;
      }
      assert.ok('reply' in decoded);
      assert.equal(decoded.reply.id, id);
      assert.equal(decoded.reply.ok, false);
      assert.equal(!decoded.reply.ok && decoded.reply.error.code, code);
    });
  }
});

describe('control protocol: LineReader', () => {
  it('splits lines across any chunk boundaries and skips blank ones', () => {
    const reader = new LineReader(100);
    const bytes = Buffer.from('{"a":1}\n\r\n{"b":"é"}\r\n{"c"');
    const lines: string[] = [];
    for (let i = 0; i < bytes.length; i += 1) lines.push(...reader.push(bytes.subarray(i, i + 1)));
    assert.deepEqual(lines, ['{"a":1}', '{"b":"é"}']);
    assert.deepEqual(reader.push(Buffer.from(':3}\n')), ['{"c":3}']);
    assert.equal(reader.isTooLong, false);
  });

  it('returns the lines before an overlong one, then stops', () => {
    const reader = new LineReader(10);
    assert.deepEqual(reader.push(Buffer.from(`short\n${'x'.repeat(11)}`)), ['short']);
    assert.equal(reader.isTooLong, true);
    assert.deepEqual(reader.push(Buffer.from('\nmore\n')), []);
  });

  it('counts an unfinished line across chunks against the bound', () => {
    const reader = new LineReader(10);
    reader.push(Buffer.from('123456'));
    reader.push(Buffer.from('78901'));
    assert.equal(reader.isTooLong, true);
  });
});
