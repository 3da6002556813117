// Stage 3 (model/): the IR built from validated specs. Binding (`with`, implicit inputs, name
// matching), path merging, hints, output mappings, auth and secrets, and environment names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Diagnostic, Reporter } from '../generator/diagnostics.js';
import { parseSpec } from '../generator/load.js';
import { buildModel } from '../generator/model/build.js';
import type { Capability, ExposedInput, McpTool, RestOperation } from '../generator/model/types.js';
import { validate } from '../generator/validate/index.js';
import { lineOf } from './support/text.js';

// ---------------------------------------------------------------------------------------------
// Inline specs

/** Dedents `text` and indents it by `n` spaces; blank lines stay blank. */
function block(text: string, n: number): string {
  const lines = text.replace(/^\n+/, '').replace(/\s+$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return '';
  const min = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return `${lines.map((l) => (l.trim() === '' ? '' : ' '.repeat(n) + l.slice(min))).join('\n')}\n`;
}

/** A capability from its `consumes` and `exposes` lists (and optional root-level YAML). */
function specText(p: { consumes: string; exposes: string; top?: string }): string {
  return [
    'naftiko: 1.0.0-alpha2\n',
    'info:\n  label: Model test\n',
    block(p.top ?? '', 0),
    'capability:\n',
    '  consumes:\n',
    block(p.consumes, 2),
    '  exposes:\n',
    block(p.exposes, 2),
  ].join('');
}

interface Built {
  text: string;
  model: Capability;
  diagnostics: Diagnostic[];
}

function build(text: string, name = 'model-test'): Built {
  const spec = parseSpec('model-test.yaml', text);
  const report = new Reporter(spec.file, spec.locate, false);
  const validation = validate(spec, report);
  const model = buildModel(spec, validation, report, name);
  return { text, model, diagnostics: report.sorted() };
}

const tool = (m: Capability, name: string): McpTool => {
  const t = m.mcp.flatMap((a) => a.tools).find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
};

const restOp = (m: Capability, name: string): RestOperation => {
  const o = m.rest.flatMap((a) => a.paths.flatMap((p) => p.operations)).find((x) => x.name === name);
  if (!o) throw new Error(`no REST operation ${name}`);
  return o;
};

const input = (inputs: ExposedInput[], name: string): ExposedInput | undefined =>
  inputs.find((i) => i.name === name);
const argOf = (call: { args: { param: string; value: unknown }[] }, param: string) =>
  call.args.find((a) => a.param === param)?.value;

/** One consumes entry named `petstore` with the given resources. */
const petstore = (resources: string, extra = '') => `
- type: http
  namespace: petstore
  baseUri: https://pets.example.com
${block(extra, 2)}  resources:
${block(resources, 2)}`;

// ---------------------------------------------------------------------------------------------

describe('the seed spec', () => {
  const text = readFileSync(new URL('../specs/instance-images.yaml', import.meta.url), 'utf8');
  const { model, diagnostics } = build(text, 'instance-images');

  it('builds without diagnostics', () => {
    expect(diagnostics).toEqual([]);
    expect(model.apis.map((a) => a.operations.length)).toEqual([6]);
    expect(model.mcp[0]!.tools).toHaveLength(6);
  });

  it('derives implicit MCP inputs through `with` from the consumed parameters', () => {
    const list = tool(model, 'list-instance-images');
    expect(list.inputs.map((i) => i.name)).toEqual([
      'zone',
      'organization',
      'per_page',
      'page',
      'name',
      'public',
      'arch',
      'project',
      'tags',
    ]);
    expect(input(list.inputs, 'zone')).toEqual({
      name: 'zone',
      in: 'argument',
      type: 'string',
      description: 'The zone you want to target',
      required: true,
      schema: { type: 'string', description: 'The zone you want to target' },
    });
    expect(input(list.inputs, 'per_page')).toMatchObject({
      type: 'integer',
      required: false,
      schema: { type: 'integer' },
    });
    expect(input(list.inputs, 'per_page')!.description).toBeUndefined();
    const create = tool(model, 'create-instance-image');
    expect(input(create.inputs, 'body')).toMatchObject({
      type: 'object',
      required: true,
      description: 'Request body (JSON).',
    });
    // The binding holds the API and operation themselves, not names to look up.
    expect(create.call!.api).toBe(model.apis[0]);
    expect(create.call!.operation).toBe(model.apis[0]!.operations.find((o) => o.ident === 'createimage'));
    expect(create.call!.args).toEqual([
      { param: 'zone', value: { kind: 'input', name: 'zone' } },
      { param: 'body', value: { kind: 'input', name: 'body' } },
    ]);
    expect(create.call!.direct).toBe(true);
  });

  it('derives implicit REST inputs with their locations', () => {
    const list = restOp(model, 'listimages');
    expect(list.inputs.map((i) => `${i.name}:${i.in}:${i.type}:${i.required}`)).toEqual([
      'zone:path:string:true',
      'organization:query:string:false',
      'per_page:query:integer:false',
      'page:query:string:false',
      'name:query:string:false',
      'public:query:string:false',
      'arch:query:string:false',
      'project:query:string:false',
      'tags:query:string:false',
    ]);
    expect(restOp(model, 'createimage').inputs.map((i) => `${i.name}:${i.in}`)).toEqual([
      'zone:path',
      'body:body',
    ]);
  });

  it('matches the exposed {image-id} to image_id and merges it with {id}', () => {
    const paths = model.rest[0]!.paths;
    expect(paths.map((p) => p.template)).toEqual([
      '/v1/instance/v1/zones/{zone}/images',
      '/v1/instance/v1/zones/{zone}/images/{image-id}',
    ]);
    const item = paths[1]!;
    expect(item.route).toBe('/v1/instance/v1/zones/:zone/images/:image_id');
    expect(item.params).toEqual([
      { name: 'zone', routerName: 'zone' },
      { name: 'image-id', routerName: 'image_id' },
    ]);
    expect(item.operations.map((o) => o.method)).toEqual(['PUT', 'GET', 'PATCH', 'DELETE']);
    const get = restOp(model, 'getimage');
    expect(input(get.inputs, 'image-id')).toMatchObject({
      in: 'path',
      required: true,
      description: 'UUID of the image you want to get.',
    });
    expect(input(get.inputs, 'image_id')).toBeUndefined();
    expect(argOf(get.call!, 'image_id')).toEqual({ kind: 'input', name: 'image-id' });
    // setimage was exposed at {id}: its input is renamed to the merged name.
    const set = restOp(model, 'setimage');
    expect(set.inputs.map((i) => i.name)).toEqual(['zone', 'image-id', 'body']);
    expect(argOf(set.call!, 'id')).toEqual({ kind: 'input', name: 'image-id' });
  });

  it('reads the apikey credential from the bind', () => {
    expect(model.apis[0]!.auth).toEqual({
      kind: 'apikey',
      placement: 'header',
      name: 'X-Auth-Token',
      value: { parts: [{ kind: 'secret', variable: 'SCALEWAY_API_KEY' }] },
    });
    expect(model.secrets).toEqual([{ variable: 'SCALEWAY_API_KEY', env: 'SCALEWAY_API_KEY' }]);
    expect(model.apis[0]!.baseUrlEnv).toBe('INSTANCE_IMAGES_BASE_URL');
  });
});

describe('with', () => {
  const consumes = petstore(`
    - name: pet
      path: /pets/{petId}
      operations:
      - name: findpet
        method: GET
        description: Find a pet
        inputParameters:
        - name: petId
          in: path
          type: string
          description: The pet
        - name: q
          in: query
          type: string
        - name: limit
          in: query
          type: integer
        - name: verbose
          in: query
          type: boolean
        - name: tag
          in: query
          type: string
  `);
  const exposes = `
    - type: rest
      namespace: pets-rest
      port: 8080
      resources:
      - path: /pets/{petId}
        operations:
        - method: GET
          name: find-rest
          call: petstore.findpet
          with:
            petId: rest.petId
            q: "{{q}}"
            limit: pets-rest.max
    - type: mcp
      namespace: pets-mcp
      port: 9090
      tools:
      - name: find-pet
        description: Find a pet
        call: petstore.findpet
        with:
          petId: pets-mcp.petId
          q: "name:{{term}} kind:{{kind}}"
          limit: 10
          verbose: true
          tag: dogs
      - name: find-pet-tools
        description: Find a pet
        call: petstore.findpet
        with:
          petId: tools.id
  `;
  const { model, diagnostics } = build(specText({ consumes, exposes }));

  it('builds without diagnostics', () => {
    expect(diagnostics).toEqual([]);
  });

  it('reads `<exposeNamespace>.X`, templates and literals in an MCP tool', () => {
    const t = tool(model, 'find-pet');
    expect(t.call?.args).toEqual([
      { param: 'petId', value: { kind: 'input', name: 'petId' } },
      {
        param: 'q',
        value: {
          kind: 'template',
          template: {
            parts: [
              { kind: 'text', text: 'name:' },
              { kind: 'input', name: 'term' },
              { kind: 'text', text: ' kind:' },
              { kind: 'input', name: 'kind' },
            ],
          },
        },
      },
      { param: 'limit', value: { kind: 'literal', value: 10 } },
      { param: 'verbose', value: { kind: 'literal', value: true } },
      { param: 'tag', value: { kind: 'literal', value: 'dogs' } },
    ]);
    // Literals are not inputs; template holes are string inputs.
    expect(t.inputs.map((i) => i.name)).toEqual(['petId', 'term', 'kind']);
    expect(input(t.inputs, 'petId')).toMatchObject({
      type: 'string',
      required: true,
      description: 'The pet',
    });
    expect(input(t.inputs, 'term')).toMatchObject({ in: 'argument', type: 'string' });
  });

  it('reads `tools.X` with a different input name', () => {
    const t = tool(model, 'find-pet-tools');
    expect(argOf(t.call!, 'petId')).toEqual({ kind: 'input', name: 'id' });
    expect(input(t.inputs, 'id')).toMatchObject({ type: 'string', required: true, description: 'The pet' });
    // Parameters that `with` does not mention take the input of the same name.
    expect(argOf(t.call!, 'limit')).toEqual({ kind: 'input', name: 'limit' });
    expect(input(t.inputs, 'limit')).toMatchObject({ type: 'integer', required: false });
  });

  it('reads `rest.X`, a one-hole template and the adapter namespace in a REST operation', () => {
    const o = restOp(model, 'find-rest');
    expect(argOf(o.call!, 'petId')).toEqual({ kind: 'input', name: 'petId' });
    expect(argOf(o.call!, 'q')).toEqual({ kind: 'input', name: 'q' });
    expect(argOf(o.call!, 'limit')).toEqual({ kind: 'input', name: 'max' });
    expect(input(o.inputs, 'max')).toMatchObject({ in: 'query', type: 'integer', required: false });
    expect(input(o.inputs, 'petId')).toMatchObject({ in: 'path', required: true });
    expect(input(o.inputs, 'verbose')).toMatchObject({ in: 'query', type: 'boolean' });
  });
});

describe('path placeholders', () => {
  it('matches exposed {image-id} to the consumed image_id, with or without `with`', () => {
    const consumes = petstore(`
      - name: image
        path: /images/{image_id}
        operations:
        - name: getimage
          method: GET
          inputParameters:
          - name: image_id
            in: path
            type: string
            description: The image
        - name: deleteimage
          method: DELETE
          inputParameters:
          - name: image_id
            in: path
            type: string
    `);
    const exposes = `
      - type: rest
        namespace: images-rest
        resources:
        - path: /images/{image-id}
          operations:
          - method: GET
            name: get
            call: petstore.getimage
            with:
              image_id: rest.image_id
          - method: DELETE
            name: delete
            call: petstore.deleteimage
    `;
    const { model, diagnostics } = build(specText({ consumes, exposes }));
    expect(diagnostics).toEqual([]);
    for (const name of ['get', 'delete']) {
      const o = restOp(model, name);
      expect(o.inputs.map((i) => `${i.name}:${i.in}:${i.required}`)).toEqual(['image-id:path:true']);
      expect(o.call?.args).toEqual([{ param: 'image_id', value: { kind: 'input', name: 'image-id' } }]);
    }
    expect(model.rest[0]!.paths[0]).toMatchObject({
      template: '/images/{image-id}',
      route: '/images/:image_id',
    });
  });

  it('merges equivalent paths under the majority name with identifier-safe router names', () => {
    const consumes = petstore(`
      - name: item
        path: /items/{id}
        operations:
        - name: getitem
          method: GET
          inputParameters:
          - {name: id, in: path}
        - name: putitem
          method: PUT
          inputParameters:
          - {name: id, in: path}
        - name: deleteitem
          method: DELETE
          inputParameters:
          - {name: id, in: path}
    `);
    const exposes = `
      - type: rest
        namespace: items-rest
        resources:
        - path: /items/{id}
          operations:
          - method: GET
            name: get
            call: petstore.getitem
        - path: /items/{item-id}
          operations:
          - method: PUT
            name: put
            call: petstore.putitem
            with:
              id: rest.item-id
          - method: DELETE
            name: delete
            call: petstore.deleteitem
            with:
              id: rest.item-id
        - path: /other/{a.b}/{1st}
          operations:
          - method: GET
            name: other
            call: petstore.getitem
            with:
              id: rest.a.b
    `;
    const { model } = build(specText({ consumes, exposes }));
    const paths = model.rest[0]!.paths;
    expect(paths.map((p) => p.template)).toEqual(['/items/{item-id}', '/other/{a.b}/{1st}']);
    const items = paths[0]!;
    expect(items.route).toBe('/items/:item_id');
    expect(items.params).toEqual([{ name: 'item-id', routerName: 'item_id' }]);
    expect(items.operations.map((o) => `${o.method} ${o.name}`)).toEqual([
      'GET get',
      'PUT put',
      'DELETE delete',
    ]);
    // The minority spelling is renamed everywhere: its input and its call argument.
    const get = restOp(model, 'get');
    expect(get.inputs.map((i) => `${i.name}:${i.in}`)).toEqual(['item-id:path']);
    expect(get.call?.args).toEqual([{ param: 'id', value: { kind: 'input', name: 'item-id' } }]);
    for (const p of paths.flatMap((x) => x.params)) expect(p.routerName).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    expect(paths[1]!.params.map((p) => p.routerName)).toEqual(['a_b', '_1st']);
    expect(paths[1]!.route).toBe('/other/:a_b/:_1st');
  });

  it('keeps the first spelling on a tie', () => {
    const consumes = petstore(`
      - name: item
        path: /items/{id}
        operations:
        - {name: getitem, method: GET, inputParameters: [{name: id, in: path}]}
        - {name: putitem, method: PUT, inputParameters: [{name: id, in: path}]}
    `);
    const exposes = `
      - type: rest
        namespace: items-rest
        resources:
        - path: /items/{itemId}
          operations:
          - {method: GET, name: get, call: petstore.getitem, with: {id: rest.itemId}}
        - path: /items/{key}
          operations:
          - {method: PUT, name: put, call: petstore.putitem, with: {id: rest.key}}
    `;
    const { model } = build(specText({ consumes, exposes }));
    expect(model.rest[0]!.paths.map((p) => p.template)).toEqual(['/items/{itemId}']);
    expect(argOf(restOp(model, 'put').call!, 'id')).toEqual({ kind: 'input', name: 'itemId' });
  });

  it('turns an undeclared consumed placeholder into a required path parameter, with a warning', () => {
    const consumes = petstore(`
      - name: toy
        path: /pets/{petId}/toys/{toyId}
        operations:
        - name: gettoy
          method: GET
          inputParameters:
          - {name: petId, in: path}
    `);
    const exposes = `
      - type: mcp
        namespace: toys-mcp
        tools:
        - name: get-toy
          description: Get a toy
          call: petstore.gettoy
    `;
    const text = specText({ consumes, exposes });
    const { model, diagnostics } = build(text);
    const warnings = diagnostics.filter((d) => d.code === 'path-placeholder-undeclared');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      severity: 'warning',
      line: lineOf(text, 'path: /pets/{petId}/toys/{toyId}'),
    });
    expect(warnings[0]!.message).toContain('{toyId}');
    const op = model.apis[0]!.operations[0]!;
    expect(op.params.find((p) => p.name === 'toyId')).toMatchObject({
      in: 'path',
      type: 'string',
      required: true,
    });
    expect(op.path).toEqual([
      { kind: 'text', text: '/pets/' },
      { kind: 'param', name: 'petId' },
      { kind: 'text', text: '/toys/' },
      { kind: 'param', name: 'toyId' },
    ]);
    expect(input(tool(model, 'get-toy').inputs, 'toyId')).toMatchObject({ type: 'string', required: true });
  });

  it('sends `with` keys the operation does not declare as query parameters, with a warning', () => {
    const consumes = petstore(`
      - name: pets
        path: /pets
        operations:
        - name: listpets
          method: GET
          inputParameters:
          - {name: limit, in: query, type: integer}
    `);
    const exposes = `
      - type: mcp
        namespace: pets-mcp
        tools:
        - name: list-pets
          description: List pets
          call: petstore.listpets
          with:
            limit: 5
            sort: tools.order
    `;
    const text = specText({ consumes, exposes });
    const { model, diagnostics } = build(text);
    const warnings = diagnostics.filter((d) => d.code === 'with-unknown-param');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ severity: 'warning', line: lineOf(text, 'sort: tools.order') });
    expect(warnings[0]!.message).toContain('"sort" is not a parameter of petstore.listpets');
    const op = model.apis[0]!.operations[0]!;
    expect(op.params.find((p) => p.name === 'sort')).toMatchObject({
      in: 'query',
      type: 'string',
      required: false,
    });
    const t = tool(model, 'list-pets');
    expect(argOf(t.call!, 'sort')).toEqual({ kind: 'input', name: 'order' });
    expect(argOf(t.call!, 'limit')).toEqual({ kind: 'literal', value: 5 });
  });
});

