// How the model reads `body: {type, data}` (docs/dialect.md, Request bodies): the kind and media
// type it decides, the spellings it reads as alpha2 types, and the located `body-type` warning
// of the types it still sends as JSON text.
import { describe, expect, it } from 'vitest';
import { generateText } from '../generator/pipeline.js';

/** A spec with one consumed POST operation of this body, called by one tool. */
const spec = (body: string, auth = '') => `naftiko: 1.0.0-alpha2
info:
  label: Bodies
  description: One body.
capability:
  consumes:
    - type: http
      namespace: up
      baseUri: https://up.example.test
${auth}      resources:
        - name: things
          path: /things
          operations:
            - name: send
              method: POST
              body:
${body.replace(/^/gm, '                ')}
  exposes:
    - type: mcp
      namespace: tools
      port: 3000
      tools:
        - name: send
          description: Send it
          call: up.send
`;

async function read(body: string, auth?: string) {
  const generated = await generateText('bodies.yaml', spec(body, auth));
  const op = generated.model.apis[0]!.operations[0]!;
  const warnings = generated.diagnostics
    .filter((d) => d.code === 'body-type')
    .map((d) => `${d.line}:${d.col} ${d.message}`);
  const secrets = generated.model.apis[0]!.secrets.map((x) => x.variable);
  return { body: op.body, params: op.params.map((p) => [p.name, p.in, p.type]), warnings, secrets };
}

describe('body types in the model', () => {
  it('xml: escaped text as application/xml, no warning', async () => {
    const r = await read("type: xml\ndata: '<a>{{x}}</a>'");
    expect(r.body).toEqual({
      kind: 'text',
      contentType: 'application/xml',
      escape: 'xml',
      text: {
        parts: [
          { kind: 'text', text: '<a>' },
          { kind: 'input', name: 'x' },
          { kind: 'text', text: '</a>' },
        ],
      },
    });
    expect(r.params).toEqual([['x', 'body', 'string']]);
    expect(r.warnings).toEqual([]);
  });

  it('formUrlEncoded as a string: placeholders form-encoded', async () => {
    const r = await read("type: formUrlEncoded\ndata: 'a=1&b={{b}}'");
    expect(r.body).toMatchObject({
      kind: 'text',
      contentType: 'application/x-www-form-urlencoded',
      escape: 'form',
    });
    expect(r.warnings).toEqual([]);
  });

  it('multipartForm parts keep their file name and media type', async () => {
    const r = await read(
      "type: multipartForm\ndata:\n  - {name: doc, value: '{{doc}}', filename: a.txt, contentType: text/plain}\n  - {value: orphan}",
    );
    expect(r.body).toEqual({
      kind: 'multipart',
      parts: [
        {
          name: 'doc',
          value: { parts: [{ kind: 'input', name: 'doc' }] },
          filename: { parts: [{ kind: 'text', text: 'a.txt' }] },
          contentType: { parts: [{ kind: 'text', text: 'text/plain' }] },
        },
      ],
    });
    // The part without a name is left out, and the warning points at it.
    expect(r.warnings).toEqual(['20:21 a multipart part needs a `name`; it is left out']);
  });

  it('reads `form` and `multipart` as the alpha2 types, with a located warning', async () => {
    const form = await read("type: form\ndata:\n  code: '{{code}}'");
    expect(form.body).toEqual({
      kind: 'form',
      fields: [{ name: 'code', value: { parts: [{ kind: 'input', name: 'code' }] } }],
    });
    expect(form.warnings).toEqual(['17:23 body type "form" is not alpha2; it is sent as formUrlEncoded']);
    const multipart = await read("type: multipart\ndata:\n  prompt: '{{prompt}}'");
    expect(multipart.body).toEqual({
      kind: 'multipart',
      parts: [{ name: 'prompt', value: { parts: [{ kind: 'input', name: 'prompt' }] } }],
    });
    expect(multipart.warnings).toEqual([
      '17:23 body type "multipart" is not alpha2; it is sent as multipartForm',
    ]);
  });

  it('an apikey placed in the body is one more form field', async () => {
    const auth =
      "      authentication:\n        type: apikey\n        key: api_key\n        value: '{{UP_KEY}}'\n        placement: body\n";
    const r = await read("type: formUrlEncoded\ndata:\n  q: '{{q}}'", auth);
    expect(r.body).toEqual({
      kind: 'form',
      fields: [
        { name: 'q', value: { parts: [{ kind: 'input', name: 'q' }] } },
        { name: 'api_key', value: { parts: [{ kind: 'secret', variable: 'UP_KEY' }] } },
      ],
    });
    expect(r.secrets).toEqual(['UP_KEY']);
  });

  it('a type alpha2 does not define is sent as JSON text with a located warning', async () => {
    const r = await read("type: binary\ndata:\n  content: '{{data}}'");
    expect(r.body).toMatchObject({ kind: 'text', contentType: 'application/json' });
    expect(r.warnings).toEqual([
      '17:23 body type "binary" is not alpha2; its data is sent as application/json text',
    ]);
  });
});
