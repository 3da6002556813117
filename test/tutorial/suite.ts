// The reference engine's alpha2 tutorial suite (`../shared/naftiko/e2e/tutorial-alpha2/tests.yml`),
// replayed against servers that capgen generates from the step files.
//
// Layout: in the source repository every step file sat in `tutorial/`, next to `tutorial/shared/`
// (the consumes files the steps import and the bind file). The shared copy keeps each step in its
// own folder, so the replay builds the original layout out of symlinks to the files where they
// lie: `<tmp>/tutorial/step-N-….yml → …/step-N-…/capability.yml` and `<tmp>/tutorial/shared → …/shared`.
// Nothing is copied.
//
// Per step: generate in-process (one generation shared by the step's cases), write the output to a
// temporary folder inside the repository (so the generated imports resolve capgen's node_modules),
// start it with every adapter on a free port, every consumed base URL pointed at the mock upstream
// (the engine's CI rewrote the base URIs the same way) and `file:///./…` binds read from the layout
// folder (the engine resolved them against its working directory, the layout folder).
// Per case: make the call, then apply each jq rule exactly as written with the real `jq -e` to the
// MCP result's `content[0].text` or to the REST body, as the engine's workflow did. A tool result
// with `isError` fails the case.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { parse } from 'yaml';
import { type Diagnostic, SpecError } from '../../generator/diagnostics.js';
import type { Capability } from '../../generator/model/types.js';
import { generateFile } from '../../generator/pipeline.js';
import { writeOutput } from '../../generator/write.js';
import { type MockUpstream, startMockUpstream } from './upstream.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUITE = join(ROOT, '../shared/naftiko/e2e/tutorial-alpha2');
const TMP = join(ROOT, '.tmp', 'tutorial');

/** Consumes namespace → the mocked API its base URI is rewritten to (as the engine's CI did). */
const UPSTREAM_OF: Record<string, string> = {
  registry: 'naftiko-shipyard-maritime-registry-api',
  legacy: 'naftiko-shipyard-legacy-dockyard-api',
};

export interface TutorialCase {
  name: string;
  type?: 'rest';
  file: string;
  port: number;
  tool?: string;
  args?: Record<string, unknown>;
  method?: string;
  path?: string;
  body?: unknown;
  validations: { jq: string }[];
}

export interface CaseResult {
  name: string;
  ok: boolean;
  /** Why it failed: the first failing rule, a refusal, a call error. */
  detail: string;
}

export function readCases(): TutorialCase[] {
  const doc = parse(readFileSync(join(SUITE, 'tests.yml'), 'utf8')) as { tests: TutorialCase[] };
  return doc.tests;
}

/** `jq -e RULE` over `json`: true when the rule's last output is neither false nor null. */
function jq(rule: string, json: string): Promise<{ ok: boolean; error?: string }> {
  return new Promise((resolve) => {
    const child = execFile('jq', ['-e', rule], (err, _stdout, stderr) => {
      if (!err) resolve({ ok: true });
      else if (err.code === 1) resolve({ ok: false });
      else resolve({ ok: false, error: stderr.trim() || err.message });
    });
    child.stdin!.end(json);
  });
}

/** Builds the source repository's `tutorial/` folder out of symlinks. */
function layout(dir: string, files: string[]): string {
  const tutorial = join(dir, 'tutorial');
  mkdirSync(tutorial, { recursive: true });
  symlinkSync(join(SUITE, 'shared'), join(tutorial, 'shared'));
  for (const file of files)
    symlinkSync(join(SUITE, file.replace(/\.yml$/, ''), 'capability.yml'), join(tutorial, file));
  return tutorial;
}

function where(d: Diagnostic): string {
  return `${d.file.split('/').slice(-2).join('/')}:${d.line}:${d.col} ${d.code}: ${d.message}`;
}

interface Running {
  urls: Record<string, string>;
  close(): Promise<void>;
}

interface Step {
  model?: Capability;
  running?: Running;
  /** Why nothing can be called. */
  failure?: string;
  warnings: Diagnostic[];
}

async function startStep(
  tutorial: string,
  file: string,
  outRoot: string,
  upstream: MockUpstream,
): Promise<Step> {
  let generated: Awaited<ReturnType<typeof generateFile>>;
  try {
    generated = await generateFile(join(tutorial, file));
  } catch (err) {
    if (err instanceof SpecError)
      return {
        failure: `refused: ${err.diagnostics
          .filter((d) => d.severity === 'error')
          .map(where)
          .join(' | ')}`,
        warnings: err.diagnostics,
      };
    throw err;
  }
  const out = join(outRoot, generated.name);
  await writeOutput(out, generated.files);
  const model = generated.model;
  // Every adapter on 127.0.0.1 (the step files ask for 0.0.0.0, for Docker) and on a free port.
  const env: Record<string, string> = { HOST: '127.0.0.1' };
  for (const api of model.apis) {
    const title = UPSTREAM_OF[api.namespace];
    if (title) env[api.baseUrlEnv] = upstream.baseUrl(title);
  }
  for (const adapter of [...model.rest, ...model.mcp, ...model.skill]) env[adapter.portEnv] = '0';
  const runtime = (await import(pathToFileURL(join(out, 'runtime', 'log.ts')).href)) as {
    setLogLevel?: (l: string) => void;
  };
  runtime.setLogLevel?.('silent');
  const server = (await import(pathToFileURL(join(out, 'server.ts')).href)) as {
    start(o: { env: Record<string, string>; cwd?: string }): Promise<Running>;
  };
  try {
    const running = await server.start({ env, cwd: tutorial });
    return { model, running, warnings: generated.diagnostics };
  } catch (err) {
    return {
      model,
      failure: `the server did not start: ${err instanceof Error ? err.message : String(err)}`,
      warnings: generated.diagnostics,
    };
  }
}