describe('hints', () => {
  const consumes = petstore(`
    - name: things
      path: /things
      operations:
      - {name: getthing, method: GET}
      - {name: postthing, method: POST}
      - {name: putthing, method: PUT}
      - {name: patchthing, method: PATCH}
      - {name: deletething, method: DELETE}
  `);
  const exposes = `
    - type: mcp
      namespace: things-mcp
      tools:
      - {name: get, description: g, call: petstore.getthing}
      - {name: post, description: p, call: petstore.postthing}
      - {name: put, description: u, call: petstore.putthing}
      - {name: patch, description: a, call: petstore.patchthing}
      - {name: delete, description: d, call: petstore.deletething}
      - name: delete-soft
        description: soft delete
        call: petstore.deletething
        hints: {destructive: false, openWorld: false}
      - name: post-readonly
        description: a search over POST
        call: petstore.postthing
        hints: {readOnly: true}
      - name: get-explicit
        description: explicit everything
        call: petstore.getthing
        hints: {readOnly: false, destructive: true, idempotent: false, openWorld: true}
  `;
  const { model } = build(specText({ consumes, exposes }));
  const hints = (name: string) => {
    const a = tool(model, name).annotations;
    return [a.readOnlyHint, a.destructiveHint, a.idempotentHint, a.openWorldHint];
  };

  it('derives missing hints from the verb', () => {
    //                      readOnly destructive idempotent openWorld
    expect(hints('get')).toEqual([true, false, true, true]);
    expect(hints('post')).toEqual([false, false, false, true]);
    expect(hints('put')).toEqual([false, true, true, true]);
    expect(hints('patch')).toEqual([false, true, false, true]);
    expect(hints('delete')).toEqual([false, true, true, true]);
  });

  it('lets explicit hints win, and derives the rest', () => {
    expect(hints('delete-soft')).toEqual([false, false, true, false]);
    // A read-only tool is neither destructive nor non-idempotent, whatever its verb.
    expect(hints('post-readonly')).toEqual([true, false, true, true]);
    expect(hints('get-explicit')).toEqual([false, true, false, true]);
  });
});

