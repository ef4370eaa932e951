// The request target checked before routing: origin and absolute form, no dot segments.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestTarget, segmentsAfter } from '../../../../../src/server/transport/http/request-target.js';

describe('HTTP request target', () => {
  it('splits the path from the query string, leaving the path percent-encoded', () => {
    const target = parseRequestTarget('/upload/a%20b.txt?token=x&y=1');
    assert.equal(target?.path, '/upload/a%20b.txt');
    assert.equal(target?.query.get('token'), 'x');
  });

  it('takes the path of an absolute-form target', () => {
    assert.equal(parseRequestTarget('http://example.org:5280/upload/x?q')?.path, '/upload/x');
  });

  it("refuses '*', empty and dot segments, encoded or not", () => {
    for (const bad of ['*', '', 'upload/x', '/upload/../admin', '/upload/./x', '/upload/%2E%2e/admin', '/..']) {
      assert.equal(parseRequestTarget(bad), undefined, bad);
    }
    assert.ok(parseRequestTarget('/upload/...hidden'), 'three dots is a name');
  });

  it('decodes the segments after the prefix, and refuses a broken escape', () => {
    assert.deepEqual(segmentsAfter('/upload/abc/r%C3%A9sum%C3%A9.pdf', '/upload'), ['abc', 'résumé.pdf']);
    assert.deepEqual(segmentsAfter('/upload', '/upload'), []);
    assert.deepEqual(segmentsAfter('/upload/', '/upload'), []);
    assert.deepEqual(segmentsAfter('/x/y', ''), ['x', 'y']);
    assert.equal(segmentsAfter('/upload/%E0%A4%A', '/upload'), undefined);
  });
});
