// The client library's rows in the generated protocol support table are current.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderClientSupport } from '@ferry/client/internal/protocol-support';

describe('client protocol support table', () => {
  it('in docs/protocol-support.md and README.md matches the declarations', () => {
    const table = renderClientSupport();
    assert.ok(readFileSync('docs/protocol-support.md', 'utf8').includes(table), 'run npm run protocol-support');
    assert.ok(readFileSync('README.md', 'utf8').includes(table), 'run npm run protocol-support');
  });
});
