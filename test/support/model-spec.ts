// Inline specs and the model builder shared by test/model/*.test.ts.
import { type Diagnostic, Reporter } from '../../generator/diagnostics.js';
import { parseSpec } from '../../generator/load.js';
import { buildModel } from '../../generator/model/build.js';
import type { Capability, ExposedInput, McpTool, RestOperation } from '../../generator/model/types.js';
import { validate } from '../../generator/validate/index.js';
import { block } from './text.js';

// ---------------------------------------------------------------------------------------------
// Inline specs

/** A capability from its `consumes` and `exposes` lists (and optional root-level YAML). */
export function specText(p: { consumes: string; exposes: string; top?: string }): string {
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

export function build(text: string, name = 'model-test'): Built {
  const spec = parseSpec('model-test.yaml', text);
  const report = new Reporter(spec.file, spec.locate, false);
  const validation = validate(spec, report);
  const model = buildModel(spec, validation, report, name);
  return { text, model, diagnostics: report.sorted() };
}

export const tool = (m: Capability, name: string): McpTool => {
  const t = m.mcp.flatMap((a) => a.tools).find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
};

export const restOp = (m: Capability, name: string): RestOperation => {
  const o = m.rest.flatMap((a) => a.paths.flatMap((p) => p.operations)).find((x) => x.name === name);
  if (!o) throw new Error(`no REST operation ${name}`);
  return o;
};

export const input = (inputs: ExposedInput[], name: string): ExposedInput | undefined =>
  inputs.find((i) => i.name === name);
export const argOf = (call: { args: { param: string; value: unknown }[] }, param: string) =>
  call.args.find((a) => a.param === param)?.value;

/** One consumes entry named `petstore` with the given resources. */
export const petstore = (resources: string, extra = '') => `
- type: http
  namespace: petstore
  baseUri: https://pets.example.com
${block(extra, 2)}  resources:
${block(resources, 2)}`;

// ---------------------------------------------------------------------------------------------
