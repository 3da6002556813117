// The inline pet-store spec and the validate() runner shared by test/validate/*.test.ts.
import { expect } from 'vitest';
import { type Diagnostic, Reporter, SpecError } from '../../generator/diagnostics.js';
import { type LoadedSpec, parseSpec } from '../../generator/load.js';
import { validate, type Validation } from '../../generator/validate/index.js';
import { block } from './text.js';

// ---------------------------------------------------------------------------------------------
// Inline specs

export const RESOURCES = `
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

export const REST = `
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

export const TOOLS = `
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

export function specText(p: Parts = {}): string {
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

export interface Run {
  text: string;
  spec: LoadedSpec;
  report: Reporter;
  validation: Validation;
}

export function run(text: string, strict = false): Run {
  const spec = parseSpec('pets.yaml', text);
  const report = new Reporter('pets.yaml', spec.locate, strict);
  const validation = validate(spec, report);
  return { text, spec, report, validation };
}

export function refused(text: string, strict = false): Diagnostic[] {
  try {
    run(text, strict);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).diagnostics;
  }
  throw new Error('expected the spec to be refused');
}

/** 1-based column of `needle` on line `line`. */
export function colOf(text: string, line: number, needle: string): number {
  return text.split('\n')[line - 1]!.indexOf(needle) + 1;
}

export const withCode = (r: Run, code: string) => r.report.diagnostics.filter((d) => d.code === code);

export const REST_LIST = 'exposes/0/resources/0/operations/0';
export const REST_GET = 'exposes/0/resources/1/operations/0';
export const TOOL_LIST = 'exposes/1/tools/0';
export const TOOL_GET = 'exposes/1/tools/1';
