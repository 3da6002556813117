// Checks of a skill adapter (`exposes: type: skill`): a read-only catalog, so nothing is called;
// what can go wrong is a tool that names no sibling tool or operation, or a file path that could
// lead outside the skill's folder. Each defect skips the smallest unit: a tool, a skill, or the
// adapter.
import type { Reporter } from '../diagnostics.js';
import type { PathKey } from '../load.js';
import { isObj, type Obj, objects, strAt } from '../raw.js';
import { closest, didYouMean } from './suggest.js';
import { isSkipped, unitKey } from './units.js';

/** What a skill tool may derive from: a sibling REST or MCP adapter, by namespace. */
export interface Sibling {
  type: 'rest' | 'mcp';
  /** Tool names (MCP) or operation names (REST) → the unit that defines each. */
  actions: Map<string, string>;
}

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function skipUnit(
  report: Reporter,
  skipped: Set<string>,
  unit: string,
  code: string,
  message: string,
  path: PathKey[],
  at?: 'key' | 'value',
  relation: { after?: string } = {},
): void {
  report.warn(code, message, path, at, { explains: unit, ...relation });
  skipped.add(unit);
}

/** True when `path` is a plain relative file path: no `..`, `.`, empty, absolute or backslash parts. */
function safeRelative(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

export function checkSkillAdapter(
  adapter: Obj,
  at: PathKey[],
  unit: string,
  report: Reporter,
  skipped: Set<string>,
  siblings: ReadonlyMap<string, Sibling>,
): void {
  if (adapter.groups !== undefined && adapter.skills === undefined) {
    skipUnit(
      report,
      skipped,
      unit,
      'schema',
      'a skill adapter lists its skills in `skills` (each with `tools` that name `from: {sourceNamespace, action}`); `groups` is not part of alpha2, so this adapter is skipped',
      [...at, 'groups'],
      'key',
    );
    return;
  }
  if (!Array.isArray(adapter.skills) || adapter.skills.length === 0) {
    skipUnit(
      report,
      skipped,
      unit,
      'schema',
      'a skill adapter needs a non-empty `skills` list; this adapter is skipped',
      adapter.skills === undefined ? at : [...at, 'skills'],
    );
    return;
  }
  const port = adapter.port;
  if (port === undefined || !Number.isInteger(Number(port)) || Number(port) < 1 || Number(port) > 65535) {
    skipUnit(
      report,
      skipped,
      unit,
      'schema',
      port === undefined
        ? 'a skill adapter needs a `port` (1-65535); this adapter is skipped'
        : `port ${JSON.stringify(port)} is not a TCP port (1-65535); this adapter is skipped`,
      port === undefined ? at : [...at, 'port'],
      port === undefined ? undefined : 'value',
    );
    return;
  }
  const names = new Set<string>();
  for (const [skill, s] of objects(adapter.skills)) {
    const skillUnit = unitKey([...at, 'skills', s]);
    const skillAt: PathKey[] = [...at, 'skills', s];
    if (isSkipped(skipped, skillUnit)) continue;
    const name = strAt(skill.name);
    if (name === undefined || !KEBAB.test(name) || name.length > 64) {
      skipUnit(
        report,
        skipped,
        skillUnit,
        'schema',
        name === undefined
          ? 'this skill has no `name`; it is skipped'
          : `skill name ${JSON.stringify(name)} must be kebab-case, 1-64 characters (it is a URL segment of the catalog); this skill is skipped`,
        name === undefined ? skillAt : [...skillAt, 'name'],
        name === undefined ? undefined : 'value',
      );
      continue;
    }
    if (names.has(name)) {
      skipUnit(
        report,
        skipped,
        skillUnit,
        'duplicate-name',
        `duplicate skill name "${name}"; the first one keeps the name and this one is skipped`,
        [...skillAt, 'name'],
        'value',
      );
      continue;
    }
    const location = skill.location;
    if (location !== undefined && (typeof location !== 'string' || !location.startsWith('file:///'))) {
      skipUnit(
        report,
        skipped,
        skillUnit,
        'schema',
        `skill location ${JSON.stringify(location)} must be a file:/// folder; this skill is skipped`,
        [...skillAt, 'location'],
        'value',
      );
      continue;
    }
    names.add(name);
    checkTools(skill, skillAt, report, skipped, siblings);
  }
}

function checkTools(
  skill: Obj,
  at: PathKey[],
  report: Reporter,
  skipped: Set<string>,
  siblings: ReadonlyMap<string, Sibling>,
): void {
  const names = new Set<string>();
  for (const [tool, t] of objects(skill.tools)) {
    const toolAt: PathKey[] = [...at, 'tools', t];
    const toolUnit = unitKey(toolAt);
    if (isSkipped(skipped, toolUnit)) continue;
    const skipTool = (message: string, path: PathKey[], where?: 'key' | 'value', after?: string) =>
      skipUnit(
        report,
        skipped,
        toolUnit,
        'skill-tool',
        `${message}; this skill tool is skipped`,
        path,
        where,
        {
          ...(after === undefined ? {} : { after }),
        },
      );
    const name = strAt(tool.name);
    if (name === undefined) {
      skipTool('this skill tool has no `name`', toolAt);
      continue;
    }
    if (names.has(name)) {
      skipTool(`duplicate tool name "${name}" in this skill`, [...toolAt, 'name'], 'value');
      continue;
    }
    const from = tool.from;
    const instruction = tool.instruction;
    if ((from === undefined) === (instruction === undefined)) {
      const extra = tool.call !== undefined ? ' (`call` is not part of alpha2 skill tools)' : '';
      skipTool(
        `a skill tool needs exactly one of \`from: {sourceNamespace, action}\` or \`instruction\`${extra}`,
        toolAt,
      );
      continue;
    }
    if (instruction !== undefined) {
      if (typeof instruction !== 'string' || !safeRelative(instruction)) {
        skipTool(
          `instruction ${JSON.stringify(instruction)} must be a file path relative to the skill's location, without \`..\``,
          [...toolAt, 'instruction'],
          'value',
        );
        continue;
      }
      if (skill.location === undefined) {
        skipTool("an `instruction` file is read from the skill's `location`, and this skill has none", [
          ...toolAt,
          'instruction',
        ]);
        continue;
      }
      names.add(name);
      continue;
    }
    const source = isObj(from) ? strAt(from.sourceNamespace) : undefined;
    const action = isObj(from) ? strAt(from.action) : undefined;
    if (source === undefined || action === undefined) {
      skipTool('`from` needs `sourceNamespace` and `action`', [...toolAt, 'from']);
      continue;
    }
    const sibling = siblings.get(source);
    if (!sibling) {
      skipTool(
        `sourceNamespace "${source}" names no REST or MCP adapter of this capability${didYouMean(source, [...siblings.keys()], (n) => `"${n}"`)}`,
        [...toolAt, 'from', 'sourceNamespace'],
        'value',
      );
      continue;
    }
    const defined = sibling.actions.get(action);
    if (defined === undefined) {
      const near = closest(action, sibling.actions.keys());
      skipTool(
        `adapter "${source}" has no ${sibling.type === 'mcp' ? 'tool' : 'operation'} named "${action}"${near === undefined ? '' : `; did you mean "${near}"?`}`,
        [...toolAt, 'from', 'action'],
        'value',
      );
      continue;
    }
    if (isSkipped(skipped, defined)) {
      // The catalog would point agents at something this server does not serve.
      const line = report.explanation(defined)?.line;
      skipTool(
        `${sibling.type === 'mcp' ? 'tool' : 'operation'} "${action}" of "${source}" was skipped${line === undefined ? '' : ` (line ${line})`}, so the catalog does not list it`,
        [...toolAt, 'from', 'action'],
        'value',
        defined,
      );
      continue;
    }
    names.add(name);
  }
}
