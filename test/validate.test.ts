// Stage 2 (validate/): version and kind refusals, the dialect schema confined to units, the
// semantic checks (calls resolve, names are unique, features are supported) and --strict.
import { describe, expect, it } from 'vitest';
import { type Diagnostic, Reporter, SpecError } from '../generator/diagnostics.js';
import { type LoadedSpec, parseSpec } from '../generator/load.js';
import { buildModel } from '../generator/model/build.js';
import { validate, type Validation } from '../generator/validate/index.js';
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

const RESOURCES = `
- name: pets
  path: /pets
  operations:
  - name: listpets
    method: GET
    description: List pets
    inputParameters:
    - name: limit
      in: query
      type: integer
- name: pet
  path: /pets/{petId}
  operations:
  - name: getpet
    method: GET
    description: Get a pet
    inputParameters:
    - name: petId
      in: path
      type: string
      required: true
`;

const REST = `
- path: /pets
  operations:
  - method: GET
    name: listpets
    call: petstore.listpets
- path: /pets/{petId}
  operations:
  - method: GET
    name: getpet
    call: petstore.getpet
`;

const TOOLS = `
- name: list-pets
  description: List pets
  call: petstore.listpets
- name: get-pet
  description: Get a pet
  call: petstore.getpet
`;

interface Parts {
  /** Replaces the `naftiko:` and `info:` head. */
  head?: string;
  /** Extra keys of consumes[0], before `resources`. */
  consumesExtra?: string;
  resources?: string;
  /** Extra consumes entries after the first. */
  moreConsumes?: string;
  rest?: string;
  tools?: string;
  /** Extra exposes entries after the MCP adapter. */
  moreExposes?: string;
  /** The items of `capability.aggregates`. */
  aggregates?: string;
}

function specText(p: Parts = {}): string {
  return [
    p.head ?? 'naftiko: 1.0.0-alpha2\ninfo:\n  label: Pets\n  description: A tiny pet store.\n',
    'capability:\n',
    '  consumes:\n',
    '  - type: http\n',
    '    namespace: petstore\n',
    '    baseUri: https://pets.example.com\n',
    block(p.consumesExtra ?? '', 4),
    '    resources:\n',
    block(p.resources ?? RESOURCES, 4),
    block(p.moreConsumes ?? '', 2),
    '  exposes:\n',
    '  - type: rest\n',
    '    namespace: pets-rest\n',
    '    port: 8080\n',
    '    resources:\n',
    block(p.rest ?? REST, 4),
    '  - type: mcp\n',
    '    namespace: pets-mcp\n',
    '    port: 9090\n',
    '    tools:\n',
    block(p.tools ?? TOOLS, 4),
    block(p.moreExposes ?? '', 2),
    p.aggregates === undefined ? '' : `  aggregates:\n${block(p.aggregates, 2)}`,
  ].join('');
}

interface Run {
  text: string;
  spec: LoadedSpec;
  report: Reporter;
  validation: Validation;
}

function run(text: string, strict = false): Run {
  const spec = parseSpec('pets.yaml', text);
  const report = new Reporter('pets.yaml', spec.locate, strict);
  const validation = validate(spec, report);
  return { text, spec, report, validation };
}

function refused(text: string, strict = false): Diagnostic[] {
  try {
    run(text, strict);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).diagnostics;
  }
  throw new Error('expected the spec to be refused');
}

/** 1-based column of `needle` on line `line`. */
function colOf(text: string, line: number, needle: string): number {
  return text.split('\n')[line - 1]!.indexOf(needle) + 1;
}

const withCode = (r: Run, code: string) => r.report.diagnostics.filter((d) => d.code === code);

const REST_LIST = 'exposes/0/resources/0/operations/0';
const REST_GET = 'exposes/0/resources/1/operations/0';
const TOOL_LIST = 'exposes/1/tools/0';
const TOOL_GET = 'exposes/1/tools/1';

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

