// Expressions shared by the emitters: templates and JSON bodies become TypeScript expressions
// built only from escape.ts values.
import type {
  ConsumedParam,
  JsonTemplate,
  ParamType,
  StepRef,
  Template,
  TemplatePart,
} from '../model/types.js';
import { Code, code, join, lit } from './escape.js';

export interface PartResolver {
  input(name: string): Code;
  secret(variable: string): Code;
  /** A field of an earlier step's output; only orchestrations have steps. */
  step?(ref: StepRef): Code;
}

function partExpr(p: Exclude<TemplatePart, { kind: 'text' }>, resolve: PartResolver): Code {
  if (p.kind === 'secret') return resolve.secret(p.variable);
  if (p.kind === 'input') return resolve.input(p.name);
  if (!resolve.step) throw new Error('generator bug: a step reference outside an orchestration');
  return resolve.step(p.ref);
}

/**
 * A template as a string expression, e.g. `"Bearer " + secrets.TOKEN`. With `escape` (a runtime
 * function such as `xmlText`), every value it places goes through it.
 */
export function templateExpr(t: Template, resolve: PartResolver, escape?: Code): Code {
  if (t.parts.length === 0) return lit('');
  const parts = t.parts.map((p) => (p.kind === 'text' ? lit(p.text) : partExpr(p, resolve)));
  // Inputs and step fields may be absent or not strings; secrets are always strings.
  const asText = (p: TemplatePart, c: Code) =>
    escape && p.kind !== 'text'
      ? code`${escape}(${c})`
      : p.kind === 'input' || p.kind === 'step'
        ? code`String(${c} ?? "")`
        : c;
  if (t.parts.length === 1 && t.parts[0]!.kind === 'text') return parts[0]!;
  if (t.parts.length === 1) return asText(t.parts[0]!, parts[0]!);
  return join(
    t.parts.map((p, i) => asText(p, parts[i]!)),
    ' + ',
  );
}

/** A JSON body template as an expression; see JsonTemplate. */
export function jsonTemplateExpr(data: JsonTemplate, resolve: PartResolver): Code {
  switch (data.kind) {
    case 'literal':
      return lit(data.value);
    case 'template': {
      const only = data.template.parts.length === 1 ? data.template.parts[0] : undefined;
      if (only?.kind === 'input') return resolve.input(only.name);
      if (only?.kind === 'step' && resolve.step) return resolve.step(only.ref);
      return templateExpr(data.template, resolve);
    }
    case 'array':
      return code`[${join(
        data.items.map((d) => jsonTemplateExpr(d, resolve)),
        ', ',
      )}]`;
    case 'object':
      return code`{ ${join(
        data.entries.map((e) => code`${lit(e.key)}: ${jsonTemplateExpr(e.value, resolve)}`),
        ', ',
      )} }`;
  }
}

export function tsType(type: ParamType): Code {
  switch (type) {
    case 'integer':
    case 'number':
      return new Code('number');
    case 'boolean':
      return new Code('boolean');
    case 'array':
      return new Code('unknown[]');
    case 'object':
      return new Code('Record<string, unknown>');
    default:
      return new Code('string');
  }
}

/**
 * An untyped object parameter sent in a query, header, path or cookie takes text as written (JSON
 * or not), as the engine passes it on: it is not parsed and dropped when it is not JSON.
 */
export const textTravels = (p: ConsumedParam): boolean =>
  p.type === 'object' && p.in !== 'body' && p.typed === undefined;

/** A body parameter read as a whole JSON value (open schema): it takes any input as it is. */
export const anyJson = (p: ConsumedParam): boolean =>
  p.in === 'body' && p.typed !== undefined && Object.keys(p.typed).length === 0;
