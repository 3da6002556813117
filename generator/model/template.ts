// `{{…}}` templates. A reference names either a bind variable (a secret read from the
// environment at start-up) or an exposed input; the caller says which are allowed.
import type { ArgValue, JsonTemplate, Template, TemplatePart } from './types.js';

export interface TemplateScope {
  /** Bind namespaces (`env`, `shipyard-env`, …): `{{<ns>.X}}` reads bind variable X. */
  bindNamespaces: ReadonlySet<string>;
  /** Declared bind variables: `{{X}}` reads one. */
  bindVariables: ReadonlySet<string>;
  /** Prefixes that mark an exposed input (`rest`, `tools`, the adapter's namespace). */
  inputPrefixes: ReadonlySet<string>;
  /** May templates read exposed inputs here? (Not in auth values or base URIs.) */
  inputs: boolean;
  /** Inside an orchestration: the earlier steps, whose output `{{step-name.field}}` reads. */
  steps?: ReadonlySet<string>;
}

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const ENV_LIKE = /^[A-Z][A-Z0-9_]*$/;

export function hasPlaceholders(text: string): boolean {
  return /\{\{[^{}]+\}\}/.test(text);
}

/** Classifies one `{{ref}}`. Unknown lower-case names are inputs when inputs are allowed. */
export function classifyRef(ref: string, scope: TemplateScope): TemplatePart | undefined {
  const dot = ref.indexOf('.');
  if (dot > 0) {
    const head = ref.slice(0, dot);
    const rest = ref.slice(dot + 1);
    if (scope.steps?.has(head)) return { kind: 'step', ref: { step: head, path: rest.split('.') } };
    if (scope.bindNamespaces.has(head) || head === 'env') return { kind: 'secret', variable: rest };
    if (scope.inputs && scope.inputPrefixes.has(head)) return { kind: 'input', name: rest };
  }
  if (scope.bindVariables.has(ref)) return { kind: 'secret', variable: ref };
  if (scope.inputs && !ENV_LIKE.test(ref)) return { kind: 'input', name: ref };
  if (ENV_LIKE.test(ref)) return { kind: 'secret', variable: ref };
  return undefined;
}

/** Splits `text` into parts; `unknown` receives references that fit nowhere (kept as text). */
export function parseTemplate(text: string, scope: TemplateScope, unknown?: (ref: string) => void): Template {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ kind: 'text', text: text.slice(last, match.index) });
    const part = classifyRef(match[1]!, scope);
    if (part) parts.push(part);
    else {
      unknown?.(match[1]!);
      parts.push({ kind: 'text', text: match[0] });
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return { parts: mergeText(parts) };
}

function mergeText(parts: TemplatePart[]): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const p of parts) {
    const prev = out[out.length - 1];
    if (p.kind === 'text' && prev?.kind === 'text') prev.text += p.text;
    else out.push(p.kind === 'text' ? { ...p } : p);
  }
  return out;
}

export const literalTemplate = (text: string): Template => ({
  parts: text === '' ? [] : [{ kind: 'text', text }],
});

export function templateSecrets(t: Template): string[] {
  return t.parts.flatMap((p) => (p.kind === 'secret' ? [p.variable] : []));
}

export function templateInputs(t: Template): string[] {
  return t.parts.flatMap((p) => (p.kind === 'input' ? [p.name] : []));
}

/** The templates inside a JSON template, in document order. */
export function jsonTemplates(t: JsonTemplate): Template[] {
  if (t.kind === 'template') return [t.template];
  if (t.kind === 'array') return t.items.flatMap(jsonTemplates);
  if (t.kind === 'object') return t.entries.flatMap((e) => jsonTemplates(e.value));
  return [];
}

/** The templates a call argument evaluates (none for an input or a literal). */
export function argTemplates(value: ArgValue): Template[] {
  if (value.kind === 'template') return [value.template];
  if (value.kind === 'json') return jsonTemplates(value.data);
  return [];
}
