// Stage 2 (validate/): tool steps, aggregates and ref, mock tools and unknown adapter types.
import { describe, expect, it } from 'vitest';
import { lineOf } from '../support/text.js';
import type { Run } from '../support/validate-spec.js';
import {
  colOf,
  REST,
  REST_GET,
  run,
  specText,
  TOOL_GET,
  TOOL_LIST,
  TOOLS,
  withCode,
} from '../support/validate-spec.js';

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
});
