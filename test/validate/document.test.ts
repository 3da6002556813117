// Stage 2 (validate/): version and kind refusals, the dialect schema confined to units, tolerated
// deviations and --strict.
import { describe, expect, it } from 'vitest';
import { Reporter, SpecError } from '../../generator/diagnostics.js';
import { parseSpec } from '../../generator/load.js';
import { buildModel } from '../../generator/model/build.js';
import { lineOf } from '../support/text.js';
import {
  refused,
  RESOURCES,
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

// ---------------------------------------------------------------------------------------------

describe('the baseline spec', () => {
  it('validates without diagnostics and resolves every call', () => {
    const r = run(specText());
    expect(r.report.diagnostics).toEqual([]);
    expect(r.validation.skipped.size).toBe(0);
    expect(r.validation.calls.get(REST_LIST)?.name).toBe('listpets');
    expect(r.validation.calls.get(REST_GET)?.name).toBe('getpet');
    expect(r.validation.calls.get(TOOL_LIST)?.name).toBe('listpets');
    expect(r.validation.calls.get(TOOL_GET)?.name).toBe('getpet');
    expect([...r.validation.index.get('petstore')!.keys()]).toEqual(['listpets', 'getpet']);
  });
});

describe('version and kind', () => {
  it('refuses another naftiko version, located at the value', () => {
    const text = specText({ head: 'naftiko: 1.0.0-alpha1\ninfo:\n  label: Pets\n' });
    const diagnostics = refused(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'version', line: 1, col: 10 });
    expect(diagnostics[0]!.message).toContain('"1.0.0-alpha1"');
    expect(diagnostics[0]!.message).toContain('1.0.0-alpha2');
  });

  it('refuses a numeric version', () => {
    const diagnostics = refused(specText({ head: 'naftiko: 1.0\ninfo:\n  label: Pets\n' }));
    expect(diagnostics[0]!.code).toBe('version');
    expect(diagnostics[0]!.message).toMatch(/unsupported naftiko version 1\b/);
  });

  it('refuses a document without `naftiko`', () => {
    const diagnostics = refused(specText({ head: 'info:\n  label: Pets\n' }));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe('version');
    expect(diagnostics[0]!.message).toMatch(/not a Naftiko capability.*no `naftiko` version/);
  });

  it('gives an Ikanos document its own message', () => {
    const text = specText({ head: 'info:\n  label: Pets\nikanos: 1.0.0\n' });
    const diagnostics = refused(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe('version');
    expect(diagnostics[0]!.message).toMatch(/Ikanos \(1\.0\.0\) document/);
    expect(diagnostics[0]!.line).toBe(lineOf(text, 'ikanos:'));
  });

  it('refuses a consumes-only fragment as nothing to generate', () => {
    const text = [
      'naftiko: 1.0.0-alpha2',
      'consumes:',
      '- type: http',
      '  namespace: shared',
      '  baseUri: https://api.example.com',
      '  resources: []',
      '',
    ].join('\n');
    const diagnostics = refused(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe('nothing-to-generate');
    expect(diagnostics[0]!.message).toContain('consumes-only fragment');
  });

  it('refuses a document without `capability`', () => {
    const diagnostics = refused('naftiko: 1.0.0-alpha2\ninfo:\n  label: Empty\n');
    expect(diagnostics[0]!.code).toBe('nothing-to-generate');
    expect(diagnostics[0]!.message).toContain('no `capability`');
  });
});

describe('dialect schema', () => {
  it('skips only the tool with a schema error, with a located warning', () => {
    const tools = `
      - name: list-pets
        description: List pets
        call: petstore.listpets
        hints:
          readOnly: yes please
      - name: get-pet
        description: Get a pet
        call: petstore.getpet
    `;
    const text = specText({ tools });
    const r = run(text);
    const schema = withCode(r, 'schema');
    expect(schema).toHaveLength(1);
    expect(schema[0]!.severity).toBe('warning');
    expect(schema[0]!.message).toMatch(/hints\.readOnly.*boolean; this tool is skipped/);
    expect(schema[0]!.line).toBe(lineOf(text, 'readOnly: yes please'));
    expect(r.validation.skipped).toEqual(new Set([TOOL_LIST]));
    // Everything else is still generated.
    const model = buildModel(r.spec, r.validation, r.report, 'pets');
    expect(model.mcp[0]!.tools.map((t) => t.name)).toEqual(['get-pet']);
    expect(model.rest[0]!.paths.map((p) => p.template)).toEqual(['/pets', '/pets/{petId}']);
    expect(model.apis[0]!.operations.map((o) => o.name)).toEqual(['listpets', 'getpet']);
  });

  it('skips a consumed operation with a schema error, and the units that call it', () => {
    const resources = RESOURCES.replace(
      'method: GET\n    description: List pets',
      'method: FETCH\n    description: List pets',
    );
    expect(resources).not.toBe(RESOURCES);
    const text = specText({ resources });
    const r = run(text);
    const schema = withCode(r, 'schema');
    expect(schema).toHaveLength(1);
    expect(schema[0]!.message).toMatch(/method.*this consumed operation is skipped/);
    expect(schema[0]!.line).toBe(lineOf(text, 'method: FETCH'));
    expect(r.validation.skipped.has('consumes/0/resources/0/operations/0')).toBe(true);
    const unresolved = withCode(r, 'call-unresolved');
    expect(unresolved.map((d) => d.line)).toEqual([
      lineOf(text, 'call: petstore.listpets'),
      lineOf(text, 'call: petstore.listpets', lineOf(text, 'tools:')),
    ]);
    expect(unresolved[0]!.message).toContain('has that operation, but it was skipped');
    expect(r.validation.calls.has(REST_LIST)).toBe(false);
    expect(r.validation.calls.has(TOOL_LIST)).toBe(false);
    expect(r.validation.calls.get(TOOL_GET)?.name).toBe('getpet');
    const model = buildModel(r.spec, r.validation, r.report, 'pets');
    expect(model.apis[0]!.operations.map((o) => o.name)).toEqual(['getpet']);
    expect(model.mcp[0]!.tools.map((t) => t.name)).toEqual(['get-pet']);
    expect(model.rest[0]!.paths.map((p) => p.template)).toEqual(['/pets/{petId}']);
  });

  it('skips a REST operation with a schema error', () => {
    const rest = REST.replace(
      'name: getpet\n    call: petstore.getpet',
      'name: getpet\n    call: petstore.getpet\n    with: [not, a, map]',
    );
    expect(rest).not.toBe(REST);
    const r = run(specText({ rest }));
    expect(withCode(r, 'schema')[0]!.message).toMatch(/this REST operation is skipped/);
    expect(r.validation.skipped).toEqual(new Set([REST_GET]));
    expect(r.validation.calls.has(REST_LIST)).toBe(true);
  });

  it('refuses a schema error outside any unit', () => {
    const text = specText({ head: 'naftiko: 1.0.0-alpha2\ninfo: just a sentence\n' });
    const diagnostics = refused(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'schema', line: 2, col: 1 });
    expect(diagnostics[0]!.message).toMatch(/`info` must be of type object/);
  });

  it('refuses `capability.exposes` that is not a list', () => {
    const text = 'naftiko: 1.0.0-alpha2\ncapability:\n  consumes: []\n  exposes: {type: rest}\n';
    const diagnostics = refused(text);
    expect(diagnostics.map((d) => [d.code, d.line])).toContainEqual(['schema', 4]);
  });
});

describe('tolerated deviations', () => {
  it('reads info.title as the label, with a warning', () => {
    const text = specText({ head: 'naftiko: 1.0.0-alpha2\ninfo:\n  title: Pet Store\n' });
    const r = run(text);
    const [d, ...others] = r.report.diagnostics;
    expect(others).toEqual([]);
    expect(d).toMatchObject({ severity: 'warning', code: 'info-title', line: 3, col: 3 });
    expect(d!.message).toContain('`info.title` is not part of alpha2');
    expect(buildModel(r.spec, r.validation, r.report, 'pets').title).toBe('Pet Store');
  });

  it('reads `auth:` as `authentication:`, with a warning', () => {
    const consumesExtra = 'auth:\n  type: bearer\n  token: "{{PET_TOKEN}}"\n';
    const text = specText({ consumesExtra });
    const r = run(text);
    const [d] = withCode(r, 'auth-key');
    expect(d).toMatchObject({ severity: 'warning', line: lineOf(text, 'auth:'), col: 5 });
    const model = buildModel(r.spec, r.validation, r.report, 'pets');
    expect(model.apis[0]!.auth).toEqual({
      kind: 'bearer',
      token: { parts: [{ kind: 'secret', variable: 'PET_TOKEN' }] },
    });
  });

  it('warns about an authentication type it cannot generate', () => {
    const r = run(specText({ consumesExtra: 'authentication:\n  type: oauth2\n' }));
    expect(withCode(r, 'auth-type')[0]!.message).toMatch(/"oauth2" is not generated/);
  });
});

describe('--strict', () => {
  // Valid under the official alpha2 schema; only the semantic checks have something to say.
  const STRICT_VALID = [
    'naftiko: 1.0.0-alpha2',
    'info:',
    '  label: Minimal',
    '  description: One upstream call.',
    'capability:',
    '  consumes:',
    '  - type: http',
    '    namespace: upstream',
    '    baseUri: https://api.example.com',
    '    resources:',
    '    - name: items',
    '      path: /items/{{id}}',
    '      operations:',
    '      - name: get-item',
    '        method: GET',
    '        inputParameters:',
    '        - name: id',
    '          in: path',
    '  exposes:',
    '  - type: mcp',
    '    namespace: items-mcp',
    '    port: 9091',
    '    tools:',
    '    - name: get-item',
    '      description: Get one item',
    '      call: upstream.get-item',
    '',
  ].join('\n');

  it('accepts a spec with nothing to tolerate', () => {
    const r = run(STRICT_VALID, true);
    expect(r.report.diagnostics).toEqual([]);
  });

  it('turns a Reporter warning into an error', () => {
    const spec = parseSpec('s.yaml', STRICT_VALID);
    const strict = new Reporter('s.yaml', spec.locate, true);
    strict.warn('demo', 'tolerated', ['info', 'label']);
    expect(strict.diagnostics[0]!.severity).toBe('error');
    expect(() => strict.throwIfFailed()).toThrow(SpecError);
    const lenient = new Reporter('s.yaml', spec.locate, false);
    lenient.warn('demo', 'tolerated', ['info', 'label']);
    expect(lenient.diagnostics[0]!.severity).toBe('warning');
    expect(() => lenient.throwIfFailed()).not.toThrow();
  });

  it('refuses a spec that is only warned about without --strict', () => {
    const text = `${STRICT_VALID}    - name: get-item\n      description: Again\n      call: upstream.get-item\n`;
    const lenient = run(text, false);
    expect(lenient.report.diagnostics.map((d) => [d.severity, d.code])).toEqual([
      ['warning', 'duplicate-name'],
    ]);
    const diagnostics = refused(text, true);
    expect(diagnostics.map((d) => [d.severity, d.code])).toEqual([['error', 'duplicate-name']]);
    expect(diagnostics[0]!.line).toBe(lenient.report.diagnostics[0]!.line);
  });

  it('refuses every tolerated defect at once under --strict', () => {
    // The lenient run tolerates these with warnings; strict refuses, and every warning is an error.
    const text = specText({
      head: 'naftiko: 1.0.0-alpha2\ninfo:\n  title: Pets\n',
      tools: TOOLS.replace('call: petstore.getpet', 'call: nowhere.getpet'),
    });
    const lenient = run(text);
    expect(lenient.report.diagnostics.map((d) => d.code).sort()).toEqual(['call-unresolved', 'info-title']);
    const diagnostics = refused(text, true);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });
});
