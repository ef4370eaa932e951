import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransferError } from '@ferry/client/internal/transfer-error';
import { explain } from '../../../src/cli/error-lines.js';

describe('error lines for uploads and links', () => {
  it('no upload service: what to do instead', () => {
    const line = explain(
      new TransferError('FERRY_ERR_NO_UPLOAD_SERVICE', 'example.com offers no HTTP upload service'),
    ).line;
    assert.match(line, /^example\.com offers no HTTP upload service; send to the full JID/);
  });

  it('file too large: the limit, and the direct way', () => {
    const error = new TransferError(
      'FERRY_ERR_FILE_TOO_LARGE',
      'a.iso (5 bytes) is larger than the upload service accepts (at most 4 bytes)',
      {
        detail: { maxFileSize: 4 },
      },
    );
    assert.match(explain(error).line, /at most 4 bytes\); send it directly/);
    assert.equal(explain(error).exitCode, 1);
  });

  it('an untrusted HTTPS server names the CLI flags', () => {
    const error = new TransferError(
      'FERRY_ERR_TLS_UNTRUSTED',
      'the certificate of up.example:443 is not trusted (self-signed); pass caFile to trust its CA, or insecure to skip the check',
    );
    assert.equal(
      explain(error).line,
      'the certificate of up.example:443 is not trusted (self-signed); pass --ca-file FILE, or --insecure for a test server',
    );
  });

  it('HTTP failures and plain http keep the library sentence', () => {
    for (const code of ['FERRY_ERR_HTTP', 'FERRY_ERR_INSECURE_URL', 'FERRY_ERR_UPLOAD_REFUSED'] as const) {
      assert.equal(explain(new TransferError(code, 'what happened')).line, 'what happened');
    }
  });
});