function skippedNear(step: Step, what: string): string {
  const related = step.warnings.filter((d) => d.message.includes('skipped') || d.code === 'unsupported');
  const named = related.filter((d) => d.message.includes(what));
  const shown = (named.length > 0 ? named : related).slice(0, 3).map(where);
  return shown.length > 0 ? ` (${shown.join(' | ')})` : '';
}

/** The MCP bearer token the engine's workflow sent (MCP_SERVER_TOKEN, from the bind file). */
function mcpToken(): string {
  const secrets = parse(readFileSync(join(SUITE, 'shared', 'secrets.yaml'), 'utf8')) as Record<
    string,
    string
  >;
  return secrets['mcp-server-token']!;
}

async function callCase(step: Step, c: TutorialCase): Promise<{ json?: string; failure?: string }> {
  if (step.failure) return { failure: step.failure };
  const model = step.model!;
  const running = step.running!;
  if (c.type === 'rest') {
    // The engine's REST-style cases reach REST adapters and skill catalogs alike.
    const adapter = [...model.rest, ...model.skill].find((a) => a.port === c.port);
    if (!adapter) return { failure: `no REST adapter on port ${c.port}${skippedNear(step, 'adapter')}` };
    const headers: Record<string, string> = {};
    if (c.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${running.urls[adapter.namespace]}${c.path}`, {
      method: c.method,
      headers,
      body: c.body === undefined ? undefined : JSON.stringify(c.body),
    });
    const text = await res.text();
    return { json: text };
  }
  const adapter = model.mcp.find((a) => a.port === c.port);
  if (!adapter) return { failure: `no MCP adapter on port ${c.port}${skippedNear(step, 'adapter')}` };
  if (!adapter.tools.some((t) => t.name === c.tool))
    return { failure: `tool ${c.tool} was not generated${skippedNear(step, 'tool')}` };
  const client = new Client({ name: 'tutorial-replay', version: '1.0.0' }, {});
  const headers: Record<string, string> = adapter.auth ? { authorization: `Bearer ${mcpToken()}` } : {};
  await client.connect(
    new StreamableHTTPClientTransport(new URL(running.urls[adapter.namespace]!), {
      requestInit: { headers },
    }),
  );
  try {
    const result = await client.callTool({ name: c.tool!, arguments: c.args ?? {} });
    const content = result.content as { type: string; text?: string }[];
    const text = content[0]?.type === 'text' ? (content[0].text ?? '') : '';
    if (result.isError) return { failure: `the tool answered isError: ${text.slice(0, 300)}` };
    return { json: text };
  } finally {
    await client.close();
  }
}

async function judge(c: TutorialCase, json: string): Promise<CaseResult> {
  for (const { jq: rule } of c.validations) {
    const r = await jq(rule, json);
    if (!r.ok)
      return {
        name: c.name,
        ok: false,
        detail: `jq '${rule}' ${r.error ? `failed: ${r.error}` : 'is false'} on ${json.slice(0, 200)}`,
      };
  }
  return { name: c.name, ok: true, detail: `${c.validations.length} rules hold` };
}

/** Runs every case; steps are generated and served one at a time. */
export async function runSuite(cases: TutorialCase[]): Promise<CaseResult[]> {
  const run = join(TMP, `run-${process.pid}-${Date.now()}`);
  rmSync(run, { recursive: true, force: true });
  const files = [...new Set(cases.map((c) => c.file))];
  const tutorial = layout(join(run, 'layout'), files);
  const upstream = await startMockUpstream(
    ['naftiko-shipyard-maritime-registry-api.yaml', 'naftiko-shipyard-legacy-dockyard-api.yaml'].map((f) =>
      join(SUITE, '_upstream-mocks', f),
    ),
  );
  const results: CaseResult[] = [];
  try {
    for (const file of files) {
      const step: Step = await startStep(tutorial, file, join(run, 'out'), upstream).catch(
        (err: unknown) => ({
          failure: `capgen crashed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
          warnings: [],
        }),
      );
      try {
        for (const c of cases.filter((x) => x.file === file)) {
          let outcome: { json?: string; failure?: string };
          try {
            outcome = await callCase(step, c);
          } catch (err) {
            outcome = { failure: `the call failed: ${err instanceof Error ? err.message : String(err)}` };
          }
          results.push(
            outcome.failure !== undefined
              ? { name: c.name, ok: false, detail: outcome.failure }
              : await judge(c, outcome.json!),
          );
        }
      } finally {
        await step.running?.close();
      }
    }
  } finally {
    await upstream.close();
    rmSync(run, { recursive: true, force: true });
  }
  return results;
}
