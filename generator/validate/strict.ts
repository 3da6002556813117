// `--strict`: refuse anything the official Naftiko 1.0.0-alpha2 schema refuses. The rules live in
// strict.schema.json, capgen's own restatement of that schema; its unions are if/then switches on
// a discriminating key, so each problem yields one error at the place it is, not one per branch.
import type { Reporter } from '../diagnostics.js';
import type { LoadedSpec, PathKey } from '../load.js';
import { type ErrorObject, schemaValidator, type ValidateFunction } from './compiled.js';

const SOURCE = 'official alpha2 schema';

interface Finding {
  message: string;
  path: PathKey[];
  at: 'key' | 'value';
}

let validator: ValidateFunction | undefined;

function strictValidator(): ValidateFunction {
  if (!validator) {
    // verbose: errors carry the failing data and the schema around them, for messages and hints.
    validator = schemaValidator(new URL('./strict.schema.json', import.meta.url), { verbose: true });
  }
  return validator;
}

/** Beyond this many problems the rest are summarised: a huge spec can have thousands. */
const MAX_LISTED = 100;

export function checkStrict(spec: LoadedSpec, report: Reporter): void {
  const findings = strictFindings(spec.data)
    .map((f) => ({ ...f, pos: spec.locate(f.path, f.at) }))
    .sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  for (const f of findings.slice(0, MAX_LISTED)) report.error('strict', f.message, f.path, f.at);
  const rest = findings.slice(MAX_LISTED);
  if (rest.length > 0) {
    const first = rest[0]!;
    report.error(
      'strict',
      `${rest.length} more problems from here on are not listed (${SOURCE})`,
      first.path,
      first.at,
    );
  }
}

/** The strict-mode problems of a parsed document, in ajv's order; empty when it is valid. */
export function strictFindings(data: unknown): Finding[] {
  const validate = strictValidator();
  if (validate(data)) return [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const f of (validate.errors ?? []).flatMap((error) => describe(error, data))) {
    const key = `${f.path.join('\u0000')}|${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(f);
  }
  return findings;
}

function describe(error: ErrorObject, root: unknown): Finding | Finding[] {
  const path = toPath(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  const hint = hintOf(error.parentSchema);
  const say = (subject: PathKey[], text: string, at: 'key' | 'value', extra?: string): Finding => ({
    message: `${where(subject)} ${text}${extra ? ` — ${extra}` : ''} (${SOURCE})`,
    path: [...subject],
    at,
  });
  switch (error.keyword) {
    case 'if': // "must match then/else": the branch's own errors say what is wrong
    case 'propertyNames': // its inner error (reported with propertyName) says which key
      return [];
    case 'required':
      return say(path, `must have property \`${String(params.missingProperty)}\``, 'key', hint);
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      return { ...say(path, `must not have property \`${extra}\``, 'key', hint), path: [...path, extra] };
    }
    case 'not': {
      // `not: {required: [k]}` (or an anyOf of such): each named key present here is forbidden.
      const present = requiredNames(error.schema).filter((k) => isMap(error.data) && k in error.data);
      if (present.length === 0) return say(path, 'is not allowed here', 'key', hint);
      return present.map((k) => ({
        ...say(path, `must not have property \`${k}\``, 'key', hint),
        path: [...path, k],
      }));
    }
    case 'type':
      return say(path, `must be ${typeName(params.type)}, not ${kindOf(error.data)}`, 'value');
    case 'enum':
      return say(
        path,
        `must be one of ${(params.allowedValues as unknown[]).map(code).join(', ')}, not ${code(error.data)}`,
        'value',
      );
    case 'const':
      return say(path, `must be ${code(params.allowedValue)}, not ${code(error.data)}`, 'value');
    case 'pattern': {
      const expected = hint ?? `a match for /${String(params.pattern)}/`;
      if (error.propertyName !== undefined) {
        return {
          ...say(path, `has key \`${error.propertyName}\`; expected ${expected}`, 'key'),
          path: [...path, error.propertyName],
        };
      }
      return say(path, `is ${code(error.data)}; expected ${expected}`, 'value');
    }
    case 'minItems':
      return say(
        path,
        params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} items`,
        'value',
      );
    case 'minLength':
      return say(
        path,
        params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long`,
        'value',
      );
    case 'maxLength':
      return say(path, `must be at most ${String(params.limit)} characters long`, 'value');
    case 'minimum':
    case 'maximum':
      return say(
        path,
        `must be ${String(params.comparison)} ${String(params.limit)}, not ${code(error.data)}`,
        'value',
      );
    default:
      return say(path, error.message ?? 'is invalid', 'key');
  }
}

/** `/capability/exposes/0` to `['capability', 'exposes', 0]`: numbers only where the data is a list. */
function toPath(pointer: string, root: unknown): PathKey[] {
  if (pointer === '') return [];
  const path: PathKey[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node =
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function requiredNames(schema: unknown): string[] {
  if (!isMap(schema)) return [];
  const own = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const nested = Array.isArray(schema.anyOf) ? schema.anyOf.flatMap(requiredNames) : [];
  return [...own, ...nested];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hintOf(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const hint = (node as Record<string, unknown>).hint;
  return typeof hint === 'string' ? hint : undefined;
}

function where(path: readonly PathKey[]): string {
  return path.length === 0 ? 'the document' : `\`${path.join('.')}\``;
}

function typeName(type: unknown): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
    null: 'null',
  };
  const list = Array.isArray(type) ? type : String(type).split(',');
  return list.map((t) => names[String(t)] ?? String(t)).join(' or ');
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${code(value)}`;
}

function code(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return `\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\``;
}
