// Stage 2 (validate/): calls and forwards resolve, names are unique.
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../generator/model/build.js';
import { block, lineOf } from '../support/text.js';
import {
  colOf,
  REST,
  REST_GET,
  REST_LIST,
  run,
  specText,
  TOOL_GET,
  TOOL_LIST,
  TOOLS,
  withCode,
} from '../support/validate-spec.js';

describe('calls', () => {
  it('warns and skips a call to an unknown namespace', () => {
    const text = specText({ tools: TOOLS.replace('call: petstore.getpet', 'call: petshop.getpet') });
    const r = run(text);
    const [d, ...others] = withCode(r, 'call-unresolved');
    expect(others).toEqual([]);
    expect(d!.severity).toBe('warning');
    expect(d!.message).toBe(
      'call "petshop.getpet" names no consumes namespace of this capability; did you mean "petstore.getpet"?; this tool is skipped',
    );
    const line = lineOf(text, 'call: petshop.getpet');
    expect({ line: d!.line, col: d!.col }).toEqual({ line, col: colOf(text, line, 'petshop') });
    expect(r.validation.skipped.has(TOOL_GET)).toBe(true);
    expect(r.validation.calls.has(TOOL_GET)).toBe(false);
    expect(buildModel(r.spec, r.validation, r.report, 'pets').mcp[0]!.tools.map((t) => t.name)).toEqual([
      'list-pets',
    ]);
  });

  it('warns and skips a call to an unknown operation', () => {
    const text = specText({ rest: REST.replace('call: petstore.getpet', 'call: petstore.fetchpet') });
    const r = run(text);
    const [d] = withCode(r, 'call-unresolved');
    expect(d!.message).toBe(
      'call "petstore.fetchpet": namespace "petstore" has no operation with that name; this REST operation is skipped',
    );
    expect(d!.line).toBe(lineOf(text, 'call: petstore.fetchpet'));
    expect(r.validation.skipped.has(REST_GET)).toBe(true);
    expect(buildModel(r.spec, r.validation, r.report, 'pets').rest[0]!.paths.map((p) => p.template)).toEqual([
      '/pets',
    ]);
  });

  it('resolves the longest namespace when namespaces contain dots', () => {
    const moreConsumes = `
      - type: http
        namespace: petstore.v2
        baseUri: https://v2.pets.example.com
        resources:
        - name: pets
          path: /pets
          operations:
          - name: listpets
            method: GET
    `;
    const r = run(
      specText({
        moreConsumes,
        tools: TOOLS.replace('call: petstore.listpets', 'call: petstore.v2.listpets'),
      }),
    );
    expect(r.report.diagnostics).toEqual([]);
    expect(r.validation.calls.get(TOOL_LIST)?.namespace).toBe('petstore.v2');
    expect(r.validation.calls.get(REST_LIST)?.namespace).toBe('petstore');
  });
});

