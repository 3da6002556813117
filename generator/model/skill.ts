// The skill side of the model: each skill adapter's catalog, as the runtime serves it. The
// validator has already skipped the skills and tools that name nothing this server serves.
import type { PathKey } from '../load.js';
import { isObj, type Obj, objects, strAt } from '../raw.js';
import { isSkipped } from '../validate/units.js';
import { readAuth } from './consumes.js';
import type { ExposeContext } from './expose.js';
import { camel, envName } from './names.js';
import type { Skill, SkillAdapter, SkillTool } from './types.js';

/** The skill's catalog fields other than the ones the catalog builds itself. */
const DETAIL_KEYS = [
  'license',
  'compatibility',
  'metadata',
  'allowed-tools',
  'argument-hint',
  'user-invocable',
  'disable-model-invocation',
];

/** Skill adapters bind to all interfaces only when the spec says so. */
const DEFAULT_ADDRESS = '127.0.0.1';

export function buildSkillAdapter(
  adapter: Obj,
  i: number,
  ctx: Pick<ExposeContext, 'report' | 'skipped' | 'secretScope'>,
  modes: Record<string, string>,
): SkillAdapter {
  const at: PathKey[] = ['capability', 'exposes', i];
  const namespace = String(adapter.namespace);
  const skills: Skill[] = [];
  for (const [skill, s] of objects(adapter.skills)) {
    const unit = `exposes/${i}/skills/${s}`;
    if (isSkipped(ctx.skipped, unit)) continue;
    const tools: SkillTool[] = [];
    for (const [tool, t] of objects(skill.tools)) {
      if (isSkipped(ctx.skipped, `${unit}/tools/${t}`)) continue;
      const name = String(tool.name);
      const description = strAt(tool.description);
      if (isObj(tool.from))
        tools.push({
          name,
          ...(description === undefined ? {} : { description }),
          from: { sourceNamespace: String(tool.from.sourceNamespace), action: String(tool.from.action) },
        });
      else
        tools.push({
          name,
          ...(description === undefined ? {} : { description }),
          instruction: String(tool.instruction),
        });
    }
    const details: Record<string, unknown> = {};
    for (const key of DETAIL_KEYS) if (skill[key] !== undefined) details[key] = skill[key];
    const description = strAt(skill.description);
    const location = strAt(skill.location);
    skills.push({
      name: String(skill.name),
      ...(description === undefined ? {} : { description }),
      details,
      ...(location === undefined ? {} : { location }),
      tools,
    });
  }
  const used = new Set(
    skills.flatMap((s) => s.tools.flatMap((t) => ('from' in t ? [t.from.sourceNamespace] : []))),
  );
  return {
    namespace,
    catalogName: `${camel(namespace)}Catalog`,
    portEnv: `${envName(namespace)}_PORT`,
    port: Number(adapter.port),
    address: strAt(adapter.address) ?? DEFAULT_ADDRESS,
    description: strAt(adapter.description),
    auth: readAuth(adapter, at, ctx.report, ctx.secretScope).auth,
    skills,
    modes: Object.fromEntries(Object.entries(modes).filter(([ns]) => used.has(ns))),
  };
}
