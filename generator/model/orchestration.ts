// Orchestrated operations and tools (`steps` + `mappings`, naftiko.md §4.7): each call step is
// bound like a simple call (bind.ts), with `{{step-name.field}}` reading earlier steps; lookups
// and mappings read step outputs by `$.step-name.a.b`.
import type { Reporter } from '../diagnostics.js';
import type { PathKey } from '../load.js';
import { listAt, type Obj, objAt, objects, strAt } from '../raw.js';
import { unitKey } from '../validate/units.js';
import { bind, type BindRequest } from './bind.js';
import { camel, NameTable } from './names.js';
import { hasPlaceholders, literalTemplate, parseTemplate } from './template.js';
import type {
  ConsumedApi,
  ConsumedOperation,
  ExposedInput,
  MappedNode,
  Orchestration,
  Step,
  StepRef,
} from './types.js';

/** The runtime helpers generated orchestrations call (runtime/steps.ts): step variables avoid them. */
export const STEP_HELPERS = ['answer', 'callStep', 'field', 'group', 'lookup', 'mapped'];

export interface StepsRequest extends Omit<BindRequest, 'api' | 'operation' | 'with' | 'step'> {
  unit: string;
  node: Obj;
  /** The consumed operation of call step n, as validation resolved it (`<unit>/steps/<n>`). */
  target(key: string): { api: ConsumedApi; op: ConsumedOperation } | undefined;
  /** Identifiers the step variables must not take (clients, `args`, `request`, `signal`). */
  reserved: string[];
}

/** `$.get-ship.a.b` → step `get-ship`, path `a.b`, when `get-ship` is a known step. */
function stepRef(value: string, steps: ReadonlySet<string>): StepRef | undefined {
  if (!value.startsWith('$.')) return undefined;
  const [step, ...path] = value.slice(2).split('.');
  return step !== undefined && steps.has(step) ? { step, path: path.filter((p) => p !== '') } : undefined;
}

export function buildOrchestration(
  req: StepsRequest,
): { inputs: ExposedInput[]; steps: Orchestration } | undefined {
  const report: Reporter = req.report;
  const idents = new NameTable(req.reserved);
  const inputs = new Map<string, ExposedInput>();
  const steps: Step[] = [];
  const seen = new Set<string>();
  for (const [step, n] of objects(req.node.steps)) {
    const at: PathKey[] = [...req.at, 'steps', n];
    const name = String(step.name);
    const ident = idents.take(camel(name));
    if (String(step.type ?? 'call') === 'lookup') {
      const raw = step.lookupValue;
      const text = typeof raw === 'string' ? raw : raw === undefined ? '' : String(raw);
      const ref = stepRef(text, seen);
      if (!ref && text.startsWith('$.'))
        report.warn(
          'step-unresolved',
          `lookupValue "${text}" names no earlier step; it is compared as this text`,
          [...at, 'lookupValue'],
          'value',
        );
      const template = hasPlaceholders(text)
        ? parseTemplate(text, { ...req.scope, steps: seen })
        : literalTemplate(text);
      steps.push({
        kind: 'lookup',
        name,
        ident,
        index: String(step.index),
        match: String(step.match),
        value: ref ? { kind: 'ref', ref } : { kind: 'template', template },
        fields: listAt(step.outputParameters).flatMap((f) =>
          typeof f === 'string' ? [f] : strAt(objAt(f).name) !== undefined ? [String(objAt(f).name)] : [],
        ),
      });
      template.parts = template.parts.map((part) =>
        part.kind === 'input' && !isDeclared(part.name, req)
          ? (report.warn(
              'step-input',
              `{{${part.name}}} names no input; it renders as an empty string`,
              [...at, 'lookupValue'],
              'value',
            ),
            { kind: 'text', text: '' })
          : part,
      );
    } else {
      const target = req.target(unitKey(at));
      if (!target) return undefined;
      const bound = bind({
        ...req,
        at,
        api: target.api,
        operation: target.op,
        with: objAt(step.with),
        scope: { ...req.scope, steps: seen },
        step: true,
      });
      for (const input of bound.inputs) if (!inputs.has(input.name)) inputs.set(input.name, input);
      steps.push({ kind: 'call', name, ident, call: bound.call });
    }
    seen.add(name);
  }
  const mappings = objects(req.node.mappings);
  if (mappings.length === 0) return { inputs: [...inputs.values()], steps: { steps } };
  const result: MappedNode & { kind: 'object' } = { kind: 'object', entries: [] };
  for (const [mapping, m] of mappings) {
    const at: PathKey[] = [...req.at, 'mappings', m];
    const target = strAt(mapping.targetName);
    const value = strAt(mapping.value);
    const ref = value === undefined ? undefined : stepRef(value, seen);
    if (target === undefined || !ref) {
      report.warn(
        'mapping',
        target === undefined
          ? 'this mapping has no `targetName`; it is ignored'
          : `mapping "${target}": ${value === undefined ? 'no `value`' : `"${value}" is not \`$.<step-name>.<field>\` of a step`}; it is left out of the result`,
        target === undefined ? at : [...at, 'value'],
        target === undefined ? undefined : 'value',
      );
      continue;
    }
    place(result, target.split('.'), ref);
  }
  return { inputs: [...inputs.values()], steps: { steps, result } };
}

/** Sets `route.from` inside nested objects; a later mapping to the same target wins, as in the engine. */
function place(node: MappedNode & { kind: 'object' }, path: string[], ref: StepRef): void {
  const [head, ...rest] = path as [string, ...string[]];
  const existing = node.entries.find((e) => e.name === head);
  if (rest.length === 0) {
    if (existing) existing.value = { kind: 'ref', ref };
    else node.entries.push({ name: head, value: { kind: 'ref', ref } });
    return;
  }
  if (existing?.value.kind === 'object') return place(existing.value, rest, ref);
  const child: MappedNode & { kind: 'object' } = { kind: 'object', entries: [] };
  if (existing) existing.value = child;
  else node.entries.push({ name: head, value: child });
  place(child, rest, ref);
}

/** A lookup's template reads declared inputs only; an undeclared one renders empty, as in the engine. */
function isDeclared(name: string, req: StepsRequest): boolean {
  return req.declared.some(([p]) => String(p.name) === name);
}
