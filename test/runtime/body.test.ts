// Request body kinds (runtime/body.ts): each is read back by a decoder for its media type.
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { encodeBody } from '../../runtime/body.js';

describe('request body kinds', () => {
  it('json and text', async () => {
    expect(await encodeBody('json', { a: [1, 'x'] })).toEqual({
      body: '{"a":[1,"x"]}',
      contentType: 'application/json',
    });
    expect(await encodeBody('text', 'hello {world}')).toEqual({
      body: 'hello {world}',
      contentType: 'text/plain; charset=utf-8',
    });
  });

  it('formUrlEncoded: fields percent-encoded, arrays repeated, read back by URLSearchParams', async () => {
    const { body, contentType } = await encodeBody('formUrlEncoded', { q: 'a&b=c é', tag: ['x', 'y'], n: 3 });
    expect(contentType).toBe('application/x-www-form-urlencoded');
    const back = new URLSearchParams(body);
    expect(back.get('q')).toBe('a&b=c é');
    expect(back.getAll('tag')).toEqual(['x', 'y']);
    expect(back.get('n')).toBe('3');
  });

  it('multipartForm: a boundary in the media type, parts read back by the platform decoder', async () => {
    const { body, contentType } = await encodeBody('multipartForm', {
      title: 'Report "Q3"',
      note: 'line1\nline2',
    });
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    expect(form.get('title')).toBe('Report "Q3"');
    // multipart/form-data carries line breaks as CRLF (the HTML form encoding rule).
    expect(form.get('note')).toBe('line1\r\nline2');
  });

  it('xml: a string as written, an object as elements with @attributes, read back by a parser', async () => {
    expect((await encodeBody('xml', '<a>1</a>')).body).toBe('<a>1</a>');
    const { body, contentType } = await encodeBody('xml', { order: { '@id': '7', item: ['x', 'y'] } });
    expect(contentType).toBe('application/xml');
    const back = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(body);
    expect(back).toEqual({ order: { '@id': '7', item: ['x', 'y'] } });
  });

  it('sparql is sent as a query document', async () => {
    expect(await encodeBody('sparql', 'SELECT * WHERE { ?s ?p ?o }')).toEqual({
      body: 'SELECT * WHERE { ?s ?p ?o }',
      contentType: 'application/sparql-query',
    });
  });

  it('refuses a form body that is not an object of fields', async () => {
    await expect(encodeBody('formUrlEncoded', 'a=b')).rejects.toThrow(/object of fields/);
  });
});
