// The protocol support table in docs/ and the README is generated from module metadata; this test
// fails when a module's declaration changed and `npm run protocol-support` was not run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderProtocolSupport } from '../../../../src/server/core/protocol-support.js';
import { builtinModules } from '../../../../src/server/modules/index.js';

describe('protocol support table', () => {
  it('in docs/protocol-support.md and README.md matches the modules', () => {
    const table = renderProtocolSupport(builtinModules);
    assert.ok(readFileSync('docs/protocol-support.md', 'utf8').includes(table), 'run npm run protocol-support');
    assert.ok(readFileSync('README.md', 'utf8').includes(table), 'run npm run protocol-support');
  });
});
