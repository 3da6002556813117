// The smoke stage for one generated spec: start the generated server in-process against the
// echo upstream, call every REST operation over HTTP and every MCP tool with the official
// client, once each, and check what reached the upstream and what came back.
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { LoadedSpec } from '../../generator/load.js';
import type {
  Auth,
  Capability,
  McpAdapter,
  McpTool,
  RestAdapter,
  RestOperation,
  RestPath,
} from '../../generator/model/types.js';
import type { EchoRequest, EchoServer } from './echo.js';
import { bestOf, compareOutput, credentialNames, type Mismatch } from './intent/check.js';
import { baseUri, type Context, type Inbound, predict, readBinds, unitAt } from './intent/read.js';
import { argumentsFor, evalTemplate, expectedRequest, type Resolved, textOf } from './oracle.js';

const ECHO_FORMAT_ERROR = /the upstream answer is not valid (XML|CSV|TSV|PSV|YAML): /;
export interface CallOutcome {
  kind: 'rest' | 'mcp';
  adapter: string;
  /** `METHOD /published/{template}` or the tool name. */
  target: string;
  ok: boolean;
  reason?: string;
  expected?: string;
  actual?: string;
  /** Where the request or answer differs from what the spec means (the intent oracle). */
  mismatches?: Mismatch[];
}

export interface SmokeResult {
  passed: number;
  failed: number;
  failures: CallOutcome[];
  /** Calls whose output is mapped: the echo marker cannot be expected in the answer. */
  mappedOutputs: number;
  /** Field-by-field differences from the intent oracle, over all calls and base URIs. */
  mismatches: number;
  /**
   * Calls that passed although the intent oracle found mismatches (allowMismatches): kept here,
   * since `failures` holds only failed calls, so the report can still count them by cause.
   */
  mismatched?: CallOutcome[];
  /** Base URIs that differ from what the spec means (checked without a call: the run overrides them). */
  baseUris?: Mismatch[];
}

export interface SmokeOptions {
  /** Folder holding the written output (inside the repo, so imports resolve capgen's node_modules). */
  dir: string;
  echo: EchoServer;
  /** Unique per spec within a run: the upstream path prefix of its consumed APIs. */
  tag: string;
  /** Time limit of one call, in ms. */
  callTimeoutMs?: number;
  /** The repository root (cwd of a subprocess server). */
  root: string;
  /** The loaded spec: the intent oracle reads it, not the model. */
  spec?: LoadedSpec;
  /**
   * Count the intent oracle's mismatches without failing the call. Defaults to
   * CORPUS_ALLOW_MISMATCHES=1 in the environment.
   */
  allowMismatches?: boolean;
}

interface Running {
  urls: Record<string, string>;
  close(): Promise<void>;
}

/** The number of calls a spec's smoke stage makes. */
export function plannedCalls(model: Capability): number {
  return (
    model.rest.reduce((n, a) => n + a.paths.reduce((m, p) => m + p.operations.length, 0), 0) +
    model.mcp.reduce((n, a) => n + a.tools.length, 0)
  );
}

export function secretValue(name: string): string {
  return `dummy-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-5e3c`;
}

