import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransferError } from '@ferry/client/internal/transfer-error';
import { explain } from '../../../src/cli/error-lines.js';
import { stalledError } from '@ferry/client/internal/stall-watch';

describe('the error line for a stalled transfer', () => {
  it('names the peer and the wait, and the flag that changes it', () => {
    const { line, exitCode, isKnown } = explain(stalledError(30_000, 'to', 'bob@example.com/phone'));
    assert.equal(
      line,
      'no data for 30 s to bob@example.com/phone; cancelled (the other side or the network stopped moving bytes; --stall-timeout SECONDS waits longer)',
    );
    assert.equal(exitCode, 1);
    assert.equal(isKnown, true);
  });

  it('says seconds with their fraction', () => {
    const error = stalledError(1_500, 'from', 'upload.example.com:443');
    assert.ok(error instanceof TransferError);
    assert.equal(error.code, 'FERRY_ERR_STALLED');
    assert.equal(error.message, 'no data for 1.5 s from upload.example.com:443; cancelled');
  });
});
