// Request body kinds (runtime/body.ts): each is read back by a decoder for its media type.
import { XMLParser } from 'fast-xml-parser';
import { Response as UndiciResponse } from 'undici';
import { describe, expect, it } from 'vitest';
import { formBody, formText, multipartBody, xmlText } from '../../runtime/body.js';

/** The bytes undici writes for a FormData body, read back by Node's own (separate) fetch decoder. */
async function decodeMultipart(form: ReturnType<typeof multipartBody>) {
  const encoded = new UndiciResponse(form);
  const type = encoded.headers.get('content-type')!;
  const bytes = Buffer.from(await encoded.arrayBuffer());
  return { type, bytes, form: await new Response(bytes, { headers: { 'content-type': type } }).formData() };
}

describe('form bodies', () => {
  it('percent-encodes fields, repeats an array, writes an object as JSON and leaves out an absent value', () => {
    const { body, contentType } = formBody([
      ['q', 'a&b=c é+%'],
      ['tag', ['x', 'y']],
      ['n', 3],
      ['filter', { a: 1 }],
      ['missing', undefined],
      ['nothing', null],
      ['empty', ''],
    ]);
    expect(contentType).toBe('application/x-www-form-urlencoded');
    const back = new URLSearchParams(body);
    expect(back.get('q')).toBe('a&b=c é+%');
    expect(back.getAll('tag')).toEqual(['x', 'y']);
    expect(back.get('n')).toBe('3');
    expect(back.get('filter')).toBe('{"a":1}');
    expect(back.has('missing')).toBe(false);
    expect(back.has('nothing')).toBe(false);
    expect(back.get('empty')).toBe('');
    expect([...back.keys()]).toEqual(['q', 'tag', 'tag', 'n', 'filter', 'empty']);
  });

  it('a value inside a pre-encoded form stays one field value', () => {
    const body = `grant_type=password&username=${formText('a&admin=1 b')}&n=${formText(7)}`;
    const back = new URLSearchParams(body);
    expect(back.get('username')).toBe('a&admin=1 b');
    expect(back.has('admin')).toBe(false);
    expect(back.get('n')).toBe('7');
    expect(formText(undefined)).toBe('');
  });
});

describe('xml text', () => {
  it('escapes markup so that a value cannot open or close an element', () => {
    const value = `</name><evil attr="1">&amp;'`;
    const doc = `<order><name>${xmlText(value)}</name><note a="${xmlText('"x" & y')}"/></order>`;
    const back = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(doc) as {
      order: Record<string, unknown>;
    };
    expect(back.order.name).toBe(value);
    expect(back.order.note).toEqual({ '@a': '"x" & y' });
    expect(back.order).not.toHaveProperty('evil');
    expect(xmlText(null)).toBe('');
    expect(xmlText(12)).toBe('12');
  });
});

describe('multipart bodies', () => {
  it('plain fields and a file part, with a boundary chosen by the encoder', async () => {
    const { type, form } = await decodeMultipart(
      multipartBody([
        { name: 'title', value: 'Report "Q3"\r\n--x' },
        { name: 'tag', value: ['a', 'b'] },
        { name: 'skipped', value: undefined },
        { name: 'file', value: 'col1,col2\n1,2\n', filename: 'data.csv', contentType: 'text/csv' },
      ]),
    );
    expect(type).toMatch(/^multipart\/form-data; boundary=\S+$/);
    expect(form.get('title')).toBe('Report "Q3"\r\n--x');
    expect(form.getAll('tag')).toEqual(['a', 'b']);
    expect(form.has('skipped')).toBe(false);
    const file = form.get('file') as File;
    expect(file.name).toBe('data.csv');
    expect(file.type).toBe('text/csv');
    expect(await file.text()).toBe('col1,col2\n1,2\n');
  });

  it('a part with a media type but no file name is a file named after its field', async () => {
    const { form } = await decodeMultipart(
      multipartBody([{ name: 'meta', value: '{"a":1}', contentType: 'application/json' }]),
    );
    const meta = form.get('meta') as File;
    expect(meta.name).toBe('meta');
    expect(meta.type).toBe('application/json');
    expect(await meta.text()).toBe('{"a":1}');
  });
});
