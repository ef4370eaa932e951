// The PostgreSQL backend's failure lines: the config key, the address without its password, why.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectError,
  describeUrl,
  queryError,
  withoutPassword,
} from '../../../../src/server/storage/postgres/errors.js';

const URL = 'postgres://ferry:p%40ss-w0rd@db.example.com:5433/ferry?sslmode=require&password=other';
const timeouts = { connectMs: 10_000, statementMs: 2_500 };

describe('PostgreSQL error lines', () => {
  it('describes a URL without its password or query parameters', () => {
    assert.equal(describeUrl(URL), 'postgres://ferry@db.example.com:5433/ferry');
    assert.equal(describeUrl('postgresql://db/ferry'), 'postgresql://db/ferry');
    assert.equal(describeUrl('not a url'), '(an unparseable URL)');
  });

  it('blanks the password in either spelling, even with a malformed escape', () => {
    assert.equal(withoutPassword('said p%40ss-w0rd and p@ss-w0rd', URL), 'said *** and ***');
    assert.equal(withoutPassword('keep this', 'postgres://ferry@db/ferry'), 'keep this');
    assert.equal(withoutPassword('x %zz y', 'postgres://u:%zz@db/f'), 'x *** y');
  });

  it('names storage.postgres_url and says why a connection failed', () => {
    const line = (error: unknown) => connectError(error, URL, 10_000).message;
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5433'), { code: 'ECONNREFUSED' });
    assert.match(
      line(refused),
      /^storage\.postgres_url: cannot connect to postgres:\/\/ferry@db\.example\.com:5433\/ferry: connection refused/,
    );
    assert.match(line(new Error('Connection terminated due to connection timeout')), /: no answer within 10 s$/);
    assert.match(line(new Error('timeout exceeded when trying to connect')), /storage\.postgres_pool_size busy/);
    assert.match(
      line(new Error('password authentication failed for user "ferry"')),
      /: password authentication failed/,
    );
    assert.doesNotMatch(line(new Error('echo p@ss-w0rd back')), /p@ss/);
    assert.equal(connectError(refused, URL, 1).code, 'FERRY_ERR_STORAGE_CONNECT');
  });

  it('names the statement timeout for cancelled statements and lock waits, and passes other errors through', () => {
    for (const code of ['57014', '55P03']) {
      const error = queryError(Object.assign(new Error('canceling statement'), { code }), URL, timeouts) as Error & {
        code: string;
      };
      assert.equal(error.code, 'FERRY_ERR_STORAGE_TIMEOUT');
      assert.match(error.message, /^storage\.postgres_statement_timeout_seconds: .* within 2\.5 s/);
    }
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    assert.equal(queryError(unique, URL, timeouts), unique);
    const lost = queryError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), URL, timeouts);
    assert.equal((lost as { code: string }).code, 'FERRY_ERR_STORAGE_CONNECT');
    assert.match((lost as Error).message, /^storage\.postgres_url: lost the connection to postgres:\/\/ferry@db/);
  });
});
