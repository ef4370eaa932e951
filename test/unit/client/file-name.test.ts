// Received names never choose a directory, a device or an invisible trick.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizeFileName } from '@ferry/client/internal/file-name';

describe('sanitizeFileName', () => {
  const cases: [string, string][] = [
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['/etc/shadow', 'shadow'],
    ['C:\\Windows\\system32\\evil.dll', 'evil.dll'],
    ['..', 'received-file'],
    ['...', 'received-file'],
    ['', 'received-file'],
    ['bad\u0000name\u001b[31m.txt', 'badname[31m.txt'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['lpt1', '_lpt1'],
    ['what?.txt', 'what_.txt'],
    ['trailing. . ', 'trailing'],
    ['résumé.pdf', 'résumé.pdf'],
  ];
  for (const [input, expected] of cases) {
    it(`turns ${JSON.stringify(input)} into ${JSON.stringify(expected)}`, () => {
      assert.equal(sanitizeFileName(input), expected);
    });
  }

  it('keeps names within 200 bytes', () => {
    assert.ok(Buffer.byteLength(sanitizeFileName('é'.repeat(500))) <= 200);
  });
});
