// Stage 2: validate. Three layers, in order:
//   1. the document kind and version (refusals);
//   2. the project's own dialect schema, run with ajv (dialect.schema.json);
//   3. semantic checks (semantic.ts): calls resolve, names are unique, features are supported.
// A defect inside one operation, tool or adapter (a "unit") skips that unit with a located
// warning; anything outside a unit refuses the spec. `--strict` also applies the official alpha2
// rules (strict.ts) and turns every warning into a refusal.
import type { Reporter } from '../diagnostics.js';
import type { LoadedSpec, PathKey } from '../load.js';
import type { CallIndex } from '../raw.js';
import { type ErrorObject, schemaValidator, type ValidateFunction } from './compiled.js';
import { type CallTargets, checkSemantics } from './semantic.js';
import { checkStrict } from './strict.js';
import { closest } from './suggest.js';
import { unitOf } from './units.js';

const SUPPORTED_VERSION = '1.0.0-alpha2';

let dialectValidator: ValidateFunction | undefined;

export interface Validation {
  /** Units (see units.ts) that are skipped, with the reason already reported. */
  skipped: Set<string>;
  /** Where each callable consumed operation is. */
  index: CallIndex;
  /** The consumed operation each exposed unit calls. */
  calls: CallTargets;
}

export function validate(spec: LoadedSpec, report: Reporter): Validation {
  checkKind(spec, report);
  report.throwIfFailed();

  const skipped = new Set<string>();
  dialectValidator ??= schemaValidator(new URL('./dialect.schema.json', import.meta.url));
  if (!dialectValidator(spec.data)) {
    for (const error of simplify(dialectValidator.errors ?? [])) {
      const path = pointerToPath(error.instancePath);
      const unit = unitOf(path);
      const message = `${describe(error)}${nearMiss(error, spec.data)}`;
      if (unit) {
        report.warn('schema', `${message}; this ${unit.kind} is skipped`, path, undefined, {
          explains: unit.key,
        });
        skipped.add(unit.key);
      } else {
        report.error('schema', message, path);
      }
    }
  }
  report.throwIfFailed();
  if (report.strict) checkStrict(spec, report);
  const { index, calls } = checkSemantics(spec, report, skipped);
  report.throwIfFailed();
  return { skipped, index, calls };
}

function checkKind(spec: LoadedSpec, report: Reporter): void {
  const data = spec.data;
  if ('ikanos' in data) {
    report.error(
      'version',
      `this is an Ikanos (${String(data.ikanos)}) document; capgen reads naftiko: ${SUPPORTED_VERSION}`,
      ['ikanos'],
    );
    return;
  }
  if (!('naftiko' in data)) {
    report.error(
      'version',
      `not a Naftiko capability: the root has no \`naftiko\` version (expected naftiko: ${SUPPORTED_VERSION})`,
      [],
    );
    return;
  }
  if (String(data.naftiko) !== SUPPORTED_VERSION) {
    report.error(
      'version',
      `unsupported naftiko version ${JSON.stringify(data.naftiko)}; capgen reads ${SUPPORTED_VERSION}`,
      ['naftiko'],
      'value',
    );
    return;
  }
  if (!('capability' in data)) {
    const what =
      'consumes' in data
        ? 'a consumes-only fragment (it is imported by other capabilities)'
        : 'a document with no `capability`';
    report.error('nothing-to-generate', `nothing to generate: this is ${what}`, []);
  }
}

/** ajv reports every failed branch of an if/then; keep the most specific error per location. */
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const kept = errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'allOf');
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** For a missing required key: a sibling key that looks like a misspelling of it. */
function nearMiss(error: ErrorObject, data: unknown): string {
  if (error.keyword !== 'required') return '';
  let node: unknown = data;
  for (const key of pointerToPath(error.instancePath))
    node = (node as Record<PathKey, unknown> | undefined)?.[key];
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return '';
  const missing = String((error.params as { missingProperty: string }).missingProperty);
  const typo = Object.keys(node).find((k) => closest(k, [missing]) === missing);
  return typo === undefined ? '' : ` (\`${typo}\` looks like a misspelling of it)`;
}

function describe(error: ErrorObject): string {
  const where =
    error.instancePath === '' ? 'the document' : `\`${pointerToPath(error.instancePath).join('.')}\``;
  switch (error.keyword) {
    case 'required':
      return `${where} is missing the required \`${String((error.params as { missingProperty: string }).missingProperty)}\``;
    case 'type':
      return `${where} must be of type ${String((error.params as { type: string | string[] }).type)}`;
    case 'enum':
      return `${where} must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return `${where} has an invalid value (expected to match ${(error.params as { pattern: string }).pattern})`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

function pointerToPath(pointer: string): PathKey[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
