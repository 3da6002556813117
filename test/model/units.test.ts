// Stage 3 (model/): hints, output mappings, and units that ref an aggregate function.
import { describe, expect, it } from 'vitest';
import { build, petstore, restOp, specText, tool } from '../support/model-spec.js';
import { block, lineOf } from '../support/text.js';

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
