// Stage 3 (model/): the IR of the seed spec, and binding through `with`, implicit inputs and
// name matching.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { argOf, build, input, petstore, restOp, specText, tool } from '../support/model-spec.js';

describe('the seed spec', () => {
  const text = readFileSync(new URL('../../specs/instance-images.yaml', import.meta.url), 'utf8');
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
