import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentDisposition, isInlineSafe } from '../../../../../src/server/modules/http-upload/response-headers.js';

describe('Content-Disposition (RFC 6266, RFC 8187)', () => {
  it('keeps the original name in filename* as UTF-8 percent-encoding, with an ASCII fallback', () => {
    assert.equal(
      contentDisposition('très cool.jpg', 'image/jpeg'),
      `inline; filename="tr_s cool.jpg"; filename*=UTF-8''tr%C3%A8s%20cool.jpg`,
    );
  });

  it('escapes quotes, backslashes and RFC 8187 specials', () => {
    assert.equal(
      contentDisposition(`a"b\\c'(d)*.txt`, 'text/plain'),
      `inline; filename="a_b_c'(d)*.txt"; filename*=UTF-8''a%22b%5Cc%27%28d%29%2A.txt`,
    );
  });

  it('makes anything a browser could run an attachment', () => {
    for (const type of [
      'text/html',
      'image/svg+xml',
      'application/xhtml+xml',
      'text/xml',
      'application/javascript',
      'text/javascript',
      'application/octet-stream',
      'TEXT/HTML; charset=utf-8',
    ]) {
      assert.equal(isInlineSafe(type), false, type);
      assert.match(contentDisposition('x', type), /^attachment;/);
    }
  });

  it('shows images, audio, video, plain text and PDF inline', () => {
    for (const type of [
      'image/png',
      'image/jpeg',
      'image/gif',
      'image/webp',
      'audio/ogg',
      'video/mp4',
      'text/plain; charset=utf-8',
      'application/pdf',
    ]) {
      assert.equal(isInlineSafe(type), true, type);
    }
  });
});
