// The catalog and management side of the model: each skill adapter's catalog, as the runtime
// serves it (the validator has already skipped the skills and tools that name nothing this server
// serves), and the control adapter's switches.
import type { PathKey } from '../load.js';
import { isObj, type Obj, objects, strAt } from '../raw.js';
import { isSkipped, unitKey } from '../validate/units.js';
import { readAuth } from './consumes.js';
import type { ExposeContext } from './expose.js';
import { envName, skillNames } from './names.js';
import type { ControlAdapter, Skill, SkillAdapter, SkillTool } from './types.js';

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
    const skillAt: PathKey[] = [...at, 'skills', s];
    if (isSkipped(ctx.skipped, unitKey(skillAt))) continue;
    const tools: SkillTool[] = [];
    for (const [tool, t] of objects(skill.tools)) {
      if (isSkipped(ctx.skipped, unitKey([...skillAt, 'tools', t]))) continue;
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
    ...skillNames(namespace),
    portEnv: `${envName(namespace)}_PORT`,
    port: Number(adapter.port),
    address: strAt(adapter.address) ?? DEFAULT_ADDRESS,
    description: strAt(adapter.description),
    auth: readAuth(adapter, at, ctx.report, ctx.secretScope).auth,
    skills,
    modes: Object.fromEntries(Object.entries(modes).filter(([ns]) => used.has(ns))),
  };
}

const flag = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);

export function buildControlAdapter(
  adapter: Obj,
  i: number,
  ctx: Pick<ExposeContext, 'report' | 'skipped' | 'secretScope'>,
): ControlAdapter {
  const management = isObj(adapter.management) ? adapter.management : {};
  const observability = isObj(adapter.observability) ? adapter.observability : {};
  const on = flag(observability.enabled, true);
  const metrics =
    isObj(observability.metrics) && isObj(observability.metrics.local) ? observability.metrics.local : {};
  const traces =
    isObj(observability.traces) && isObj(observability.traces.local) ? observability.traces.local : {};
  const buffer = Number(traces['buffer-size']);
  return {
    portEnv: 'CONTROL_PORT',
    port: Number(adapter.port),
    // The engine binds the control port to localhost unless `address` says otherwise.
    address: strAt(adapter.address) ?? DEFAULT_ADDRESS,
    auth: readAuth(adapter, ['capability', 'exposes', i], ctx.report, ctx.secretScope).auth,
    health: flag(management.health, true),
    info: flag(management.info, false),
    metrics: on && flag(metrics.enabled, true),
    traces: on && flag(traces.enabled, true),
    traceBuffer: Number.isInteger(buffer) && buffer >= 1 && buffer <= 10_000 ? buffer : 100,
  };
}
