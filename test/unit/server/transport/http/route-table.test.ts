// Route lookup without sockets: longest prefix on whole segments, 405 with Allow, HEAD via GET.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RouteTable, normalisePrefix, type RouteEntry } from '../../../../../src/server/transport/http/route-table.js';
import type { HttpMethod } from '../../../../../src/server/transport/http/index.js';

const entry = (prefix: string, methods: HttpMethod[]): RouteEntry => ({
  prefix: normalisePrefix(prefix),
  methods: new Set(methods),
  maxBodyBytes: 0,
  isSecureOnly: false,
  handler: () => undefined,
});

const found = (table: RouteTable, method: string, path: string) => {
  const match = table.match(method, path);
  return match.kind === 'found' ? `${[...match.route.methods].join('+')} ${match.route.prefix || '/'}` : match.kind;
};

describe('HTTP route table', () => {
  it('normalises prefixes to a leading slash and no trailing one', () => {
    assert.equal(normalisePrefix('/upload/'), '/upload');
    assert.equal(normalisePrefix('/upload'), '/upload');
    assert.equal(normalisePrefix('/'), '');
    assert.throws(() => normalisePrefix('upload/'), TypeError);
  });

  it('matches a prefix on whole path segments', () => {
    const table = new RouteTable();
    table.add(entry('/upload/', ['PUT']));
    assert.equal(found(table, 'PUT', '/upload'), 'PUT /upload');
    assert.equal(found(table, 'PUT', '/upload/'), 'PUT /upload');
    assert.equal(found(table, 'PUT', '/upload/a/b.txt'), 'PUT /upload');
    assert.equal(found(table, 'PUT', '/uploads/a'), 'not-found');
    assert.equal(found(table, 'PUT', '/'), 'not-found');
  });

  it('lets the longest prefix win, whatever the order of registration', () => {
    const table = new RouteTable();
    table.add(entry('/', ['GET']));
    table.add(entry('/admin/api/', ['GET']));
    table.add(entry('/admin/', ['GET']));
    assert.equal(found(table, 'GET', '/admin/api/users'), 'GET /admin/api');
    assert.equal(found(table, 'GET', '/admin/apiary'), 'GET /admin');
    assert.equal(found(table, 'GET', '/elsewhere'), 'GET /');
  });

  it('answers method-not-allowed with every method of the longest prefix, not a shorter one', () => {
    const table = new RouteTable();
    table.add(entry('/', ['POST']));
    table.add(entry('/upload/', ['PUT']));
    table.add(entry('/upload/', ['GET']));
    assert.deepEqual(table.match('DELETE', '/upload/x'), {
      kind: 'method-not-allowed',
      prefix: '/upload',
      allow: ['GET', 'HEAD', 'PUT'],
    });
    assert.deepEqual(table.match('BREW', '/upload/x'), table.match('DELETE', '/upload/x'));
  });

  it('serves HEAD from the GET route unless the prefix has its own HEAD route', () => {
    const table = new RouteTable();
    table.add(entry('/files/', ['GET']));
    assert.equal(found(table, 'HEAD', '/files/x'), 'GET /files');
    table.add(entry('/files/', ['HEAD']));
    assert.equal(found(table, 'HEAD', '/files/x'), 'HEAD /files');
  });

  it('refuses a second route for a method a prefix already has, and forgets removed routes', () => {
    const table = new RouteTable();
    const remove = table.add(entry('/upload/', ['PUT', 'GET']));
    assert.throws(() => table.add(entry('/upload', ['GET'])), /GET \/upload is registered twice/);
    remove();
    remove(); // idempotent: the module's own removal and its teardown may both run
    assert.equal(found(table, 'GET', '/upload/x'), 'not-found');
    table.add(entry('/upload', ['GET']));
    assert.equal(found(table, 'GET', '/upload/x'), 'GET /upload');
  });
});
