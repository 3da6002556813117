// One corpus spec, start to finish: classify the file, generate it in memory (which type-checks
// the emitted TypeScript), write the output into a temporary folder inside the repository, run
// the smoke calls against it, and delete the folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type Diagnostic, SpecError } from '../../generator/diagnostics.js';
import { generateFile } from '../../generator/pipeline.js';
import { GeneratorBug, isStaticFile } from '../../generator/verify.js';
import { writeOutput } from '../../generator/write.js';
import type { EchoServer } from './echo.js';
import type { Mismatch } from './intent/check.js';
import { type CallOutcome, plannedCalls, smoke } from './smoke.js';
import { typeCheck, type TypeErrorFinding } from './typecheck.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Temporary output folders: inside the repository (git-ignored) so imports resolve capgen's node_modules. */
export const TMP = join(ROOT, '.tmp', 'corpus');

export type Status = 'fragment' | 'generated' | 'generated-partial' | 'refused' | 'type-error' | 'crashed';

interface Finding {
  /** `file:line:col` */
  where: string;
  severity: string;
  code: string;
  message: string;
}

export interface SpecResult {
  /** Relative to the corpus root. */
  file: string;
  status: Status;
  warnings: Finding[];
  refusals: Finding[];
  /** Skipped units by reason (`call-unresolved`, `unsupported: skill exposes`, …). */
  skipped: Record<string, number>;
  /** Skipped units by kind (`tool`, `REST operation`, `consumed operation`, …). */
  skippedUnits: Record<string, number>;
  typeErrors: TypeErrorFinding[];
  crash?: { message: string; stack?: string };
  /** What was generated: consumed operations, REST operations and MCP tools. */
  generated?: { apis: number; operations: number; restOperations: number; tools: number; files: string[] };
  smoke?: {
    calls: number;
    passed: number;
    failed: number;
    mappedOutputs: number;
    mismatches: number;
    failures: CallOutcome[];
    /** Passed calls with mismatches (the run allowed them). */
    mismatched?: CallOutcome[];
    baseUris?: Mismatch[];
  };
  ms: number;
  genMs?: number;
  smokeMs?: number;
}

