// Stage 3 (model/): path placeholders matched and merged, undeclared ones and extra `with` keys.
import { describe, expect, it } from 'vitest';
import { argOf, build, input, petstore, restOp, specText, tool } from '../support/model-spec.js';
import { lineOf } from '../support/text.js';

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
