// Answers built by the generated code itself rather than relayed from one upstream call: mock
// answers, and orchestrations (steps of consumed calls and lookups, then `mappings`). Semantics
// follow the reference engine (naftiko.md §4.7 and §7); docs/dialect.md lists the departures.
import { Buffer } from 'node:buffer';
import { ApiResponse, RequestError, StepError, UpstreamError } from './http.js';
import { type PathSegments, select } from './output.js';

/**
 * An answer made here, as if an upstream had sent it: 200 with the value's JSON, or 204 with no
 * body when there is no value. REST relays it and MCP reads it like any other answer.
 */
export function answer(value: unknown): Promise<ApiResponse> {
  if (value === undefined) return Promise.resolve(new ApiResponse(204, {}, Buffer.alloc(0)));
  const raw = Buffer.from(JSON.stringify(value), 'utf8');
  return Promise.resolve(new ApiResponse(200, { 'content-type': 'application/json' }, raw));
}

/** What a call step leaves for later steps: the upstream's answer and its (projected) output. */
export interface StepResult {
  response: ApiResponse;
  output: unknown;
}

/**
 * Awaits one call step. A failure stops the orchestration with a StepError. The output is the
 * answer's JSON; with a projection (the consumed operation's named outputParameters) it is the
 * object of those fields, or, for an array, each element with those fields added.
 */
export async function callStep(
  step: string,
  pending: Promise<ApiResponse>,
  projection?: [name: string, path: PathSegments][],
): Promise<StepResult> {
  let response: ApiResponse;
  try {
    response = await pending;
  } catch (err) {
    if (err instanceof RequestError || err instanceof UpstreamError)
      throw new StepError(step, { cause: err });
    throw err;
  }
  if (!response.ok) throw new StepError(step, { response });
  const body = response.body;
  if (!projection || projection.length === 0 || body === null || typeof body !== 'object')
    return { response, output: body };
  const project = (from: unknown) =>
    Object.fromEntries(projection.map(([name, path]) => [name, select(from, path)]));
  if (Array.isArray(body)) {
    const output = body.map((element: unknown) => {
      const fields = Object.fromEntries(
        Object.entries(project(element)).filter(([, v]) => v !== null && v !== undefined),
      );
      return element !== null && typeof element === 'object' && !Array.isArray(element)
        ? { ...(element as Record<string, unknown>), ...fields }
        : fields;
    });
    return { response, output };
  }
  return { response, output: project(body) };
}

/**
 * `$.step.a.b` after the step name: plain dotted navigation, not JSONPath. Undefined when a
 * segment is missing, so a mapping to it is left out of the result.
 */
export function field(output: unknown, path: string[]): unknown {
  let current = output;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
    if (current === undefined) return undefined;
  }
  return current;
}

/** The text a value is compared as, the way the engine reads a JSON node as text. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return '';
}

/**
 * A lookup step: the rows of `index` whose `match` field equals the value, each reduced to
 * `fields` (null where a row lacks one). An array of values gives the matches of each value in
 * order, or undefined when none matched; one value gives its first match, or undefined.
 */
export function lookup(index: unknown, match: string, value: unknown, fields: string[]): unknown {
  const rows = (Array.isArray(index) ? index : [index]).filter(
    (r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r),
  );
  const find = (wanted: unknown) => {
    const text = asText(wanted);
    const row = rows.find((r) => r[match] !== undefined && asText(r[match]) === text);
    return row && Object.fromEntries(fields.map((f) => [f, row[f] ?? null]));
  };
  if (Array.isArray(value)) {
    const found = value.map(find).filter((r) => r !== undefined);
    return found.length > 0 ? found : undefined;
  }
  if (value === undefined) return undefined;
  return find(value);
}

/**
 * The answer of an orchestration with `mappings`: the mapped object, unless nothing in it
 * resolved, in which case the last call step's own answer (as the engine falls back).
 */
export function mapped(value: Record<string, unknown>, last: StepResult | undefined): Promise<ApiResponse> {
  const empty = (v: unknown): boolean =>
    v === undefined ||
    (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(empty));
  if (empty(value) && last) return Promise.resolve(last.response);
  return answer(value);
}

/**
 * An object built from dotted mapping targets (`route.from`, `route.to`): left out, like the
 * engine leaves it out, when none of its fields resolved.
 */
export function group(value: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.values(value).some((v) => v !== undefined) ? value : undefined;
}