describe('output mapping', () => {
  const consumes = petstore(`
    - name: pets
      path: /pets
      operations:
      - {name: listpets, method: GET}
  `);
  const exposes = `
    - type: mcp
      namespace: pets-mcp
      tools:
      - name: root
        description: r
        call: petstore.listpets
        outputParameters:
        - {type: object, mapping: $.}
      - name: root-value
        description: r
        call: petstore.listpets
        outputParameters:
        - {name: result, type: object, value: $.}
      - name: none
        description: n
        call: petstore.listpets
      - name: object
        description: o
        call: petstore.listpets
        outputParameters:
        - type: object
          mapping: $.data
          properties:
            id: {type: string, mapping: $.id}
            count: {type: integer, mapping: $.meta.count}
            kind: {type: string, value: pet}
      - name: array
        description: a
        call: petstore.listpets
        outputParameters:
        - type: array
          mapping: $.items
          items:
            type: object
            properties:
              name: {type: string, mapping: $.name}
      - name: scalar
        description: s
        call: petstore.listpets
        outputParameters:
        - {type: string, mapping: "$.items[0].name"}
  `;
  const { model, diagnostics } = build(specText({ consumes, exposes }));

  it('passes `$.` (and no mapping) through', () => {
    expect(diagnostics).toEqual([]);
    expect(tool(model, 'root').output).toEqual({ kind: 'passthrough' });
    expect(tool(model, 'root-value').output).toEqual({ kind: 'passthrough' });
    expect(tool(model, 'none').output).toEqual({ kind: 'passthrough' });
  });

  it('maps properties into an object shape', () => {
    expect(tool(model, 'object').output).toEqual({
      kind: 'mapped',
      shape: {
        kind: 'object',
        path: '$.data',
        properties: [
          { name: 'id', shape: { kind: 'value', path: '$.id', type: 'string' } },
          { name: 'count', shape: { kind: 'value', path: '$.meta.count', type: 'integer' } },
          { name: 'kind', shape: { kind: 'const', value: { parts: [{ kind: 'text', text: 'pet' }] } } },
        ],
      },
    });
  });

  it('maps items into an array shape', () => {
    expect(tool(model, 'array').output).toEqual({
      kind: 'mapped',
      shape: {
        kind: 'array',
        path: '$.items',
        items: {
          kind: 'object',
          properties: [{ name: 'name', shape: { kind: 'value', path: '$.name', type: 'string' } }],
        },
      },
    });
  });

  it('maps a single JSONPath value', () => {
    expect(tool(model, 'scalar').output).toEqual({
      kind: 'mapped',
      shape: { kind: 'value', path: '$.items[0].name', type: 'string' },
    });
  });
});