export async function smoke(model: Capability, options: SmokeOptions): Promise<SmokeResult> {
  const { echo, tag } = options;
  const timeout = options.callTimeoutMs ?? 5_000;
  const env: Record<string, string> = { HOST: '127.0.0.1' };
  const prefixes = new Map<string, string>();
  model.apis.forEach((api, i) => {
    const prefix = `/${tag}/a${i}`;
    prefixes.set(api.namespace, prefix);
    env[api.baseUrlEnv] = echo.url + prefix;
  });
  // Every listener on a free port: specs smoke-tested side by side may declare the same one.
  for (const a of [...model.rest, ...model.mcp, ...model.skill, ...(model.control ? [model.control] : [])])
    env[a.portEnv] = '0';
  for (const e of model.env) if (e.secret && env[e.name] === undefined) env[e.name] = secretValue(e.name);
  const resolved: Resolved = {
    secret: (variable) => env[model.secrets.find((s) => s.variable === variable)?.env ?? variable] ?? '',
  };
  const result: SmokeResult = { passed: 0, failed: 0, failures: [], mappedOutputs: 0, mismatches: 0 };
  const intent: Context | undefined = options.spec && {
    spec: options.spec,
    binds: readBinds(options.spec),
    env: (name) => env[name] ?? secretValue(name),
    prefix: (ns) => prefixes.get(ns) ?? '',
  };
  if (intent) {
    const capability = intent.spec.data.capability as { consumes?: unknown } | undefined;
    const entries = Array.isArray(capability?.consumes) ? (capability.consumes as unknown[]) : [];
    for (const api of model.apis) {
      const i = entries.findIndex(
        (e) =>
          e !== null && typeof e === 'object' && (e as { namespace?: unknown }).namespace === api.namespace,
      );
      if (i < 0) continue;
      const want = baseUri(intent, entries[i] as Record<string, unknown>);
      const got = evalTemplate(api.baseUri, resolved, () => '');
      if (want !== got) {
        const p = intent.spec.locate(['capability', 'consumes', i, 'baseUri'], 'value');
        const hide = (t: string) => t.replace(/dummy-[a-z0-9-]+-5e3c/g, '(a credential)');
        (result.baseUris ??= []).push({
          problem: 'base URI differs',
          field: 'path',
          where: `${intent.spec.file}:${p.line}:${p.col}`,
          expected: hide(want),
          actual: hide(got),
        });
        result.mismatches++;
      }
    }
  }
  const allow = options.allowMismatches ?? process.env.CORPUS_ALLOW_MISMATCHES === '1';
  const record = (o: CallOutcome) => {
    const mismatched = (o.mismatches?.length ?? 0) > 0;
    if (mismatched) {
      result.mismatches += o.mismatches!.length;
      // Allowed mismatches are counted (the summary line prints them) without failing the call.
      if (o.ok && !allow) {
        o.ok = false;
        o.reason = `the request differs from the spec: ${o.mismatches!.map((m) => m.field).join(', ')}`;
      }
    }
    // The echo upstream always answers JSON. An operation that declares XML, CSV, TSV, PSV or YAML
    // must then give the clean error naming its format (502 / isError), never a crash or a relay.
    if (!o.ok && (!mismatched || allow) && ECHO_FORMAT_ERROR.test(o.reason ?? '')) o.ok = true;
    if (o.ok && mismatched) (result.mismatched ??= []).push(o);
    if (o.ok) result.passed++;
    else {
      result.failed++;
      result.failures.push(o);
    }
  };
  const failAll = (reason: string, adapters?: (RestAdapter | McpAdapter)[]) => {
    for (const a of model.rest)
      if (!adapters || adapters.includes(a))
        for (const p of a.paths)
          for (const op of p.operations)
            record({
              kind: 'rest',
              adapter: a.namespace,
              target: `${op.method} ${p.template}`,
              ok: false,
              reason,
            });
    for (const a of model.mcp)
      if (!adapters || adapters.includes(a))
        for (const t of a.tools)
          record({ kind: 'mcp', adapter: a.namespace, target: t.name, ok: false, reason });
  };

  const stdioAdapters = model.mcp.filter((a) => a.transport === 'stdio');
  let running: Running;
  let stdioClient: Client | undefined;
  try {
    if (stdioAdapters.length > 0) {
      // A stdio adapter is served on the process's own stdin/stdout: run that server in a child.
      ({ running, client: stdioClient } = await startChild(options, env, timeout));
    } else {
      const runtime = (await import(pathToFileURL(join(options.dir, 'runtime', 'log.ts')).href)) as {
        setLogLevel?: (l: string) => void;
      };
      runtime.setLogLevel?.('silent');
      const server = (await import(pathToFileURL(join(options.dir, 'server.ts')).href)) as {
        start(o: { env: Record<string, string> }): Promise<Running>;
      };
      running = await server.start({ env });
    }
  } catch (err) {
    failAll(`the server did not start: ${message(err)}`);
    return result;
  }

  try {
    for (const adapter of model.rest) {
      const base = running.urls[adapter.namespace];
      if (!base) {
        failAll(`start() returned no URL for "${adapter.namespace}"`, [adapter]);
        continue;
      }
      const auth = inbound(adapter.auth, resolved);
      for (const path of adapter.paths) {
        for (const op of path.operations) {
          // Mocks and orchestrations make no single upstream request to judge; they are not smoke-called.
          if (!op.call) continue;
          const outcome = await callRest(model, adapter, path, op, {
            base,
            auth,
            echo,
            resolved,
            prefixes,
            timeout,
            intent,
          });
          if (op.output.kind === 'mapped') result.mappedOutputs++;
          record(outcome);
        }
      }
    }
    for (const adapter of model.mcp) {
      let client: Client;
      if (adapter.transport === 'stdio') {
        client = stdioClient!;
      } else {
        const url = running.urls[adapter.namespace];
        if (!url) {
          failAll(`start() returned no URL for "${adapter.namespace}"`, [adapter]);
          continue;
        }
        const auth = inbound(adapter.auth, resolved);
        const target = new URL(url);
        for (const [k, v] of auth.query) target.searchParams.append(k, v);
        client = new Client({ name: 'capgen-corpus', version: '1.0.0' }, {});
        try {
          await client.connect(
            new StreamableHTTPClientTransport(target, { requestInit: { headers: auth.headers } }),
          );
        } catch (err) {
          failAll(`the MCP client could not connect: ${message(err)}`, [adapter]);
          await client.close().catch(() => undefined);
          continue;
        }
      }
      try {
        let listed: Set<string> | undefined;
        try {
          listed = new Set((await client.listTools(undefined, { timeout })).tools.map((t) => t.name));
        } catch (err) {
          failAll(`tools/list failed: ${message(err)}`, [adapter]);
          continue;
        }
        for (const tool of adapter.tools) {
          if (!tool.call) continue;
          const outcome = listed.has(tool.name)
            ? await callTool(model, adapter, tool, { client, echo, resolved, prefixes, timeout, intent })
            : {
                kind: 'mcp' as const,
                adapter: adapter.namespace,
                target: tool.name,
                ok: false,
                reason: 'the tool is not in tools/list',
              };
          if (tool.output.kind === 'mapped') result.mappedOutputs++;
          record(outcome);
        }
      } finally {
        if (adapter.transport !== 'stdio') await client.close().catch(() => undefined);
      }
    }
  } finally {
    await stdioClient?.close().catch(() => undefined);
    await running.close().catch(() => undefined);
  }
  return result;
}

