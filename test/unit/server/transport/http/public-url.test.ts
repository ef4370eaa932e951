// Links handed to clients: the configured base, else the HTTPS listener's real port.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { joinUrl, publicBase } from '../../../../../src/server/transport/http/public-url.js';

describe('HTTP public URLs', () => {
  const ports = { domain: 'example.org', httpsPort: 5281, httpPort: 5280 };

  it('prefers http.public_url, else https://domain:port, else plain HTTP when HTTPS is off', () => {
    assert.equal(publicBase({ configured: 'https://files.example.org/', ...ports }), 'https://files.example.org/');
    assert.equal(publicBase({ configured: undefined, ...ports }), 'https://example.org:5281');
    assert.equal(publicBase({ configured: undefined, ...ports, httpsPort: undefined }), 'http://example.org:5280');
    assert.throws(() =>
      publicBase({ configured: undefined, domain: 'example.org', httpsPort: undefined, httpPort: undefined }),
    );
  });

  it('joins with exactly one slash', () => {
    for (const [base, path] of [
      ['https://x.example/base', '/upload/a'],
      ['https://x.example/base/', 'upload/a'],
      ['https://x.example/base//', '//upload/a'],
    ] as const) {
      assert.equal(joinUrl(base, path), 'https://x.example/base/upload/a');
    }
  });
});
