// YAML to a JSON tree. One document; aliases are resolved with a bound, so a hostile answer
// cannot expand without limit.
import { parseDocument } from 'yaml';
import { failure, FormatError } from './error.js';

export function fromYaml(raw: Buffer): unknown {
  const doc = parseDocument(raw.toString('utf8'), { uniqueKeys: false });
  if (doc.errors.length > 0) throw failure('YAML', doc.errors[0]);
  try {
    return doc.toJS({ maxAliasCount: 100 }) ?? null;
  } catch (err) {
    throw err instanceof FormatError ? err : failure('YAML', err);
  }
}