describe('auth and secrets', () => {
  const top = `
    binds:
    - namespace: creds
      keys:
        PET_KEY: PETSTORE_API_KEY
        PET_TOKEN: PETSTORE_TOKEN
        PET_USER: PETSTORE_USER
        PET_PASS: PETSTORE_PASSWORD
  `;
  const entry = (namespace: string, auth: string) => `
    - type: http
      namespace: ${namespace}
      baseUri: https://${namespace}.example.com
      authentication:
${block(auth, 8)}      resources:
      - name: r
        path: /r
        operations:
        - {name: op, method: GET}
  `;
  const consumes = [
    entry('key-header', 'type: apikey\nkey: X-Api-Key\nvalue: "{{env.PET_KEY}}"\nplacement: header'),
    entry('key-query', 'type: apikey\nkey: api_key\nvalue: "{{PET_KEY}}"\nplacement: query'),
    entry('bearer-api', 'type: bearer\ntoken: "{{creds.PET_TOKEN}}"'),
    entry('basic-api', 'type: basic\nusername: "{{PET_USER}}"\npassword: "{{creds.PET_PASS}}"'),
  ]
    .map((e) => block(e, 0))
    .join('');
  const exposes = `
    - type: mcp
      namespace: auth-mcp
      tools:
      - {name: a, description: a, call: key-header.op}
      - {name: b, description: b, call: key-query.op}
      - {name: c, description: c, call: bearer-api.op}
      - {name: d, description: d, call: basic-api.op}
  `;
  const { model, diagnostics } = build(specText({ consumes, exposes, top }));
  const secret = (variable: string) => ({ parts: [{ kind: 'secret', variable }] });

  it('builds every auth kind', () => {
    expect(diagnostics).toEqual([]);
    expect(model.apis.map((a) => a.auth)).toEqual([
      { kind: 'apikey', placement: 'header', name: 'X-Api-Key', value: secret('PET_KEY') },
      { kind: 'apikey', placement: 'query', name: 'api_key', value: secret('PET_KEY') },
      { kind: 'bearer', token: secret('PET_TOKEN') },
      { kind: 'basic', username: secret('PET_USER'), password: secret('PET_PASS') },
    ]);
  });

  it('resolves {{env.X}}, {{X}} and {{<bindNs>.X}} to the bind environment variable', () => {
    expect(model.secrets).toEqual([
      { variable: 'PET_KEY', env: 'PETSTORE_API_KEY' },
      { variable: 'PET_TOKEN', env: 'PETSTORE_TOKEN' },
      { variable: 'PET_USER', env: 'PETSTORE_USER' },
      { variable: 'PET_PASS', env: 'PETSTORE_PASSWORD' },
    ]);
    const secrets = model.env.filter((e) => e.secret).map((e) => e.name);
    expect(secrets).toEqual(['PETSTORE_API_KEY', 'PETSTORE_TOKEN', 'PETSTORE_USER', 'PETSTORE_PASSWORD']);
    // Bind variable names are not environment variables themselves.
    expect(model.env.map((e) => e.name)).not.toContain('PET_KEY');
  });

  it('reads an undeclared {{X}} from the environment variable X, with a warning', () => {
    const text = specText({
      consumes: entry('solo', 'type: bearer\ntoken: "{{OTHER_TOKEN}}"'),
      exposes: `
        - type: mcp
          namespace: solo-mcp
          tools:
          - {name: a, description: a, call: solo.op}
      `,
    });
    const { model: m, diagnostics: d } = build(text);
    expect(m.secrets).toEqual([{ variable: 'OTHER_TOKEN', env: 'OTHER_TOKEN' }]);
    expect(d.map((x) => x.code)).toEqual(['bind-undeclared']);
    expect(m.env).toContainEqual({
      name: 'OTHER_TOKEN',
      purpose: 'credential the spec reads as `{{OTHER_TOKEN}}`',
      secret: true,
    });
  });
});

