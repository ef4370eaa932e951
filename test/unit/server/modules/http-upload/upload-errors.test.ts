import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uploadErrors, type UploadError } from '../../../../../src/server/modules/http-upload/upload-errors.js';

function faces(error: UploadError): { xml: string; status: number; text: string } {
  return { xml: error.toElement().toString(), status: error.status, text: error.httpText };
}

describe('upload errors: one definition, both faces', () => {
  it('file-too-large: not-acceptable (modify) with <max-file-size/>, and 413', () => {
    assert.deepEqual(faces(uploadErrors.fileTooLarge(20000)), {
      xml:
        '<error type="modify"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">File too large. The maximum file size is 20000 bytes</text>' +
        '<file-too-large xmlns="urn:xmpp:http:upload:0"><max-file-size>20000</max-file-size></file-too-large></error>',
      status: 413,
      text: 'file too large',
    });
  });

  it('quota: resource-constraint (wait) with <retry stamp/> in UTC, and 413', () => {
    const error = uploadErrors.quotaReached('Daily quota reached', new Date(Date.UTC(2017, 11, 3, 23, 42, 5, 123)));
    assert.deepEqual(faces(error), {
      xml:
        '<error type="wait"><resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">Daily quota reached</text>' +
        '<retry xmlns="urn:xmpp:http:upload:0" stamp="2017-12-03T23:42:05Z"/></error>',
      status: 413,
      text: 'Daily quota reached',
    });
  });

  it('forbidden is an auth error and 403; not-acceptable is modify and 400', () => {
    assert.match(faces(uploadErrors.forbidden('no')).xml, /^<error type="auth"><forbidden /);
    assert.equal(uploadErrors.forbidden('no').status, 403);
    assert.match(faces(uploadErrors.notAcceptable('bad type')).xml, /^<error type="modify"><not-acceptable /);
    assert.equal(uploadErrors.notAcceptable('bad type').status, 400);
  });

  it('the HTTP-side refusals keep their statuses', () => {
    assert.deepEqual(
      [
        uploadErrors.invalidSlot(),
        uploadErrors.lengthRequired(),
        uploadErrors.sizeMismatch(),
        uploadErrors.contentTypeMismatch(),
        uploadErrors.fileExists(),
        uploadErrors.incompleteBody(),
        uploadErrors.notFound(),
        uploadErrors.rangeNotSatisfiable(),
      ].map((error) => [error.status, error.condition]),
      [
        [403, 'forbidden'],
        [411, 'bad-request'],
        [400, 'bad-request'],
        [400, 'bad-request'],
        [409, 'conflict'],
        [400, 'bad-request'],
        [404, 'item-not-found'],
        [416, 'bad-request'],
      ],
    );
  });
});