describe('unsupported features', () => {
  const unsupported = (r: Run) => withCode(r, 'unsupported');

  it('accepts a tool with call and lookup steps, resolving each call step', () => {
    const tools = `
      - name: list-pets
        description: List pets
        steps:
        - name: all
          type: call
          call: petstore.listpets
        - name: one
          type: lookup
          index: all
          match: id
          lookupValue: x
      - name: get-pet
        description: Get a pet
        call: petstore.getpet
    `;
    const r = run(specText({ tools }));
    expect(r.validation.skipped).toEqual(new Set());
    expect(r.validation.calls.get(`${TOOL_LIST}/steps/0`)?.name).toBe('listpets');
  });

  it.each([
    [
      'a script step',
      '- name: s\n  type: script\n  language: javascript',
      'unsupported: script steps (capgen generates no script runtime); this tool is skipped',
      'type: script',
    ],
    [
      'an unknown step type',
      '- name: s\n  type: parallel',
      'unsupported: step type "parallel"; this tool is skipped',
      'type: parallel',
    ],
    [
      'a lookup of no earlier step',
      '- name: s\n  type: lookup\n  index: later\n  match: id',
      'lookup "s": `index` "later" names no earlier step; this tool is skipped',
      'index: later',
    ],
    [
      'an unresolved call step',
      '- name: s\n  type: call\n  call: petstore.nope',
      'call "petstore.nope": namespace "petstore" has no operation with that name',
      'call: petstore.nope',
    ],
  ])('skips a tool with %s, at the step', (_what, step, message, at) => {
    const tools = `
      - name: list-pets
        description: List pets
        steps:
        ${step.replace(/\n/g, '\n        ')}
      - name: get-pet
        description: Get a pet
        call: petstore.getpet
    `;
    const text = specText({ tools });
    const r = run(text);
    const d = r.report.diagnostics.find((x) => x.message.startsWith(message));
    expect(d, JSON.stringify(r.report.diagnostics.map((x) => x.message))).toBeDefined();
    expect(d!.line).toBe(lineOf(text, at));
    expect(r.validation.skipped).toEqual(new Set([TOOL_LIST]));
  });

  describe('aggregates and ref', () => {
    const AGGREGATES = `
      - label: Pets
        namespace: pet-functions
        functions:
        - name: fetch-pet
          description: Fetch one pet
          semantics:
            safe: true
          call: petstore.getpet
    `;
    const FUNCTION = 'aggregates/0/functions/0';

    it("resolves a ref to the function, whose calls the unit inherits; a tool without a name takes the function's", () => {
      const tools = TOOLS.replace(
        '- name: get-pet\n  description: Get a pet\n  call: petstore.getpet',
        '- ref: pet-functions.fetch-pet',
      );
      const rest = REST.replace('name: getpet\n    call: petstore.getpet', 'ref: pet-functions.fetch-pet');
      const r = run(specText({ tools, rest, aggregates: AGGREGATES }));
      expect(r.report.diagnostics).toEqual([]);
      expect(r.validation.skipped).toEqual(new Set());
      expect(r.validation.calls.get(FUNCTION)?.name).toBe('getpet');
      expect(r.validation.calls.get(TOOL_GET)?.name).toBe('getpet');
      expect(r.validation.calls.get(REST_GET)?.name).toBe('getpet');
    });

    it('skips a unit whose ref names no function, located at the ref, with the closest one', () => {
      const text = specText({
        tools: TOOLS.replace('call: petstore.getpet', 'ref: pet-functions.fetch-pets'),
        aggregates: AGGREGATES,
      });
      const r = run(text);
      const [d] = withCode(r, 'ref-unresolved');
      expect(d!.message).toBe(
        'ref "pet-functions.fetch-pets" names no aggregate function of this capability; did you mean "pet-functions.fetch-pet"?; this tool is skipped',
      );
      const line = lineOf(text, 'ref: pet-functions.fetch-pets');
      expect([d!.line, d!.col]).toEqual([line, colOf(text, line, 'pet-functions')]);
      expect(r.validation.skipped).toEqual(new Set([TOOL_GET]));
    });

    it('skips the function whose call fails, and every unit that refs it, pointing at the cause', () => {
      const text = specText({
        tools: TOOLS.replace('call: petstore.getpet', 'ref: pet-functions.fetch-pet'),
        aggregates: AGGREGATES.replace('call: petstore.getpet', 'call: petstore.nothing'),
      });
      const r = run(text);
      const [cause] = withCode(r, 'call-unresolved');
      expect(cause!.line).toBe(lineOf(text, 'call: petstore.nothing'));
      expect(cause!.message).toMatch(/this aggregate function is skipped$/);
      const [d] = withCode(r, 'ref-unresolved');
      expect(d!.message).toBe(
        `ref "pet-functions.fetch-pet": that aggregate function was skipped (line ${cause!.line}); this tool is skipped`,
      );
      expect(r.validation.skipped).toEqual(new Set([FUNCTION, TOOL_GET]));
    });

    it('skips the second of two functions with the same ref', () => {
      const text = specText({
        aggregates: `${AGGREGATES}
        - name: fetch-pet
          description: Fetch one pet again
          call: petstore.listpets
        `,
      });
      const r = run(text);
      const [d] = withCode(r, 'duplicate-name');
      expect(d!.message).toMatch(/^duplicate aggregate function "pet-functions.fetch-pet"/);
      expect(r.validation.skipped).toEqual(new Set(['aggregates/0/functions/1']));
    });

    it('warns where hints or the REST method contradict the semantics, and keeps the unit', () => {
      const text = specText({
        tools: TOOLS.replace(
          'call: petstore.getpet',
          'ref: pet-functions.fetch-pet\n  hints:\n    readOnly: false',
        ),
        rest: REST.replace(
          'method: GET\n    name: getpet\n    call: petstore.getpet',
          'method: DELETE\n    ref: pet-functions.fetch-pet',
        ),
        aggregates: AGGREGATES,
      });
      const r = run(text);
      expect(withCode(r, 'ref-semantics').map((d) => [d.message, d.line])).toEqual([
        [
          'DELETE contradicts `semantics.safe: true`: a safe function is a GET (function "pet-functions.fetch-pet")',
          lineOf(text, 'method: DELETE'),
        ],
        [
          'hint `readOnly: false` contradicts `semantics.safe: true` (function "pet-functions.fetch-pet")',
          lineOf(text, 'readOnly: false'),
        ],
      ]);
      expect(r.validation.skipped).toEqual(new Set());
    });

    it("lets a skill list a ref-only tool by the function's name", () => {
      const text = specText({
        tools: TOOLS.replace(
          '- name: get-pet\n  description: Get a pet\n  call: petstore.getpet',
          '- ref: pet-functions.fetch-pet',
        ),
        aggregates: AGGREGATES,
        moreExposes: `- type: skill
  namespace: pets-skills
  port: 7070
  skills:
  - name: pet-care
    description: Look after pets
    tools:
    - name: fetch
      description: Fetch one pet
      from: {sourceNamespace: pets-mcp, action: fetch-pet}
`,
      });
      const r = run(text);
      expect(r.report.diagnostics).toEqual([]);
      expect(r.validation.skipped).toEqual(new Set());
    });

    it('skips a tool with neither a name nor a ref', () => {
      const text = specText({ tools: TOOLS.replace('- name: get-pet\n  description', '- description') });
      const r = run(text);
      const [d] = withCode(r, 'schema');
      expect(d!.message).toMatch(/^`capability.exposes.1.tools.1` is missing the required `name`/);
      expect(r.validation.skipped).toEqual(new Set([TOOL_GET]));
    });
  });

  it('accepts a mock tool (no call, an outputParameter value)', () => {
    const tools = `
      - name: list-pets
        description: List pets
        call: petstore.listpets
      - name: get-pet
        description: Get a pet
        outputParameters:
        - type: object
          properties:
            name:
              type: string
              value: always this
    `;
    const r = run(specText({ tools }));
    expect(r.validation.skipped).toEqual(new Set());
  });

  it('skips a tool with no call, steps, ref or value', () => {
    const tools = `
      - name: list-pets
        description: List pets
        call: petstore.listpets
      - name: get-pet
        description: Get a pet
        outputParameters:
        - type: string
          mapping: $.name
    `;
    const text = specText({ tools });
    const r = run(text);
    const [d] = withCode(r, 'no-action');
    expect(d!.message).toBe(
      'this tool has no `call`, `steps` or `ref`, and no outputParameters `value` to answer with as a mock; it is skipped',
    );
    expect(d!.line).toBe(lineOf(text, '- name: get-pet'));
    expect(r.validation.skipped).toEqual(new Set([TOOL_GET]));
  });

  it.each([['grpc', 'unsupported: exposes type "grpc"']])('skips a %s adapter', (type, message) => {
    const text = specText({ moreExposes: `- type: ${type}\n  namespace: extra\n` });
    const r = run(text);
    const [d, ...others] = unsupported(r);
    expect(others).toEqual([]);
    expect(d!.message).toBe(message);
    expect(d!.line).toBe(lineOf(text, `- type: ${type}`));
    expect(r.validation.skipped).toEqual(new Set(['exposes/2']));
    expect(r.validation.calls.size).toBe(4);
  });

  describe('skill adapters', () => {
    const skill = (skills: string, extra = '') =>
      specText({
        moreExposes: `- type: skill\n  namespace: pets-skills\n  port: 7070\n${extra}  skills:\n${block(skills, 2)}`,
      });
    /** Diagnostics about the skill adapter: the ones located at or below its `- type: skill`. */
    const skillWarnings = (r: Run) =>
      r.report.diagnostics.filter((d) => d.line >= lineOf(r.text, '- type: skill'));

    it('accepts tools derived from MCP tools and REST operations, and instruction files', () => {
      const text = skill(`
- name: pet-care
  description: Look after pets
  location: file:///./skills/pet-care
  tools:
  - name: list
    description: List over MCP
    from: {sourceNamespace: pets-mcp, action: list-pets}
  - name: get
    description: Get over REST
    from: {sourceNamespace: pets-rest, action: getpet}
  - name: guide
    description: How to
    instruction: guides/how.md
`);
      const r = run(text);
      expect(r.report.diagnostics).toEqual([]);
      expect(r.validation.skipped).toEqual(new Set());
    });

    it('skips a tool that names no sibling adapter, tool or operation, with a suggestion', () => {
      const text = skill(`
- name: pet-care
  description: Look after pets
  tools:
  - name: a
    description: x
    from: {sourceNamespace: pets-mpc, action: list-pets}
  - name: b
    description: x
    from: {sourceNamespace: pets-mcp, action: list-pet}
  - name: c
    description: x
    call: petstore.listpets
`);
      const r = run(text);
      const [a, b, c, ...rest] = skillWarnings(r);
      expect(rest).toEqual([]);
      expect(a!.message).toBe(
        'sourceNamespace "pets-mpc" names no REST or MCP adapter of this capability; did you mean "pets-mcp"?; this skill tool is skipped',
      );
      expect(a!.line).toBe(lineOf(text, 'pets-mpc'));
      expect(b!.message).toBe(
        'adapter "pets-mcp" has no tool named "list-pet"; did you mean "list-pets"?; this skill tool is skipped',
      );
      expect(c!.message).toBe(
        'a skill tool needs exactly one of `from: {sourceNamespace, action}` or `instruction` (`call` is not part of alpha2 skill tools); this skill tool is skipped',
      );
      expect(c!.line).toBe(lineOf(text, '- name: c'));
      expect(r.validation.skipped).toEqual(
        new Set(['exposes/2/skills/0/tools/0', 'exposes/2/skills/0/tools/1', 'exposes/2/skills/0/tools/2']),
      );
    });

    it('leaves out a tool whose action was skipped, pointing at why', () => {
      const tools = `${TOOLS}- name: orchestrated\n  description: x\n  steps:\n  - name: s\n    type: script\n`;
      const text = specText({
        tools,
        moreExposes: `- type: skill\n  namespace: pets-skills\n  port: 7070\n  skills:\n  - name: s\n    description: x\n    tools:\n    - name: t\n      description: x\n      from: {sourceNamespace: pets-mcp, action: orchestrated}\n`,
      });
      const r = run(text);
      const d = r.report.diagnostics.find((x) => x.code === 'skill-tool')!;
      expect(d.message).toBe(
        `tool "orchestrated" of "pets-mcp" was skipped (line ${lineOf(text, 'type: script')}), so the catalog does not list it; this skill tool is skipped`,
      );
    });

    it('refuses instruction paths that climb out, and skill names that are not URL segments', () => {
      const text = skill(`
- name: ok
  description: x
  location: file:///./skills/ok
  tools:
  - name: t
    description: x
    instruction: ../../etc/passwd
- name: Not A Segment
  description: x
- name: ok
  description: duplicate
- name: elsewhere
  description: x
  location: https://example.com/skills
`);
      const r = run(text);
      const messages = skillWarnings(r).map((d) => [d.line, d.message]);
      expect(messages).toEqual([
        [
          lineOf(text, 'instruction: ../'),
          'instruction "../../etc/passwd" must be a file path relative to the skill\'s location, without `..`; this skill tool is skipped',
        ],
        [
          lineOf(text, '- name: Not A Segment'),
          'skill name "Not A Segment" must be kebab-case, 1-64 characters (it is a URL segment of the catalog); this skill is skipped',
        ],
        [
          lineOf(text, 'description: duplicate') - 1,
          'duplicate skill name "ok"; the first one keeps the name and this one is skipped',
        ],
        [
          lineOf(text, 'location: https'),
          'skill location "https://example.com/skills" must be a file:/// folder; this skill is skipped',
        ],
      ]);
    });

    it('skips an adapter in the groups shape, or without a port', () => {
      const groups = specText({
        moreExposes: `- type: skill\n  namespace: pets-skills\n  port: 7070\n  groups:\n  - name: g\n    skills:\n    - name: s\n      call: petstore.listpets\n`,
      });
      const r = run(groups);
      const [d] = skillWarnings(r);
      expect(d!.message).toMatch(
        /^a skill adapter lists its skills in `skills`.*`groups` is not part of alpha2, so this adapter is skipped$/,
      );
      expect(d!.line).toBe(lineOf(groups, 'groups:'));
      expect(r.validation.skipped).toEqual(new Set(['exposes/2']));
      const noPort = specText({
        moreExposes: `- type: skill\n  namespace: pets-skills\n  skills:\n  - name: s\n    description: x\n`,
      });
      const p = run(noPort);
      expect(skillWarnings(p).map((x) => x.message)).toEqual([
        'a skill adapter needs a `port` (1-65535); this adapter is skipped',
      ]);
    });
  });

  describe('MCP resources and prompts', () => {
    const withCatalog = (catalog: string) => {
      const text = specText();
      // The catalog goes inside the MCP adapter, after its tools.
      return text.replace('  - type: mcp\n', `  - type: mcp\n${block(catalog, 4)}`);
    };

    it('resolves a resource call, and skips one that names an unknown operation, with a suggestion', () => {
      const text = withCatalog(`
resources:
- name: pets
  uri: pets://all
  call: petstore.listpets
- name: pet
  uri: pets://{petId}
  call: petstore.getpets
`);
      const r = run(text);
      expect(r.validation.calls.get('exposes/1/resources/0')?.name).toBe('listpets');
      const d = r.report.diagnostics.find((x) => x.code === 'call-unresolved')!;
      expect(d.message).toBe(
        'call "petstore.getpets": namespace "petstore" has no operation with that name; did you mean "petstore.getpet"?; this resource is skipped',
      );
      expect(d.line).toBe(lineOf(text, 'call: petstore.getpets'));
      expect(r.validation.skipped).toEqual(new Set(['exposes/1/resources/1']));
    });

    it('skips resources and prompts with no source, two sources, or a location that is not a file', () => {
      const text = withCatalog(`
resources:
- name: none
  uri: pets://none
- name: both
  uri: pets://both
  call: petstore.listpets
  location: file:///./docs
- name: web
  uri: docs://web
  location: https://example.com/docs
prompts:
- name: p1
  description: x
- name: p2
  description: x
  template:
  - role: system
    content: hi
`);
      const r = run(text);
      const lines = r.report.diagnostics.filter((d) => d.code === 'schema').map((d) => [d.line, d.message]);
      expect(lines).toEqual([
        [
          lineOf(text, '- name: none'),
          'an MCP resource needs exactly one of `call`, `steps` or `location`; this resource is skipped',
        ],
        [
          lineOf(text, '- name: both'),
          'an MCP resource needs exactly one of `call`, `steps` or `location` (it has `call` and `location`); this resource is skipped',
        ],
        [
          lineOf(text, 'location: https'),
          'resource location "https://example.com/docs" must be a file:/// folder; this resource is skipped',
        ],
        [
          lineOf(text, '- name: p1'),
          'an MCP prompt needs exactly one of `template` (messages) or `location` (a file:/// file); this prompt is skipped',
        ],
        [
          lineOf(text, '- role: system'),
          'each prompt message needs a `role` (user or assistant) and a text `content`; this prompt is skipped',
        ],
      ]);
      expect(unsupported(r)).toEqual([]);
    });
  });

  it('accepts one control adapter, names the management endpoints it does not serve, and skips a second', () => {
    const text = specText({
      moreExposes: `- type: control\n  port: 9999\n  management:\n    logs: true\n- type: control\n  port: 9998\n`,
    });
    const r = run(text);
    const [logs, ...others] = unsupported(r);
    expect(others).toEqual([]);
    expect(logs!.message).toBe(
      'unsupported: control management.logs (the control adapter serves health, status, metrics and traces only)',
    );
    expect(logs!.line).toBe(lineOf(text, 'logs: true'));
    const second = r.report.diagnostics.find((d) => d.code === 'duplicate-name')!;
    expect(second.message).toBe('a capability has one control adapter; this second one is skipped');
    expect(second.line).toBe(lineOf(text, 'port: 9998') - 1);
    expect(r.validation.skipped).toEqual(new Set(['exposes/3']));
  });

  it('skips a consumes import that was not resolved (imports.test.ts covers resolution)', () => {
    const text = specText({ moreConsumes: '- import: ./shared-consumes.yml\n  namespace: shared\n' });
    const r = run(text);
    expect(unsupported(r)).toEqual([]);
    const d = r.report.diagnostics.find((x) => x.code === 'import');
    expect(d!.message).toMatch(/could not be resolved; this consumes entry is skipped$/);
    expect(d!.line).toBe(lineOf(text, '- import:'));
    expect(r.validation.skipped).toEqual(new Set(['consumes/1']));
  });

  it('accepts the converted formats, and any other on a pass-through caller; skips a caller that maps it', () => {
    for (const format of ['xml', 'csv', 'tsv', 'psv', 'yaml', 'html', 'markdown', 'text']) {
      const ok = RESOURCES.replace(
        'description: Get a pet\n',
        `description: Get a pet\n    outputRawFormat: ${format}\n`,
      );
      expect(unsupported(run(specText({ resources: ok })))).toEqual([]);
    }
    // vs-code-marketplace/extension-discovery.yaml:77 (binary): the engine relays the raw entity when nothing maps it, and so does capgen.
    const resources = RESOURCES.replace(
      'description: Get a pet\n',
      'description: Get a pet\n    outputRawFormat: binary\n',
    );
    expect(resources).not.toBe(RESOURCES);
    const passing = run(specText({ resources }));
    expect(unsupported(passing)).toEqual([]);
    expect(passing.validation.skipped).toEqual(new Set());
    // A caller that maps the answer needs it as JSON: that caller is skipped, located at its mapping.
    const tools = TOOLS.replace(
      '  call: petstore.getpet\n',
      '  call: petstore.getpet\n  outputParameters:\n  - {name: name, type: string, mapping: $.name}\n',
    );
    expect(tools).not.toBe(TOOLS);
    const text = specText({ resources, tools });
    const r = run(text);
    const [d, ...others] = unsupported(r);
    expect(others).toEqual([]);
    expect(d!.message).toBe(
      'unsupported: outputRawFormat binary with a mapped output (capgen converts json, xml, yaml, csv, tsv, psv, html, markdown, text, avro, protobuf; another format is only relayed as it comes)',
    );
    expect(d!.line).toBe(lineOf(text, '  outputParameters:'));
    expect(r.validation.skipped).toEqual(new Set([TOOL_GET]));
  });

  it('accepts outputRawFormat json explicitly', () => {
    const resources = RESOURCES.replace(
      'description: Get a pet\n',
      'description: Get a pet\n    outputRawFormat: json\n',
    );
    expect(run(specText({ resources })).report.diagnostics).toEqual([]);
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

describe('formats that need a schema file', () => {
  it('skips an avro operation without outputSchema, located at its format, and its callers', () => {
    const text = specText({
      resources: RESOURCES.replace(
        '    description: List pets\n',
        '    description: List pets\n    outputRawFormat: avro\n',
      ),
    });
    const r = run(text);
    const [d] = withCode(r, 'format-schema');
    expect(d!.message).toBe(
      'outputRawFormat avro needs `outputSchema` naming its schema file (.avsc); the operation is skipped',
    );
    expect(d!.line).toBe(lineOf(text, 'outputRawFormat: avro'));
    expect(r.validation.skipped).toContain('consumes/0/resources/0/operations/0');
  });

  it('skips a protobuf operation whose schema file cannot be read', () => {
    const text = specText({
      resources: RESOURCES.replace(
        '    description: List pets\n',
        '    description: List pets\n    outputRawFormat: protobuf\n    outputSchema: missing.proto\n',
      ),
    });
    const [d] = withCode(run(text), 'format-schema');
    expect(d!.message).toMatch(/^the protobuf schema file "missing.proto" cannot be read/);
    expect(d!.line).toBe(lineOf(text, 'outputSchema: missing.proto'));
  });
});