/** Every .yaml/.yml file under `root`, sorted, relative paths. */
export function discover(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** A consumes-only fragment: no `capability`, but a top-level `consumes` (other specs import it). */
function isFragment(path: string): boolean {
  try {
    const data: unknown = parse(readFileSync(path, 'utf8'));
    return (
      data !== null &&
      typeof data === 'object' &&
      !Array.isArray(data) &&
      !('capability' in data) &&
      'consumes' in data
    );
  } catch {
    return false;
  }
}

const SKIP_CODES = new Set([
  'unsupported',
  'import',
  'call-unresolved',
  'duplicate-name',
  'schema',
  'tool-name',
  'ref-unresolved',
]);

/** A warning that skipped a unit: its reason and the kind of unit, or undefined. */
function skippedBy(d: Diagnostic): { reason: string; unit: string } | undefined {
  if (d.severity !== 'warning' || !SKIP_CODES.has(d.code)) return undefined;
  // A consumed operation name used twice is kept (calls are matched), not skipped.
  if (d.code === 'duplicate-name' && /used more than once/.test(d.message)) return undefined;
  const reason = d.code === 'unsupported' ? `unsupported: ${unsupportedFeature(d.message)}` : d.code;
  return { reason, unit: unitOf(d) };
}

/** `unsupported: outputRawFormat xml; only json …` → `outputRawFormat xml`. */
export function unsupportedFeature(message: string): string {
  return message
    .replace(/^unsupported:\s*/, '')
    .split(/[;(]/)[0]!
    .trim();
}

function unitOf(d: Diagnostic): string {
  const m =
    /this (tool|REST operation|REST resource|consumed operation|consumed resource|consumes entry|adapter|aggregate function|resource|operation)\b[^;]*\bskipped/.exec(
      d.message,
    );
  if (m) return m[1]!;
  const msg = d.message;
  if (d.code === 'duplicate-name') {
    if (/duplicate route/.test(msg)) return 'REST operation';
    if (/tool name/.test(msg)) return 'tool';
    if (/consumes namespace/.test(msg)) return 'consumes entry';
    return 'adapter';
  }
  if (/\btools?\b/.test(msg)) return 'tool';
  if (/REST operations?/.test(msg)) return 'REST operation';
  if (/exposes|adapter/.test(msg)) return 'adapter';
  if (/consumes import|consumes type/.test(msg)) return 'consumes entry';
  if (/outputRawFormat/.test(msg)) return 'consumed operation';
  if (/forward/.test(msg)) return 'REST resource';
  if (/MCP (resources|prompts)/.test(msg)) return 'MCP resources/prompts';
  return 'unit';
}

function finding(d: Diagnostic, root: string): Finding {
  return {
    where: `${relative(root, d.file) || d.file}:${d.line}:${d.col}`,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
}

export interface RunContext {
  /** The corpus root (paths in results are relative to it). */
  root: string;
  echo: EchoServer;
  /** Unique within the run: names the temporary folder and the upstream path prefix. */
  tag: string;
  callTimeoutMs?: number;
}

export async function runSpec(file: string, ctx: RunContext): Promise<SpecResult> {
  const started = performance.now();
  const abs = join(ctx.root, file);
  const result: SpecResult = {
    file,
    status: 'crashed',
    warnings: [],
    refusals: [],
    skipped: {},
    skippedUnits: {},
    typeErrors: [],
    ms: 0,
  };
  const done = () => {
    result.ms = Math.round(performance.now() - started);
    return result;
  };
  if (isFragment(abs)) {
    result.status = 'fragment';
    return done();
  }
  let generated: Awaited<ReturnType<typeof generateFile>>;
  try {
    generated = await generateFile(abs);
  } catch (err) {
    result.genMs = Math.round(performance.now() - started);
    if (err instanceof SpecError) {
      result.status = 'refused';
      for (const d of err.diagnostics)
        (d.severity === 'error' ? result.refusals : result.warnings).push(finding(d, ctx.root));
    } else if (err instanceof GeneratorBug || (err as Error)?.name === 'GeneratorBug') {
      result.status = 'type-error';
      result.typeErrors = await typeErrors(abs, (err as Error).message);
    } else {
      result.status = 'crashed';
      result.crash = {
        message: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      };
    }
    return done();
  }
  result.genMs = Math.round(performance.now() - started);
  for (const d of generated.diagnostics) {
    result.warnings.push(finding(d, ctx.root));
    const skip = skippedBy(d);
    if (skip) {
      result.skipped[skip.reason] = (result.skipped[skip.reason] ?? 0) + 1;
      result.skippedUnits[skip.unit] = (result.skippedUnits[skip.unit] ?? 0) + 1;
    }
  }
  result.status = Object.keys(result.skipped).length > 0 ? 'generated-partial' : 'generated';
  const model = generated.model;
  result.generated = {
    apis: model.apis.length,
    operations: model.apis.reduce((n, a) => n + a.operations.length, 0),
    restOperations: model.rest.reduce((n, a) => n + a.paths.reduce((m, p) => m + p.operations.length, 0), 0),
    tools: model.mcp.reduce((n, a) => n + a.tools.length, 0),
    files: [...generated.files.keys()],
  };
  const smokeStarted = performance.now();
  const dir = join(TMP, `${ctx.tag}-${generated.name}`);
  try {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeOutput(dir, generated.files);
    const s = await smoke(model, {
      dir,
      echo: ctx.echo,
      tag: ctx.tag,
      callTimeoutMs: ctx.callTimeoutMs,
      root: ROOT,
      spec: generated.spec,
    });
    result.smoke = { calls: s.passed + s.failed, ...s };
  } catch (err) {
    // A defect of the runner itself, or a throw the smoke stage did not expect: every call fails.
    const calls = plannedCalls(model);
    result.smoke = {
      calls,
      passed: 0,
      failed: Math.max(calls, 1),
      mappedOutputs: 0,
      mismatches: 0,
      failures: [
        {
          kind: 'rest',
          adapter: '*',
          target: '*',
          ok: false,
          reason: `smoke stage threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        },
      ],
    };
  } finally {
    ctx.echo.reset();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
  result.smokeMs = Math.round(performance.now() - smokeStarted);
  return done();
}

/**
 * The type errors of a GeneratorBug (`  rest.ts:120: message` lines). The emitted files are
 * generated again without the type-check and checked here, so each message is whole and comes
 * with its emitted line; the GeneratorBug's own lines are the fallback.
 */
async function typeErrors(abs: string, message: string): Promise<TypeErrorFinding[]> {
  const parsed: TypeErrorFinding[] = [];
  for (const line of message.split('\n').slice(1)) {
    const m = /^ {2}(\S+):(\d+): (.*)$/.exec(line);
    if (m) parsed.push({ where: `${m[1]}:${m[2]}`, message: m[3]! });
    else if (parsed.length > 0) parsed[parsed.length - 1]!.message += ` ${line.trim()}`;
  }
  if (parsed.length === 0) parsed.push({ where: '?', message });
  try {
    const again = await generateFile(abs, { skipVerify: true });
    const found = typeCheck(again.name, again.files);
    const shaped = found.filter((f) => !isStaticFile(f.where.split(':')[0]!));
    if (shaped.length > 0) return shaped;
    for (const f of parsed) {
      const [name, n] = f.where.split(':');
      const src = again.files.get(name ?? '')?.split('\n')[Number(n) - 1];
      if (src !== undefined) f.source = src.trim().slice(0, 400);
    }
  } catch {
    // the parsed lines are still worth reporting
  }
  return parsed;
}
