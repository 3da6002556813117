// Emits skills.ts: each skill adapter's catalog as data, and the sibling adapter types its tools
// point at. The runtime (runtime/skill.ts) serves it.
import { basename } from 'node:path';
import type { Capability } from '../model/types.js';
import { code, doc, ident, lit } from './escape.js';
import { render } from './render.js';
import { runtimeImports } from './runtime.js';

export function emitSkills(model: Capability, runtime: Set<string>): string {
  const catalogs = model.skill.map(
    (a) => code`${doc(`The skills of "${a.namespace}".`, a.description)}
export const ${ident(a.catalogName)}: { skills: Skill[]; modes: Record<string, string>; openapi: Buffer } = {
  skills: ${lit(a.skills)},
  modes: ${lit(a.modes)},
  openapi: readFileSync(new URL(${lit(`./${a.openapiFile}`)}, import.meta.url)),
};`,
  );
  return render('skills.ts.hbs', {
    source: basename(model.specFile),
    runtimeImports: runtimeImports(['type Skill'], runtime),
    catalogs,
  });
}