describe('environment names', () => {
  it('names the base URL variable <NAMESPACE>_BASE_URL in upper snake case', () => {
    const consumes = `
      - type: http
        namespace: petStore.v2-api
        baseUri: https://pets.example.com/
        resources:
        - {name: r, path: /r, operations: [{name: op, method: GET}]}
    `;
    const exposes = `
      - type: rest
        namespace: pet-store-rest
        port: 8181
        resources:
        - path: /r
          operations:
          - {method: GET, name: op, call: petStore.v2-api.op}
      - type: mcp
        namespace: petStoreMcp
        tools:
        - {name: op, description: op, call: petStore.v2-api.op}
    `;
    const { model } = build(specText({ consumes, exposes }));
    const api = model.apis[0]!;
    expect(api.baseUrlEnv).toBe('PET_STORE_V2_API_BASE_URL');
    expect(api.timeoutEnv).toBe('PET_STORE_V2_API_TIMEOUT_MS');
    expect(api.baseUri).toEqual({ parts: [{ kind: 'text', text: 'https://pets.example.com' }] });
    expect(model.env.map((e) => e.name)).toEqual([
      'PET_STORE_V2_API_BASE_URL',
      'PET_STORE_V2_API_TIMEOUT_MS',
      'PET_STORE_V2_API_MAX_RESPONSE_BYTES',
      'PET_STORE_V2_API_RETRY_AFTER_MAX_MS',
      'PET_STORE_REST_PORT',
      'PET_STORE_MCP_PORT',
    ]);
    expect(model.rest[0]!.port).toBe(8181);
    expect(model.mcp[0]!.port).toBe(9090);
  });
});