interface CallContext {
  intent?: Context;
  echo: EchoServer;
  resolved: Resolved;
  prefixes: Map<string, string>;
  timeout: number;
}

/** What a caller of an adapter with inbound authentication must present. */
function inbound(
  auth: Auth | undefined,
  resolved: Resolved,
): { headers: Record<string, string>; query: [string, string][] } {
  const value = (t: Parameters<typeof evalTemplate>[0]) => evalTemplate(t, resolved, () => '');
  if (!auth) return { headers: {}, query: [] };
  switch (auth.kind) {
    case 'bearer':
      return { headers: { authorization: `Bearer ${value(auth.token)}` }, query: [] };
    case 'basic':
      return {
        headers: {
          authorization: `Basic ${Buffer.from(`${value(auth.username)}:${value(auth.password)}`).toString('base64')}`,
        },
        query: [],
      };
    case 'apikey':
      return auth.placement === 'header'
        ? { headers: { [auth.name]: value(auth.value) }, query: [] }
        : { headers: {}, query: [[auth.name, value(auth.value)]] };
  }
}

async function callRest(
  model: Capability,
  adapter: RestAdapter,
  path: RestPath,
  op: RestOperation,
  ctx: CallContext & { base: string; auth: { headers: Record<string, string>; query: [string, string][] } },
): Promise<CallOutcome> {
  const target = `${op.method} ${path.template}`;
  const fail = (reason: string, expected?: string, actual?: string): CallOutcome => ({
    kind: 'rest',
    adapter: adapter.namespace,
    target,
    ok: false,
    reason,
    expected,
    actual,
  });
  const sent = argumentsFor(op.inputs);
  const problems: string[] = [];
  // The URL from the published template: each {name} filled with its input's value.
  let extra = 0;
  const pathValues: string[] = [];
  const filled = path.template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const routerName = path.params.find((p) => p.name === name)?.routerName;
    const input = op.inputs.find((i) => i.in === 'path' && (i.name === name || i.name === routerName));
    const value = input ? sent.get(input.name) : `p${++extra}`;
    // An array travels in a path as its one item; the router coerces it back into an array.
    const one = textOf(Array.isArray(value) ? value[0] : value);
    pathValues.push(one);
    return encodeURIComponent(one);
  });
  for (const i of op.inputs) {
    if (i.in === 'path' && !path.params.some((p) => p.name === i.name || p.routerName === i.name))
      problems.push(`path input "${i.name}" has no {${i.name}} in ${path.template}`);
  }
  const url = new URL(ctx.base + filled);
  for (const i of op.inputs.filter((x) => x.in === 'query')) {
    const v = sent.get(i.name);
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(i.name, textOf(item));
  }
  const inboundQuery = [...url.searchParams.entries()];
  for (const [k, v] of ctx.auth.query) url.searchParams.append(k, v);
  const headers: Record<string, string> = { ...ctx.auth.headers };
  const inputHeaders: Record<string, string> = {};
  for (const i of op.inputs.filter((x) => x.in === 'header')) {
    const v = sent.get(i.name);
    headers[i.name] = Array.isArray(v) ? v.map(textOf).join(', ') : textOf(v);
    inputHeaders[i.name] = headers[i.name]!;
  }
  const bodyInputs = op.inputs.filter((x) => x.in === 'body');
  let body: string | undefined;
  if (bodyInputs.length > 0) {
    const whole = bodyInputs.find((i) => i.name === 'body');
    body = JSON.stringify(
      whole ? sent.get('body') : Object.fromEntries(bodyInputs.map((i) => [i.name, sent.get(i.name)])),
    );
    headers['content-type'] = 'application/json';
  }
  const before = ctx.echo.requests.length;
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, {
      method: op.method,
      headers,
      body,
      signal: AbortSignal.timeout(ctx.timeout),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    return fail(
      `the REST call failed: ${message(err)}`,
      undefined,
      `${op.method} ${url.pathname}${url.search}`,
    );
  }
  const received = ctx.echo.requests.slice(before);
  const expected = expectedRequest(
    model,
    op.call!,
    op.inputs,
    sent,
    ctx.resolved,
    ctx.prefixes.get(op.call!.api.namespace) ?? '',
  );
  const verdict = judge(expected, received);
  let mismatches: Mismatch[] | undefined;
  if (ctx.intent) {
    const unit = unitAt(ctx.intent.spec, op.origin.line, op.origin.col);
    const specPlaceholders = [
      ...String(unit?.resource?.path ?? '')
        .replace(/[?#].*$/, '')
        .matchAll(/\{\{\s*([^{}]+?)\s*\}\}|\{([^{}]+)\}/g),
    ].map((m) => (m[1] ?? m[2])!.trim());
    const inbound: Inbound = {
      kind: 'rest',
      pathVars: Object.fromEntries(specPlaceholders.map((name, i) => [name, pathValues[i] ?? ''])),
      query: inboundQuery,
      headers: inputHeaders,
      body: body === undefined ? undefined : (JSON.parse(body) as unknown),
    };
    mismatches = await intentCheck(
      ctx.intent,
      unit,
      inbound,
      received,
      () => {
        if (status !== 200 || String(op.method) === 'HEAD') return undefined;
        if (text === '') return { got: null };
        try {
          return { got: JSON.parse(text) as unknown };
        } catch {
          return { got: text };
        }
      },
      false,
    );
  }
  if (status !== 200) problems.push(`REST status ${status}: ${clip(text)}`);
  else if (
    op.output.kind === 'passthrough' &&
    received.length === 1 &&
    hasAnswerBody(op.method, received[0]!) &&
    !text.includes(received[0]!.id)
  )
    problems.push(`the REST answer does not carry the echo marker: ${clip(text)}`);
  if (problems.length === 0 && verdict.ok)
    return { kind: 'rest', adapter: adapter.namespace, target, ok: true, mismatches };
  return {
    ...fail(
      [...problems, ...verdict.problems].join('; '),
      verdict.expected,
      verdict.actual ?? `${op.method} ${url.pathname}${url.search} → ${status}`,
    ),
    mismatches,
  };
}

async function callTool(
  model: Capability,
  adapter: McpAdapter,
  tool: McpTool,
  ctx: CallContext & { client: Client },
): Promise<CallOutcome> {
  const fail = (reason: string, expected?: string, actual?: string): CallOutcome => ({
    kind: 'mcp',
    adapter: adapter.namespace,
    target: tool.name,
    ok: false,
    reason,
    expected,
    actual,
  });
  const sent = argumentsFor(tool.inputs);
  const before = ctx.echo.requests.length;
  let result: Awaited<ReturnType<Client['callTool']>>;
  try {
    result = await ctx.client.callTool(
      { name: tool.name, arguments: Object.fromEntries(sent) },
      { timeout: ctx.timeout },
    );
  } catch (err) {
    const received = ctx.echo.requests.slice(before);
    return fail(
      `callTool threw: ${message(err)}`,
      undefined,
      received.map((r) => `${r.method} ${r.url}`).join(', ') || 'no upstream request',
    );
  }
  const received = ctx.echo.requests.slice(before);
  const expected = expectedRequest(
    model,
    tool.call!,
    tool.inputs,
    sent,
    ctx.resolved,
    ctx.prefixes.get(tool.call!.api.namespace) ?? '',
  );
  const verdict = judge(expected, received);
  const problems: string[] = [];
  const mismatches = ctx.intent
    ? await intentCheck(
        ctx.intent,
        unitAt(ctx.intent.spec, tool.origin.line, tool.origin.col),
        { kind: 'mcp', args: Object.fromEntries(sent) },
        received,
        () => (result.isError ? undefined : { got: result.structuredContent }),
        true,
      )
    : undefined;
  if (result.isError) {
    const textOut =
      (result.content as { type: string; text?: string }[] | undefined)?.map((c) => c.text ?? '').join(' ') ??
      '';
    problems.push(`tool error: ${clip(textOut)}`);
  } else if (
    tool.output.kind === 'passthrough' &&
    received.length === 1 &&
    hasAnswerBody('POST', received[0]!)
  ) {
    const sc = result.structuredContent as Record<string, unknown> | undefined;
    // A `text` answer is one string: the echo's JSON as text, wrapped as `{result}`.
    const marked =
      sc?.echo === received[0]!.id || (typeof sc?.result === 'string' && sc.result.includes(received[0]!.id));
    if (!marked)
      problems.push(`structuredContent does not carry the echo marker: ${clip(JSON.stringify(sc))}`);
  } else if (
    tool.output.kind === 'mapped' &&
    (result.structuredContent === undefined || result.structuredContent === null)
  ) {
    problems.push('a mapped tool returned no structuredContent');
  }
  if (problems.length === 0 && verdict.ok)
    return { kind: 'mcp', adapter: adapter.namespace, target: tool.name, ok: true, mismatches };
  return {
    ...fail([...problems, ...verdict.problems].join('; '), verdict.expected, verdict.actual),
    mismatches,
  };
}

/** Whether an answer can carry the echo's body: neither the upstream nor the caller's request is a HEAD. */
const hasAnswerBody = (inbound: string, upstream: EchoRequest) =>
  inbound !== 'HEAD' && upstream.method !== 'HEAD';

/**
 * The intent oracle's verdict on one call: the recorded upstream request against what the spec
 * means (every field), and the answer against the spec's output mapping of the echo's answer.
 */
async function intentCheck(
  ctx: Context,
  unit: ReturnType<typeof unitAt>,
  inbound: Inbound,
  received: EchoRequest[],
  answer: () => { got: unknown } | undefined,
  mcp: boolean,
): Promise<Mismatch[]> {
  const spec = ctx.spec;
  if (!unit)
    return [
      {
        problem: 'no unit at the origin',
        field: 'calls',
        where: `${spec.file}:1:1`,
        expected: 'a unit at the model origin',
        actual: 'none',
      },
    ];
  const at = spec.locate(unit.at);
  const here = `${spec.file}:${at.line}:${at.col}`;
  const expected = predict(ctx, unit, inbound);
  if (expected.length === 0)
    return [
      {
        problem: 'calls nothing',
        field: 'calls',
        where: here,
        expected: 'no consumed operation (the call names none)',
        actual: `${received.length} requests`,
      },
    ];
  if (received.length !== 1)
    return [
      {
        problem: 'request count',
        field: 'calls',
        where: here,
        expected: '1 upstream request',
        actual: `${received.length} requests`,
      },
    ];
  const r = { ...received[0]!, parts: await multipartParts(received[0]!) };
  const { ex, mismatches } = bestOf(spec, expected, r, credentialNames(expected));
  const a = answer();
  if (a !== undefined) {
    // The echo answers a HEAD request with headers only: an empty body, read as null.
    const upstream = r.method === 'HEAD' ? null : { echo: r.id, method: r.method, path: r.path };
    const format = ex?.target.op.outputRawFormat;
    mismatches.push(
      ...compareOutput(spec, unit, upstream, a.got, mcp, typeof format === 'string' ? format : undefined),
    );
  }
  return mismatches;
}

/** The parts of a multipart/form-data request, read by the platform's decoder; a file is {filename, type, text}. */
async function multipartParts(r: EchoRequest): Promise<[string, unknown][] | undefined> {
  const type = String(r.headers['content-type'] ?? '');
  if (!/^multipart\/form-data\b/i.test(type)) return undefined;
  try {
    const form = await new Request('http://echo.invalid/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: r.body,
    }).formData();
    const parts: [string, unknown][] = [];
    for (const [name, v] of form)
      parts.push([
        name,
        typeof v === 'string' ? v : { filename: v.name, type: v.type, text: await v.text() },
      ]);
    return parts;
  } catch {
    return undefined; // not valid multipart: the fields then differ
  }
}

