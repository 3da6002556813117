// The JSON Schema validators, as ajv's standalone code: compiling a schema is most of what ajv
// costs a run (and loading ajv itself the rest), while the code it compiles to needs only a few
// small runtime helpers. So each schema is compiled once, on the first run, into
// node_modules/.cache/capgen-v8/, keyed by ajv's version, the options and the schema's text; a
// changed schema or ajv gets a new file. A cache that cannot be written compiles every run.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as AjvModule from 'ajv/dist/2020.js';

export type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/capgen-v8/', import.meta.url));

/** A validator of `schema` (a JSON file beside this one), with ajv's allErrors and non-strict mode. */
export function schemaValidator(
  schema: URL,
  options: { verbose?: boolean } = {},
): AjvModule.ValidateFunction {
  const text = readFileSync(schema, 'utf8');
  const { version } = require('ajv/package.json') as { version: string };
  const settings = { allErrors: true, strict: false, ...options };
  const key = createHash('sha256')
    .update(`${version}\0${JSON.stringify(settings)}\0${text}`)
    .digest('hex')
    .slice(0, 16);
  const file = `${CACHE_DIR}schema-${key}.cjs`;
  try {
    return require(file) as AjvModule.ValidateFunction;
  } catch {
    // Not compiled yet: compile it now.
  }
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof AjvModule;
  const standalone = (
    require('ajv/dist/standalone/index.js') as { default: (ajv: object, fn: object) => string }
  ).default;
  const ajv = new Ajv2020({ ...settings, code: { source: true } });
  const validate = ajv.compile(JSON.parse(text) as object);
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const staged = `${file}.${process.pid}.tmp`;
    writeFileSync(staged, standalone(ajv, validate));
    renameSync(staged, file);
  } catch {
    // Read-only: the next run compiles again.
  }
  return validate;
}