describe('aggregates and ref', () => {
  const consumes = petstore(`
    - name: pet
      path: /pets/{petId}
      operations:
      - name: getpet
        method: GET
      - name: deletepet
        method: DELETE
    - name: pets
      path: /pets
      operations:
      - name: listpets
        method: GET
  `);
  const aggregates = `
    aggregates:
    - label: Pets
      namespace: pet-fns
      functions:
      - name: fetch-pet
        description: Fetch one pet
        semantics:
          safe: true
        inputParameters:
        - name: petId
          type: string
          description: The pet
        call: petstore.getpet
        outputParameters:
        - type: object
          properties:
            name:
              type: string
              mapping: $.name[?(@.x)]
      - name: remove-pet
        description: Remove a pet
        semantics:
          safe: false
        call: petstore.deletepet
  `;
  const withAggregates = (exposes: string) =>
    specText({ consumes, exposes, top: '' }).replace('  exposes:\n', `${block(aggregates, 2)}  exposes:\n`);

  it("keeps a unit's own call over the function's, inheriting only its description and hints", () => {
    const { model } = build(
      withAggregates(`
        - type: mcp
          namespace: pets-mcp
          port: 9090
          tools:
          - name: all-pets
            ref: pet-fns.fetch-pet
            call: petstore.listpets
      `),
    );
    const t = tool(model, 'all-pets');
    expect(t.call!.operation.name).toBe('listpets');
    expect(t.description).toBe('Fetch one pet');
    expect(t.inputs.map((i) => i.name)).toEqual(['petId']);
    expect(t.output).toEqual({ kind: 'passthrough' });
    expect(t.ref).toBe('pet-fns.fetch-pet');
  });

  it('names a REST operation after its function, and takes unset hints from the verb after semantics', () => {
    const { model } = build(
      withAggregates(`
        - type: rest
          namespace: pets-rest
          port: 8080
          resources:
          - path: /pets/{petId}
            operations:
            - method: DELETE
              ref: pet-fns.remove-pet
        - type: mcp
          namespace: pets-mcp
          port: 9090
          tools:
          - ref: pet-fns.remove-pet
      `),
    );
    const op = restOp(model, 'remove-pet');
    expect([op.ident, op.description, op.call!.operation.name]).toEqual([
      'removePet',
      'Remove a pet',
      'deletepet',
    ]);
    expect(op.inputs).toMatchObject([{ name: 'petId', in: 'path', required: true }]);
    // safe: false says readOnly false; destructive and idempotent are DELETE's.
    expect(tool(model, 'remove-pet').annotations).toEqual({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: true,
    });
  });

  it("locates a warning about the function's own fields in the function", () => {
    const text = withAggregates(`
      - type: mcp
        namespace: pets-mcp
        port: 9090
        tools:
        - name: one-pet
          ref: pet-fns.fetch-pet
    `);
    const { diagnostics } = build(text);
    // The tool has no outputParameters: the warning points at the function's.
    const mapping = diagnostics.filter((d) => d.code === 'mapping');
    expect(mapping.map((d) => d.line)).toEqual([lineOf(text, 'outputParameters:')]);
    expect(lineOf(text, 'outputParameters:')).toBeLessThan(lineOf(text, 'exposes:'));
  });
});