/** What reached the upstream against what should have. */
function judge(
  expected: ReturnType<typeof expectedRequest>,
  received: EchoRequest[],
): { ok: boolean; problems: string[]; expected?: string; actual?: string } {
  const out: string[] = [];
  const want = expected.path === undefined ? undefined : `${expected.method} ${expected.path}`;
  const got = received.map((r) => `${r.method} ${r.url}`).join(', ') || 'no upstream request';
  if (expected.problem) out.push(expected.problem);
  if (received.length !== 1) {
    out.push(`the upstream received ${received.length} requests`);
    return { ok: false, problems: out, expected: want, actual: got };
  }
  const r = received[0]!;
  if (r.method !== expected.method) out.push(`upstream method ${r.method}, expected ${expected.method}`);
  let decoded = r.path;
  try {
    decoded = decodeURIComponent(r.path);
  } catch {
    out.push('the upstream path is not valid percent-encoding');
  }
  if (/[{}]/.test(decoded)) out.push('a placeholder is left in the upstream path');
  if ((r.url.match(/\?/g) ?? []).length > 1)
    out.push("the upstream request target has two '?' (a query in the consumed path, then the query string)");
  if (expected.path !== undefined) {
    // A consumed path may carry a literal query (`/?Action=X`): the path must match, and the
    // query string must start with that literal query.
    const at = expected.path.indexOf('?');
    const wantPath = at < 0 ? expected.path : expected.path.slice(0, at);
    const wantQuery = at < 0 ? '' : expected.path.slice(at + 1);
    const gotQuery = r.url.slice(r.path.length + 1);
    if (r.path !== wantPath) {
      const missing = expected.segments.filter(
        (s) => !r.path.split('/').some((seg) => seg.includes(s.encoded)),
      );
      out.push(
        missing.length > 0
          ? `upstream path differs (value of {${missing.map((s) => s.name).join('}, {')}} missing)`
          : 'upstream path differs',
      );
    } else if (wantQuery !== '' && !(gotQuery === wantQuery || gotQuery.startsWith(`${wantQuery}&`))) {
      out.push(`the upstream query does not start with the consumed path's own query ${wantQuery}`);
    }
  }
  return { ok: out.length === 0, problems: out, expected: want, actual: got };
}

/** Runs the server in a child process (its MCP adapter on stdio), reading its URLs from the log. */
async function startChild(
  options: SmokeOptions,
  env: Record<string, string>,
  timeout: number,
): Promise<{ running: Running; client: Client }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', join(options.dir, 'server.ts')],
    env: { ...env, PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' },
    cwd: options.root,
    stderr: 'pipe',
  });
  let log = '';
  let resolveUrls: (urls: Record<string, string>) => void;
  const urls = new Promise<Record<string, string>>((resolve) => (resolveUrls = resolve));
  transport.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString('utf8');
    for (const line of log.split('\n')) {
      if (!line.includes('"listening"')) continue;
      try {
        resolveUrls((JSON.parse(line) as { urls: Record<string, string> }).urls);
      } catch {
        // a partial line; wait for the rest
      }
    }
    if (log.length > 100_000) log = log.slice(-50_000);
  });
  const client = new Client({ name: 'capgen-corpus', version: '1.0.0' }, {});
  await client.connect(transport);
  const timer = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`no "listening" line within ${timeout} ms: ${clip(log)}`)),
      timeout,
    ).unref(),
  );
  const found = await Promise.race([urls, timer]);
  return { running: { urls: found, close: () => client.close() }, client };
}

function message(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function clip(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
