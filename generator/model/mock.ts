// Mock mode: a tool or REST operation with no `call`, `steps` or `ref` answers with the `value`s
// of its outputParameters, built as the reference engine builds them (naftiko.md §7): each leaf
// is a string (static, or Mustache over the unit's own inputs), an object keeps its non-empty
// properties, an array holds one representative item, and `$…` values are mappings, not values.
import type { Reporter } from '../diagnostics.js';
import type { PathKey } from '../load.js';
import { isObj, type Obj, objAt, objects, strAt } from '../raw.js';
import { paramType } from './consumes.js';
import { parseTemplate, type TemplateScope } from './template.js';
import type { ExposedInput, JsonSchema, MockValue, Template } from './types.js';

/**
 * The unit's mock answer: an object of its top-level outputParameters by name (`value` when
 * unnamed), leaving out those with nothing in them. An answer with no property is empty (REST 204).
 */
export function mockAnswer(
  raw: unknown,
  at: PathKey[],
  inputs: ExposedInput[],
  scope: TemplateScope,
  report: Reporter,
): MockValue & { kind: 'object' } {
  const known = new Set(inputs.map((i) => i.name));
  const leaf = (text: string, where: PathKey[]): Template => {
    const template = parseTemplate(text, scope);
    template.parts = template.parts.map((part) => {
      if (part.kind === 'input' && known.has(part.name)) return part;
      if (part.kind === 'text') return part;
      // A mock renders over the unit's inputs only: a bind variable would put a secret in the answer.
      const ref = part.kind === 'input' ? part.name : part.kind === 'secret' ? part.variable : part.ref.step;
      report.warn(
        'mock-input',
        `{{${ref}}} names no input of this unit; a mock renders it as an empty string, as the engine does`,
        where,
        'value',
      );
      return { kind: 'text', text: '' };
    });
    return template;
  };
  const build = (node: Obj, where: PathKey[]): MockValue | undefined => {
    const value = node.value;
    if (value !== undefined && value !== null && !(typeof value === 'string' && value.startsWith('$')))
      return { kind: 'text', template: leaf(String(value), [...where, 'value']) };
    const type = paramType(node.type);
    if (type === 'array') {
      const item = isObj(node.items) ? build(node.items, [...where, 'items']) : undefined;
      return item ? { kind: 'array', item } : { kind: 'array' };
    }
    if (type === 'object') {
      const properties = props(node.properties, [...where, 'properties']).flatMap(([name, prop, p]) => {
        const v = build(prop, p);
        return v ? [{ name, value: v }] : [];
      });
      return properties.length > 0 ? { kind: 'object', properties } : undefined;
    }
    return undefined;
  };
  const properties = objects(raw).flatMap(([param, n]) => {
    const v = build(param, [...at, n]);
    return v ? [{ name: strAt(param.name) ?? 'value', value: v }] : [];
  });
  return { kind: 'object', properties };
}

/** `properties` as a map (the engine's form) or as a list of named entries (tolerated). */
function props(raw: unknown, at: PathKey[]): [string, Obj, PathKey[]][] {
  if (isObj(raw)) return Object.entries(raw).map(([name, v]) => [name, objAt(v), [...at, name]]);
  return objects(raw).map(([v, n]) => [String(v.name), v, [...at, n]]);
}

/** The JSON Schema of a mock answer: it is exactly known. */
export function mockSchema(value: MockValue): JsonSchema {
  switch (value.kind) {
    case 'text':
      return { type: 'string' };
    case 'array':
      return value.item ? { type: 'array', items: mockSchema(value.item) } : { type: 'array' };
    case 'object':
      return {
        type: 'object',
        properties: Object.fromEntries(value.properties.map((p) => [p.name, mockSchema(p.value)])),
        ...(value.properties.length > 0 ? { required: value.properties.map((p) => p.name) } : {}),
      };
  }
}
