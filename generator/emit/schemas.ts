// Emits schemas.ts: the schema module model/schemas.ts planned, printed as it says.
import { basename } from 'node:path';
import { OBJECT_HELPER } from '../model/schemas.js';
import type { Capability, SchemaObject } from '../model/types.js';
import { Code, code, ident, join, lit, prop, runtimeSymbol } from './escape.js';
import { render } from './render.js';
import { runtimeImports } from './runtime.js';

/** The schemas.ts names the adapters import: every object, and value schemas used as a whole body. */
function schemaExports(model: Capability): Set<string> {
  const names = new Set(model.schemaModule.objects.map((o) => o.name));
  for (const a of model.rest)
    for (const p of a.paths) for (const op of p.operations) if (op.schemas?.body) names.add(op.schemas.body);
  return names;
}

function objectExpr(object: SchemaObject): Code {
  const properties = object.properties.map(({ key, schema, ref }) =>
    ref === key ? ident(ref) : code`${prop(key)}: ${ref ? ident(ref) : lit(schema)}`,
  );
  const { spread } = object;
  if (spread) properties.splice(spread.at, spread.count, code`...${ident(spread.from)}.properties`);
  const args = [code`{ ${join(properties, ', ')} }`];
  if (object.required.length > 0 || object.open) args.push(lit(object.required));
  if (object.open) args.push(new Code('true'));
  return code`${runtimeSymbol(OBJECT_HELPER)}(${join(args, ', ')})`;
}

export function emitSchemas(model: Capability, runtime: Set<string>): string {
  const exported = schemaExports(model);
  const keyword = (name: string) => new Code(exported.has(name) ? 'export const' : 'const');
  const values = model.schemaModule.values.map(
    (v) => code`${keyword(v.name)} ${ident(v.name)} = ${lit(v.schema)};`,
  );
  const objects = model.schemaModule.objects.map(
    (o) => code`${keyword(o.name)} ${ident(o.name)} = ${objectExpr(o)};`,
  );
  return render('schemas.ts.hbs', {
    source: basename(model.specFile),
    imports: runtimeImports(objects.length > 0 ? [OBJECT_HELPER] : [], runtime),
    values,
    objects,
  });
}
