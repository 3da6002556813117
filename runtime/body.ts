// Request bodies of the non-JSON kinds a consumed operation may declare (`body: {type, data}`),
// each sent with its own encoding and media type. The reference engine sends the JSON text for
// form and multipart bodies; these send what the media type means.
// undici's own FormData, not the global one: the client that sends it (http.ts) is undici's Pool.
import { FormData } from 'undici';

/** What a form field or part is given: a single placeholder passes its input's value as it is. */
type FieldValue = unknown;

const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The text of one value: an object or array as JSON (a form field cannot nest), nothing for an
 * absent value.
 */
const scalar = (value: unknown): string =>
  value === null || value === undefined
    ? ''
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/**
 * A field's values: an absent value sends no field, an array one field per item (as HTML forms
 * repeat a multi-valued field), anything else one field.
 */
function values(value: FieldValue): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(scalar) : [scalar(value)];
}

/** An application/x-www-form-urlencoded body; URLSearchParams does the percent-encoding. */
export function formBody(fields: [string, FieldValue][]): { body: string; contentType: string } {
  const form = new URLSearchParams();
  for (const [name, value] of fields) for (const v of values(value)) form.append(name, v);
  return { body: form.toString(), contentType: FORM_TYPE };
}

/** A value placed inside a pre-encoded form string (`a=1&b={{x}}`): encoded as one field value. */
export function formText(value: unknown): string {
  // URLSearchParams writes `=v` for an empty name: the encoded value is what follows the `=`.
  return new URLSearchParams([['', scalar(value)]]).toString().slice(1);
}

/** A value placed inside an XML document: text that can never open or close markup. */
export function xmlText(value: unknown): string {
  return scalar(value).replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** One part of a multipart/form-data body; a `filename` makes it a file upload. */
export interface FormPart {
  name: string;
  value: FieldValue;
  filename?: string;
  contentType?: string;
}

/**
 * A multipart/form-data body. The HTTP client writes the parts and picks the boundary (its
 * FormData encoder sets the content type with it). A file part's value is its content as text.
 */
export function multipartBody(parts: FormPart[]): FormData {
  const form = new FormData();
  for (const part of parts) {
    for (const v of values(part.value)) {
      if (part.filename === undefined && part.contentType === undefined) form.append(part.name, v);
      else
        form.append(
          part.name,
          new Blob([v], { type: part.contentType ?? 'application/octet-stream' }),
          part.filename ?? part.name,
        );
    }
  }
  return form;
}