describe('names', () => {
  it('skips the second of two tools with the same name', () => {
    const text = specText({ tools: TOOLS.replace('name: get-pet', 'name: list-pets') });
    const r = run(text);
    const [d, ...others] = withCode(r, 'duplicate-name');
    expect(others).toEqual([]);
    expect(d!.message).toBe(
      'duplicate tool name "list-pets"; the first tool keeps the name and this one is skipped',
    );
    expect(d!.line).toBe(lineOf(text, 'name: list-pets', lineOf(text, 'tools:') + 2));
    expect(r.validation.skipped).toEqual(new Set([TOOL_GET]));
    const model = buildModel(r.spec, r.validation, r.report, 'pets');
    expect(model.mcp[0]!.tools.map((t) => [t.name, t.call?.operation.name])).toEqual([
      ['list-pets', 'listpets'],
    ]);
  });

  it('skips a tool whose name MCP clients cannot use', () => {
    const r = run(specText({ tools: TOOLS.replace('name: get-pet', 'name: get pet!') }));
    expect(withCode(r, 'tool-name')[0]!.message).toMatch(/tool name "get pet!" must be/);
    expect(r.validation.skipped.has(TOOL_GET)).toBe(true);
  });

  it('warns about a reused consumed operation name and disambiguates calls by description', () => {
    const resources = `
      - name: pets
        path: /pets/{petId}
        operations:
        - name: get
          method: GET
          description: Get a pet
          inputParameters:
          - name: petId
            in: path
      - name: toys
        path: /toys/{toyId}
        operations:
        - name: get
          method: GET
          description: Get a toy
          inputParameters:
          - name: toyId
            in: path
    `;
    const rest = `
      - path: /toys/{toyId}
        operations:
        - method: GET
          call: petstore.get
      - path: /pets/{petId}
        operations:
        - method: GET
          call: petstore.get
    `;
    const tools = `
      - name: get-toy
        description: Get a toy
        call: petstore.get
      - name: get-pet
        description: Get a pet
        call: petstore.get
    `;
    const text = specText({ resources, rest, tools });
    const r = run(text);
    const dup = withCode(r, 'duplicate-name');
    expect(dup).toHaveLength(1);
    expect(dup[0]!.severity).toBe('warning');
    expect(dup[0]!.message).toContain('operation name "get" is used more than once in namespace "petstore"');
    expect(dup[0]!.line).toBe(lineOf(text, 'name: get', lineOf(text, 'name: toys')));
    expect(withCode(r, 'call-ambiguous')).toEqual([]);
    // Tools: by description. REST operations (no description): by the path's tail.
    expect(r.validation.calls.get(TOOL_LIST)?.resourceName).toBe('toys');
    expect(r.validation.calls.get(TOOL_GET)?.resourceName).toBe('pets');
    expect(r.validation.calls.get(REST_LIST)?.resourceName).toBe('toys');
    expect(r.validation.calls.get(REST_GET)?.resourceName).toBe('pets');
    // The model gives the two operations distinct client methods, and each caller the right one.
    const model = buildModel(r.spec, r.validation, r.report, 'pets');
    const idents = model.apis[0]!.operations.map((o) => o.ident);
    expect(new Set(idents).size).toBe(2);
    const toy = model.apis[0]!.operations.find((o) => o.description === 'Get a toy')!;
    const pet = model.apis[0]!.operations.find((o) => o.description === 'Get a pet')!;
    expect(model.mcp[0]!.tools.map((t) => [t.name, t.call?.operation])).toEqual([
      ['get-toy', toy],
      ['get-pet', pet],
    ]);
  });

  it('matches identical callers of reused operations by order, with a warning, when nothing tells them apart', () => {
    const resources = `
      - name: a
        path: /a
        operations:
        - name: get
          method: GET
          description: Same
      - name: b
        path: /b
        operations:
        - name: get
          method: GET
          description: Same
    `;
    const text = specText({
      resources,
      rest: '[]',
      tools:
        '- name: t\n  description: Other\n  call: petstore.get\n- name: u\n  description: Other\n  call: petstore.get\n',
    });
    const r = run(text.replace('    resources:\n    []\n', '    resources: []\n'));
    const [first, second] = withCode(r, 'call-ambiguous');
    expect(first!.message).toMatch(
      /matches 2 operations with the same description and parameters; by order it calls the one at line \d+/,
    );
    expect(second).toBeDefined();
    expect(r.validation.calls.get(TOOL_LIST)?.resourceName).toBe('a');
    expect(r.validation.calls.get(TOOL_LIST.replace(/\/tools\/0$/, '/tools/1'))?.resourceName).toBe('b');
  });
});

describe('forward resources', () => {
  const forwardRest = (forward: string, path = '/proxy/{{path}}') =>
    `${REST}- path: ${path}\n  forward:\n${block(forward, 4)}`;

  it('accepts a forward to a consumed namespace, with no warning', () => {
    const r = run(specText({ rest: forwardRest('targetNamespace: petstore\ntrustedHeaders: [X-Trace]') }));
    expect(r.report.diagnostics).toEqual([]);
    expect(r.validation.skipped).toEqual(new Set());
  });

  it('skips a forward to an unknown namespace at its value, with did you mean', () => {
    const text = specText({ rest: forwardRest('targetNamespace: petstor') });
    const r = run(text);
    const [d] = withCode(r, 'forward');
    expect(d!.message).toMatch(/names no consumed API; the forward is left out; did you mean "petstore"\?/);
    const line = lineOf(text, 'targetNamespace: petstor');
    expect([d!.line, d!.col]).toEqual([line, colOf(text, line, 'petstor')]);
    expect(r.validation.skipped).toEqual(new Set(['exposes/0/resources/2']));
  });

  it('skips a forward whose path has no trailing placeholder, or bad trusted headers', () => {
    const path = run(specText({ rest: forwardRest('targetNamespace: petstore', '/proxy/{{path}}/x') }));
    expect(withCode(path, 'forward')[0]!.message).toMatch(/must end in one placeholder/);
    const headers = run(
      specText({ rest: forwardRest('targetNamespace: petstore\ntrustedHeaders: ["bad header"]') }),
    );
    expect(withCode(headers, 'forward')[0]!.message).toMatch(/trustedHeaders must be a list of header names/);
    expect(headers.validation.skipped).toEqual(new Set(['exposes/0/resources/2']));
  });
});
