// XEP-0004: Data Forms — the subset Ferry needs: SI feature negotiation (XEP-0020 via XEP-0095)
// and XEP-0128 extended disco info (HTTP upload's max-file-size). No <reported/>/<item/> results.
import { NS } from '../namespaces.js';
import { xml, type Element } from '../xml/element.js';
import { attr, expectElement, malformed } from './untrusted.js';

/** XEP-0004 §3.1: the form's role in the exchange. */
export const DATA_FORM_TYPES = ['form', 'submit', 'result', 'cancel'] as const;
export type DataFormType = (typeof DATA_FORM_TYPES)[number];

/** XEP-0004 §3.3. */
export const FIELD_TYPES = [
  'boolean',
  'fixed',
  'hidden',
  'jid-multi',
  'jid-single',
  'list-multi',
  'list-single',
  'text-multi',
  'text-private',
  'text-single',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface DataFormOption {
  label?: string;
  value: string;
}

export interface DataFormField {
  /** Required for every type but 'fixed' (XEP-0004 §3.2). */
  var?: string;
  /** Absent is normal in submit forms; readers then assume 'text-single' (XEP-0004 §3.2). */
  type?: FieldType;
  label?: string;
  desc?: string;
  required?: boolean;
  /**
   * Every <value/>, in order. Cardinality (one value for single-valued types) is NOT enforced
   * here: the SI codec must see the two values Spark sends in a stream-method field (COMPAT).
   */
  values: string[];
  /** Only meaningful for list-single / list-multi. */
  options: DataFormOption[];
}

export interface DataForm {
  type: DataFormType;
  title?: string;
  instructions?: string[];
  fields: DataFormField[];
}

function isFormType(value: string): value is DataFormType {
  return (DATA_FORM_TYPES as readonly string[]).includes(value);
}

function isFieldType(value: string): value is FieldType {
  return (FIELD_TYPES as readonly string[]).includes(value);
}

export function encodeDataForm(form: DataForm): Element {
  return xml(
    'x',
    { xmlns: NS.DATA_FORMS, type: form.type },
    form.title !== undefined && xml('title', null, form.title),
    (form.instructions ?? []).map((line) => xml('instructions', null, line)),
    form.fields.map(encodeField),
  );
}

function encodeField(field: DataFormField): Element {
  return xml(
    'field',
    { var: field.var, type: field.type, label: field.label },
    field.desc !== undefined && xml('desc', null, field.desc),
    field.required === true && xml('required'),
    field.values.map((value) => xml('value', null, value)),
    field.options.map((option) => xml('option', { label: option.label }, xml('value', null, option.value))),
  );
}

export function decodeDataForm(x: Element): DataForm {
  expectElement(x, 'x', NS.DATA_FORMS);
  const type = attr(x, 'type');
  if (type === undefined || !isFormType(type)) {
    throw malformed(`data form type must be one of ${DATA_FORM_TYPES.join('/')}, got '${type ?? ''}'`);
  }
  const form: DataForm = { type, fields: [] };
  const instructions: string[] = [];
  for (const child of x.getChildElements()) {
    if (child.is('field', NS.DATA_FORMS)) form.fields.push(decodeField(child));
    else if (child.is('title', NS.DATA_FORMS)) form.title = child.getText();
    else if (child.is('instructions', NS.DATA_FORMS)) instructions.push(child.getText());
  }
  if (instructions.length > 0) form.instructions = instructions;
  return form;
}

function decodeField(element: Element): DataFormField {
  const field: DataFormField = { values: [], options: [] };
  const rawType = attr(element, 'type');
  // XEP-0004 §3.3: an unknown type "MUST be assumed" to be text-single, so it is not an error.
  if (rawType !== undefined) field.type = isFieldType(rawType) ? rawType : 'text-single';
  const name = attr(element, 'var');
  if (name !== undefined && name !== '') field.var = name;
  else if (field.type !== 'fixed') throw malformed("a data form <field/> is missing its 'var'");
  const label = attr(element, 'label');
  if (label !== undefined) field.label = label;
  for (const child of element.getChildElements()) {
    if (child.is('value', NS.DATA_FORMS)) field.values.push(child.getText());
    else if (child.is('option', NS.DATA_FORMS)) field.options.push(decodeOption(child, field.var));
    else if (child.is('desc', NS.DATA_FORMS)) field.desc = child.getText();
    else if (child.is('required', NS.DATA_FORMS)) field.required = true;
  }
  return field;
}

function decodeOption(element: Element, fieldVar: string | undefined): DataFormOption {
  // XEP-0004 §3.2: an <option/> MUST contain one and only one <value/>.
  const values = element.getChildren('value', NS.DATA_FORMS);
  const value = values[0];
  if (values.length !== 1 || value === undefined) {
    throw malformed(`an <option/> of field '${fieldVar ?? ''}' must hold exactly one <value/>`);
  }
  const option: DataFormOption = { value: value.getText() };
  const label = attr(element, 'label');
  if (label !== undefined) option.label = label;
  return option;
}

/** The field named `name`, if the form has one. */
export function findField(form: DataForm, name: string): DataFormField | undefined {
  return form.fields.find((field) => field.var === name);
}

/** XEP-0068: the hidden FORM_TYPE field that says which registered form this is. */
export function formType(form: DataForm): string | undefined {
  return findField(form, 'FORM_TYPE')?.values[0];
}
