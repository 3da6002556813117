// Request bodies of the kinds a consumed operation may declare (`body: {type, data}`), each sent
// with its own encoding and media type. The reference engine sends the JSON text for form and
// multipart bodies; these send what the media type means.
import { XMLBuilder } from 'fast-xml-parser';

export type BodyKind = 'json' | 'text' | 'xml' | 'formUrlEncoded' | 'multipartForm' | 'sparql';

export interface EncodedBody {
  body: string;
  contentType: string;
}

const scalar = (value: unknown): string =>
  value === null || value === undefined
    ? ''
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** Field pairs of a form: an array value repeats its field, as HTML forms do. */
function fields(data: unknown): [string, string][] {
  if (data === null || data === undefined) return [];
  if (typeof data !== 'object' || Array.isArray(data))
    throw new TypeError('a form body needs an object of fields');
  return Object.entries(data as Record<string, unknown>).flatMap(([name, value]) =>
    value === undefined
      ? []
      : Array.isArray(value)
        ? value.map((v): [string, string] => [name, scalar(v)])
        : [[name, scalar(value)]],
  );
}

const xmlBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: false });

export async function encodeBody(kind: BodyKind, data: unknown): Promise<EncodedBody> {
  switch (kind) {
    case 'json':
      return { body: JSON.stringify(data ?? null), contentType: 'application/json' };
    case 'text':
      return { body: scalar(data), contentType: 'text/plain; charset=utf-8' };
    case 'sparql':
      return { body: scalar(data), contentType: 'application/sparql-query' };
    case 'xml':
      // A string is the document as written; an object is turned into elements (`@x`: attribute).
      return {
        body: typeof data === 'string' ? data : xmlBuilder.build(data ?? {}),
        contentType: 'application/xml',
      };
    case 'formUrlEncoded':
      return {
        body: new URLSearchParams(fields(data)).toString(),
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'multipartForm': {
      const form = new FormData();
      for (const [name, value] of fields(data)) form.append(name, value);
      // The platform's own encoder writes the parts and picks the boundary.
      const encoded = new Response(form);
      return {
        body: Buffer.from(await encoded.arrayBuffer()).toString('utf8'),
        contentType: encoded.headers.get('content-type')!,
      };
    }
  }
}
