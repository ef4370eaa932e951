import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDataForm, encodeDataForm, findField, formType, type DataForm } from '@ferry/protocol/payloads/data-form';
import { SPARK_IBB_OFFER, XIFF_ACCEPT, assertStanzaError, parseXml, payloadOf, reparse } from './fixtures.js';

/** The <x/> inside an SI stanza's <feature/>. */
function formOf(stanza: string) {
  const x = payloadOf(stanza).getChild('feature')?.getChild('x');
  assert.ok(x);
  return x;
}

describe('data forms', () => {
  it('encodes a list-single form the way SI offers it', () => {
    const form: DataForm = {
      type: 'form',
      fields: [
        {
          var: 'stream-method',
          type: 'list-single',
          values: [],
          options: [{ value: 'http://jabber.org/protocol/bytestreams' }, { value: 'http://jabber.org/protocol/ibb' }],
        },
      ],
    };
    assert.equal(
      encodeDataForm(form).toString(),
      '<x xmlns="jabber:x:data" type="form"><field var="stream-method" type="list-single">' +
        '<option><value>http://jabber.org/protocol/bytestreams</value></option>' +
        '<option><value>http://jabber.org/protocol/ibb</value></option></field></x>',
    );
  });

  it('round-trips title, instructions, labels, desc, required and option labels', () => {
    const form: DataForm = {
      type: 'form',
      title: 'Bot Configuration',
      instructions: ['Fill out this form', 'then submit it'],
      fields: [
        { var: 'FORM_TYPE', type: 'hidden', values: ['jabber:bot'], options: [] },
        { type: 'fixed', values: ['Section 1'], options: [] },
        {
          var: 'public',
          type: 'boolean',
          label: 'Public?',
          desc: 'Listed or not',
          required: true,
          values: ['0'],
          options: [],
        },
        {
          var: 'features',
          type: 'list-multi',
          label: 'Features',
          values: ['news', 'search'],
          options: [
            { label: 'News', value: 'news' },
            { label: 'Search', value: 'search' },
          ],
        },
      ],
    };
    assert.deepEqual(decodeDataForm(reparse(encodeDataForm(form))), form);
  });

  it("decodes the IBB-only offer form Spark receives from Openfire's client", () => {
    const form = decodeDataForm(formOf(SPARK_IBB_OFFER));
    assert.equal(form.type, 'form');
    assert.deepEqual(findField(form, 'stream-method'), {
      var: 'stream-method',
      type: 'list-single',
      values: [],
      options: [{ value: 'http://jabber.org/protocol/ibb' }],
    });
  });

  it('keeps both <value>s of the Spark accept (the SI codec picks one)', () => {
    const field = findField(decodeDataForm(formOf(XIFF_ACCEPT)), 'stream-method');
    assert.equal(field?.type, undefined);
    assert.equal(field?.values.length, 2);
  });

  it('reads FORM_TYPE', () => {
    const form = decodeDataForm(
      parseXml(
        '<x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:http:upload:0</value></field></x>',
      ),
    );
    assert.equal(formType(form), 'urn:xmpp:http:upload:0');
  });

  it('treats an unknown field type as text-single, as XEP-0004 §3.3 requires', () => {
    const form = decodeDataForm(
      parseXml('<x xmlns="jabber:x:data" type="form"><field var="a" type="colour-picker"/></x>'),
    );
    assert.equal(form.fields[0]?.type, 'text-single');
  });

  it('answers bad-request for an unknown form type', () => {
    assertStanzaError(
      () => decodeDataForm(parseXml('<x xmlns="jabber:x:data" type="draft"/>')),
      /form type must be one of/,
    );
  });

  it('answers bad-request for a form without a type', () => {
    assertStanzaError(() => decodeDataForm(parseXml('<x xmlns="jabber:x:data"/>')), /form type must be one of/);
  });

  it("answers bad-request for a non-fixed field without 'var'", () => {
    assertStanzaError(
      () =>
        decodeDataForm(
          parseXml('<x xmlns="jabber:x:data" type="submit"><field type="text-single"><value>x</value></field></x>'),
        ),
      /missing its 'var'/,
    );
  });

  it('answers bad-request for an <option/> with no or two <value/>s', () => {
    assertStanzaError(
      () =>
        decodeDataForm(
          parseXml('<x xmlns="jabber:x:data" type="form"><field var="m" type="list-single"><option/></field></x>'),
        ),
      /exactly one <value\/>/,
    );
    assertStanzaError(
      () =>
        decodeDataForm(
          parseXml(
            '<x xmlns="jabber:x:data" type="form"><field var="m" type="list-single"><option><value>a</value><value>b</value></option></field></x>',
          ),
        ),
      /exactly one <value\/>/,
    );
  });

  it('refuses an element that is not a jabber:x:data form', () => {
    assertStanzaError(
      () => decodeDataForm(parseXml('<x xmlns="jabber:x:oob" type="form"/>')),
      /expected <x xmlns='jabber:x:data'/,
    );
  });
});
