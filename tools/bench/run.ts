/**
 * `npm run bench`: how the capgen-generated server of the seed spec (out/instance-images)
 * compares with a minimal hand-written proxy and with the fake upstream itself, as RATIOS
 * measured in one run on the same machine (the 2-core machines are noisy and shared, so absolute
 * timings from different runs do not compare). Nothing here passes or fails on a timing.
 *
 * What runs, each in a child process of its own on 127.0.0.1 (ephemeral ports), so every one has
 * its own event loop and its CPU can be read from /proc/<pid>/stat:
 *   - the fake upstream (upstream.ts): GET /instance/v1/zones/{zone}/images/{id} → ~1 KB JSON;
 *   - (a) direct: the load generator straight to the fake upstream;
 *   - (b) the hand-written proxy (hand-proxy.ts): node:http + undici 7 Pool, 128 connections;
 *   - (c) the generated server (generated-server.ts → `start` of out/instance-images/server.ts),
 *     logging at its default level (info): REST GET /v1/instance/v1/zones/{zone}/images/{image-id}
 *     and POST /v1/instance/v1/zones/{zone}/images, and MCP tools/call get-instance-image at /mcp
 *     (stateless Streamable HTTP);
 *   - (d) a minimal SDK v2 MCP server (sdk-server.ts) making the same upstream call, stateless;
 *   - the RSS of (c) and (d) over many MCP calls, and the cold start of the built server
 *     (`node dist/server.js`) against `node -e 0` (serving.ts).
 *
 * Load generator: wrk if it is on PATH (Debian: `apt-get install -y wrk`), with one thread as in
 * /work/shared/research/peer-bench.md; otherwise the built-in Node generator (loadgen.ts, an undici
 * Pool at fixed concurrency). The output says which one ran. Counted runs (memory) always use the
 * built-in generator, which also checks every answer.
 *
 * MCP requests are plain HTTP POSTs, one JSON-RPC `tools/call` with a unique id each, as the
 * official client (@modelcontextprotocol/client 2.4.0) sends them (checked by logging its
 * requests against this server):
 *   - legacy era (2025-11-25, stateless): `accept: application/json, text/event-stream`,
 *     `mcp-protocol-version: 2025-11-25`; no initialize needed; the answer is one SSE event;
 *   - modern era (2026-07-28): also `mcp-method` and `mcp-name` headers, and the per-request
 *     `_meta` envelope (protocol version, client info and capabilities) in params; answer is JSON.
 *
 * Method: for every measured run the machine must first be quiet (busy share of /proc/stat under
 * a threshold over a window); during the run, CPU used by anything that is not ours ("foreign")
 * is counted and a run that saw too much is retried (bounded), with a note. Rounds alternate the
 * contenders; medians of the rounds are reported, and ratios are computed within this run.
 *
 * Usage: npm run bench -- [--quick] [--json FILE] [--loadgen auto|wrk|node] [--only LIST]
 *                         [--profile] [--no-profile]
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { type RatioBar, writeChart } from './chart.js';
import { BODY, CREATE_BODY, IMAGE_ID, IMAGE_NAME } from './fixture.js';
import { type Contender, ensurePeers, largeContenders, subsetContenders, writeSubset } from './generators.js';
import { type LoadResult, type LoadTool, runLoad } from './load.js';
import type { LoadgenConfig } from './loadgen.js';
import {
  BENCH_DIR,
  CLK_TCK,
  CpuWindow,
  killAllNow,
  memoryKiB,
  NCPU,
  onPath,
  runCommand,
  type Service,
  sleep,
  startService,
  stopAll,
  waitQuiet,
} from './procs.js';
import { type ProfileSummary, summarizeProfile } from './profile.js';
import { fmtRatio, int, median, minMax, num, ratio, table } from './report.js';
import { coldStartPhase, type ColdStartResult, rssPhase, type RssResult } from './serving.js';

const USAGE = `Usage: npm run bench -- [options]

Benchmarks the generated server of out/instance-images against a minimal hand-written proxy
(node:http + undici Pool) and the fake upstream, and reports ratios measured in this one run.
Also: MCP tools/call throughput against a minimal SDK v2 server, RSS over 50,000 MCP calls, the
cold start of the built server against node -e 0, the server's memory over many calls, a soak (two rounds of
10,000 REST calls at c=64 and 5,000 MCP calls: 0 errors and RSS growth under 10% between them
pass; a failed soak makes the exit code 1), the cost of credential scrubbing per request, and
generator speed.

Options:
  --quick              short smoke run (1 s warm-up, 3 s runs, 1 round, fewer calls)
  --json FILE          also write every figure to FILE
  --chart FILE         the SVG chart of every ratio (default .tmp/bench-ratios.svg)
  --loadgen TOOL       auto (default: wrk if on PATH), wrk, or node (the built-in generator)
  --only LIST          comma-separated phases: rest,mcp,memory,rss,soak,start,gen (default: all)
  --profile            also profile the generated server (--cpu-prof) under REST and MCP load
  --no-profile         never profile (by default REST is profiled when its ratio is below 0.9)
  -h, --help           show this help

The load generator is wrk when it is on PATH; install it with \`apt-get install -y wrk\`
(Debian). Without it the built-in Node generator runs, which costs more CPU on the same cores.`;

// ---------------------------------------------------------------------------------------------
// Settings.

interface Settings {
  warmupSec: number;
  durationSec: number;
  rounds: number;
  concurrency: number[];
  quietWindowMs: number;
  quietMaxBusy: number;
  quietMaxWaitMs: number;
  foreignMax: number;
  /** Retries of one run that saw foreign load over foreignMax… */
  retries: number;
  /** …and of all runs together; waiting for quiet is bounded over the whole bench too. */
  retryBudget: number;
  quietBudgetMs: number;
  memRestCalls: number;
  memMcpCalls: number;
  /** Soak: REST and MCP calls per round (two rounds), at soakConcurrency. */
  soakRestCalls: number;
  soakMcpCalls: number;
  soakConcurrency: number;
  /** Cost of scrubbing: rounds of scrubRestCalls REST calls, scrubbing on then off (alternating). */
  scrubRounds: number;
  scrubRestCalls: number;
  genWarmups: number;
  genRuns: number;
  /** RSS over many MCP calls: the calls, and how often RSS is read. */
  rssMcpCalls: number;
  rssSampleEvery: number;
  /** Cold start: rounds of `node -e 0` and the built server in turn. */
  startRounds: number;
}

const FULL: Settings = {
  warmupSec: 3,
  durationSec: 10,
  rounds: 3,
  concurrency: [16, 64],
  quietWindowMs: 2000,
  quietMaxBusy: 0.1,
  quietMaxWaitMs: 60_000,
  foreignMax: 0.05,
  retries: 2,
  retryBudget: 15,
  quietBudgetMs: 10 * 60_000,
  memRestCalls: 50_000,
  memMcpCalls: 20_000,
  soakRestCalls: 10_000,
  soakMcpCalls: 5_000,
  soakConcurrency: 64,
  scrubRounds: 3,
  scrubRestCalls: 10_000,
  genWarmups: 1,
  genRuns: 5,
  rssMcpCalls: 50_000,
  rssSampleEvery: 5_000,
  startRounds: 5,
};

const QUICK: Settings = {
  ...FULL,
  warmupSec: 1,
  durationSec: 3,
  rounds: 1,
  quietWindowMs: 1000,
  quietMaxWaitMs: 10_000,
  retries: 1,
  retryBudget: 4,
  quietBudgetMs: 60_000,
  memRestCalls: 5_000,
  memMcpCalls: 2_000,
  soakRestCalls: 2_000,
  soakMcpCalls: 1_000,
  scrubRounds: 1,
  scrubRestCalls: 2_000,
  genWarmups: 0,
  genRuns: 1,
  rssMcpCalls: 5_000,
  rssSampleEvery: 1_000,
  startRounds: 2,
};

const PHASES = ['rest', 'mcp', 'memory', 'rss', 'soak', 'start', 'gen'] as const;
type Phase = (typeof PHASES)[number];

const SEED_SPEC = 'specs/instance-images.yaml';
const BIG_SPEC = '/work/shared/corpus/ovh-cloud/ovh-cloud-cloud.yaml';

/** Reference figures from /work/shared/research/peer-bench.md §3 and §4: NOT measured here. */
const PEER_REFERENCE = {
  source: '/work/shared/research/peer-bench.md §3 (not measured in this run)',
  mcp: [
    { name: 'openapi-mcp-generator 4.0.1 server', c16: 1347, c64: 1345, cpuMsPerCall: 0.88, c16OverB: 0.051 },
    { name: 'SDK v2 minimal reference, SSE', c16: 2997, c64: 2855, cpuMsPerCall: 0.39, c16OverB: 0.113 },
    { name: 'SDK v2 minimal reference, JSON', c16: 3203, c64: 3095, cpuMsPerCall: 0.37, c16OverB: 0.121 },
  ],
  restB: { c16: 26522, c64: 26335, cpuUsPerReq: 37 },
};

// ---------------------------------------------------------------------------------------------
// Notes and results.

const notes: string[] = [];
function note(text: string): void {
  notes.push(text);
  process.stderr.write(`  note: ${text}\n`);
}
function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** What is left of the bench-wide budgets for waiting and retrying. */
const budget = { quietMs: 0, retries: 0, spentQuietMs: 0, spentRetries: 0 };

/** The quiet gate, bounded per run by quietMaxWaitMs and over the whole bench by quietBudgetMs. */
async function gate(settings: Settings, label: string) {
  const quiet = await waitQuiet(
    settings.quietWindowMs,
    settings.quietMaxBusy,
    Math.max(settings.quietWindowMs, Math.min(settings.quietMaxWaitMs, budget.quietMs)),
  );
  const waited = Math.max(0, quiet.waitedMs - settings.quietWindowMs);
  budget.quietMs -= waited;
  budget.spentQuietMs += waited;
  if (!quiet.quiet)
    note(
      `${label}: machine still ${(quiet.busy * 100).toFixed(0)}% busy after waiting ${(quiet.waitedMs / 1000).toFixed(0)} s${budget.quietMs <= 0 ? ' (waiting budget used up)' : ''}; measured anyway`,
    );
  return quiet;
}

/** Whether a run that saw foreign load may be retried (and takes one retry from the budget). */
function mayRetry(settings: Settings, attempt: number): boolean {
  if (attempt > settings.retries || budget.retries <= 0) return false;
  budget.retries--;
  budget.spentRetries++;
  return true;
}

interface Measured {
  label: string;
  concurrency: number;
  round: number;
  tool: LoadTool;
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** CPU per request of each watched process, in µs. */
  cpuUsPerReq: Record<string, number>;
  /** Cores used by each watched process during the run. */
  cores: Record<string, number>;
  loadgenCores: number;
  foreignShare: number;
  stealShare: number;
  quietBusy: number;
  quietOk: boolean;
  attempts: number;
}

// ---------------------------------------------------------------------------------------------
// Measured runs.

async function measuredRun(
  settings: Settings,
  tool: LoadTool,
  label: string,
  round: number,
  watched: Record<string, Service>,
  config: LoadgenConfig,
): Promise<Measured> {
  let last: Measured | undefined;
  for (let attempt = 1; attempt <= settings.retries + 1; attempt++) {
    const quiet = await gate(settings, `${label} c${config.concurrency} round ${round}`);
    const window = new CpuWindow(Object.values(watched).map((s) => s.pid));
    const load: LoadResult = await runLoad(tool, config);
    const acc = window.close();
    const cpuUsPerReq: Record<string, number> = {};
    const cores: Record<string, number> = {};
    for (const [name, service] of Object.entries(watched)) {
      const ticks = acc.perPid[service.pid] ?? 0;
      cpuUsPerReq[name] = load.requests > 0 ? ((ticks / CLK_TCK) * 1e6) / load.requests : NaN;
      cores[name] = ticks / CLK_TCK / acc.seconds;
    }
    last = {
      label,
      concurrency: config.concurrency,
      round,
      tool: load.tool,
      requests: load.requests,
      seconds: load.seconds,
      rps: load.rps,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      errors: load.errors,
      non2xx: load.non2xx,
      cpuUsPerReq,
      cores,
      loadgenCores: acc.reaped / CLK_TCK / acc.seconds,
      foreignShare: acc.foreignShare,
      stealShare: acc.stealShare,
      quietBusy: quiet.busy,
      quietOk: quiet.quiet,
      attempts: attempt,
    };
    if (load.errors > 0 || load.non2xx > 0)
      note(
        `${label} c${config.concurrency} round ${round}: ${load.errors} socket errors, ${load.non2xx} non-2xx answers`,
      );
    if (acc.foreignShare <= settings.foreignMax) break;
    const what = `${label} c${config.concurrency} round ${round}: foreign CPU load was ${(acc.foreignShare * 100).toFixed(1)}% of the machine (limit ${(settings.foreignMax * 100).toFixed(0)}%)`;
    if (mayRetry(settings, attempt)) note(`${what}; retrying`);
    else {
      note(`${what}; kept (attempt ${attempt}${budget.retries <= 0 ? ', retry budget used up' : ''})`);
      break;
    }
  }
  progress(
    `  ${label.padEnd(22)} c${String(config.concurrency).padEnd(3)} round ${round}: ${int(last!.rps)} req/s, p50 ${num(last!.p50Ms)} ms, p99 ${num(last!.p99Ms)} ms, foreign ${(last!.foreignShare * 100).toFixed(1)}%`,
  );
  return last!;
}

async function warmUp(settings: Settings, tool: LoadTool, config: LoadgenConfig): Promise<void> {
  await runLoad(tool, { ...config, concurrency: 16, durationSec: settings.warmupSec });
}

interface Summary {
  label: string;
  concurrency: number;
  rounds: number[];
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Median CPU per request of each watched process, µs. */
  cpuUsPerReq: Record<string, number>;
  cores: Record<string, number>;
  loadgenCores: number;
  /** Rounds that passed the quiet gate and saw foreign load under the limit. */
  clean: number;
}

function summarize(runs: Measured[], settings: Settings): Summary[] {
  const keys = [...new Set(runs.map((r) => `${r.label}\u0000${r.concurrency}`))];
  return keys.map((key) => {
    const [label, c] = key.split('\u0000') as [string, string];
    const group = runs.filter((r) => r.label === label && r.concurrency === Number(c));
    const names = Object.keys(group[0]!.cpuUsPerReq);
    return {
      label,
      concurrency: Number(c),
      rounds: group.map((r) => r.rps),
      rps: median(group.map((r) => r.rps)),
      p50Ms: median(group.map((r) => r.p50Ms)),
      p99Ms: median(group.map((r) => r.p99Ms)),
      cpuUsPerReq: Object.fromEntries(
        names.map((n) => [n, median(group.map((r) => r.cpuUsPerReq[n] ?? NaN))]),
      ),
      cores: Object.fromEntries(names.map((n) => [n, median(group.map((r) => r.cores[n] ?? NaN))])),
      loadgenCores: median(group.map((r) => r.loadgenCores)),
      clean: group.filter((r) => r.quietOk && r.foreignShare <= settings.foreignMax).length,
    };
  });
}

/** Per-round ratio a/b of the same round and concurrency, then their median and range. */
function pairedRatio(runs: Measured[], a: string, b: string, c: number, pick: (m: Measured) => number) {
  const values: number[] = [];
  for (const ra of runs.filter((r) => r.label === a && r.concurrency === c)) {
    const rb = runs.find((r) => r.label === b && r.concurrency === c && r.round === ra.round);
    if (rb) values.push(ratio(pick(ra), pick(rb)));
  }
  const [lo, hi] = minMax(values);
  return { median: median(values), min: lo, max: hi, values };
}

// ---------------------------------------------------------------------------------------------
// Correctness, checked before anything is measured.

async function get(url: string): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  const answer = await request(url, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  const type = answer.headers['content-type'];
  return {
    status: answer.statusCode,
    type: Array.isArray(type) ? type[0] : type,
    body: Buffer.from(await answer.body.arrayBuffer()),
  };
}

interface McpEra {
  era: 'legacy' | 'modern';
  version: string;
  headers: Record<string, string>;
  body: string;
}

function mcpEras(): McpEra[] {
  const args = { zone: 'fr-par-1', image_id: IMAGE_ID };
  const legacyBody = JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'tools/call',
    params: { name: 'get-instance-image', arguments: args },
  }).replace('"id":0', '"id":__ID__');
  const modernBody = JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'tools/call',
    params: {
      name: 'get-instance-image',
      arguments: args,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'capgen-bench', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  }).replace('"id":0', '"id":__ID__');
  const common = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  return [
    {
      era: 'legacy',
      version: '2025-11-25',
      headers: { ...common, 'mcp-protocol-version': '2025-11-25' },
      body: legacyBody,
    },
    {
      era: 'modern',
      version: '2026-07-28',
      headers: {
        ...common,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'get-instance-image',
      },
      body: modernBody,
    },
  ];
}

/** One tools/call by plain HTTP: the JSON-RPC answer, from a JSON body or the SSE event. */
async function mcpCall(
  url: string,
  era: McpEra,
  id: number,
): Promise<{ status: number; type: string; message: unknown }> {
  const answer = await request(url, {
    method: 'POST',
    headers: era.headers,
    body: era.body.replace('__ID__', String(id)),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await answer.body.text();
  const type = String(answer.headers['content-type'] ?? '');
  let message: unknown;
  try {
    const json = type.includes('text/event-stream')
      ? text
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('')
      : text;
    message = JSON.parse(json);
  } catch {
    message = text;
  }
  return { status: answer.statusCode, type, message };
}

async function verify(urls: Servers['urls'], phases: Set<Phase>): Promise<Record<string, string>> {
  const checked: Record<string, string> = {};
  const direct = await get(urls.a);
  if (direct.status !== 200 || !direct.body.equals(BODY))
    throw new Error(`the fake upstream answered ${direct.status} with an unexpected body`);
  checked.a = `200, ${direct.body.length} B`;
  for (const [key, url] of [
    ['b', urls.b],
    ['c', urls.c],
  ] as const) {
    const r = await get(url);
    if (r.status !== 200)
      throw new Error(`(${key}) ${url} answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
    if (!r.body.equals(direct.body))
      throw new Error(
        `(${key}) body differs from the upstream's (${r.body.length} B vs ${direct.body.length} B)`,
      );
    if (!/^application\/json\b/.test(r.type ?? ''))
      throw new Error(`(${key}) content-type ${r.type ?? '(none)'} instead of application/json`);
    checked[key] = `200, same ${r.body.length} bytes, ${r.type}`;
  }
  for (const [key, url] of [
    ['b POST', urls.bPost],
    ['c POST', urls.cPost],
  ] as const) {
    const answer = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: CREATE_BODY,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const body = Buffer.from(await answer.body.arrayBuffer());
    if (answer.statusCode !== 201 || !body.equals(direct.body))
      throw new Error(
        `(${key}) ${url} answered ${answer.statusCode} with ${body.length} B: ${body.toString().slice(0, 300)}`,
      );
    checked[key] = `201, the same ${body.length} bytes`;
  }
  if (phases.has('mcp') || phases.has('memory')) {
    const expected = JSON.parse(BODY.toString('utf8')) as unknown;
    for (const [who, url, era] of mcpEras().flatMap((e) => [
      ['', urls.mcp, e],
      ['sdk-', urls.sdk, e],
    ]) as [string, string, McpEra][]) {
      const id = era.era === 'legacy' ? 41 : 42;
      const r = await mcpCall(url, era, id);
      const m = r.message as {
        id?: unknown;
        result?: { isError?: boolean; structuredContent?: unknown; content?: { text?: string }[] };
      };
      const problem =
        r.status !== 200
          ? `HTTP ${r.status}`
          : m.id !== id
            ? `id ${String(m.id)} instead of ${id}`
            : m.result === undefined
              ? 'no result'
              : m.result.isError === true
                ? 'isError'
                : JSON.stringify(m.result.structuredContent) !== JSON.stringify(expected)
                  ? 'structuredContent differs from the upstream body'
                  : undefined;
      if (problem)
        throw new Error(
          `MCP ${who}${era.era} era tools/call: ${problem}: ${JSON.stringify(r.message).slice(0, 400)}`,
        );
      checked[`${who}mcp-${era.era}`] =
        `200, ${r.type.split(';')[0]}, structuredContent equals the upstream body`;
    }
  }
  return checked;
}

// ---------------------------------------------------------------------------------------------
// Phases.

interface Servers {
  upstream: Service;
  proxy: Service;
  generated: Service;
  /** (d) the minimal SDK v2 MCP server. */
  sdk: Service;
  urls: { a: string; b: string; c: string; bPost: string; cPost: string; mcp: string; sdk: string };
}

function upstreamOrigin(upstream: Service): string {
  return `http://127.0.0.1:${String(upstream.ready.port)}`;
}

/** The generated server's credential (the fake upstream ignores it). */
const BENCH_KEY = 'capgen-bench-dummy-key';

function generatedEnv(upstream: Service): Record<string, string> {
  return {
    SCALEWAY_API_KEY: BENCH_KEY,
    INSTANCE_IMAGES_BASE_URL: upstreamOrigin(upstream),
    INSTANCE_IMAGES_REST_PORT: '0',
    INSTANCE_IMAGES_MCP_PORT: '0',
    // The default level: one line per request, as a deployed server logs.
    LOG_LEVEL: 'info',
  };
}

async function startGenerated(
  upstream: Service,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<Service> {
  return startService(
    'generated server',
    join(BENCH_DIR, 'generated-server.ts'),
    { ...generatedEnv(upstream), ...extraEnv },
    { nodeArgs, timeoutMs: 60_000 },
  );
}

function generatedUrls(service: Service): { rest: string; mcp: string } {
  const urls = service.ready.urls as Record<string, string>;
  const rest = urls['instance-images-rest'];
  const mcp = urls['instance-images-mcp'];
  if (!rest || !mcp) throw new Error(`the generated server announced ${JSON.stringify(urls)}`);
  return { rest, mcp };
}

const IMAGE_PATH = `/instance/v1/zones/fr-par-1/images/${IMAGE_ID}`;

const IMAGES_PATH = '/instance/v1/zones/fr-par-1/images';

async function startServers(): Promise<Servers> {
  const upstream = await startService('fake upstream', join(BENCH_DIR, 'upstream.ts'), {});
  const origin = upstreamOrigin(upstream);
  const [proxy, generated, sdk] = await Promise.all([
    startService('hand-written proxy', join(BENCH_DIR, 'hand-proxy.ts'), { UPSTREAM: origin }),
    startGenerated(upstream),
    startService('minimal SDK v2 server', join(BENCH_DIR, 'sdk-server.ts'), { UPSTREAM: origin }),
  ]);
  const g = generatedUrls(generated);
  const b = `http://127.0.0.1:${String(proxy.ready.port)}`;
  return {
    upstream,
    proxy,
    generated,
    sdk,
    urls: {
      a: origin + IMAGE_PATH,
      b: b + IMAGE_PATH,
      c: `${g.rest}/v1${IMAGE_PATH}`,
      bPost: b + IMAGES_PATH,
      cPost: `${g.rest}/v1${IMAGES_PATH}`,
      mcp: g.mcp,
      sdk: `http://127.0.0.1:${String(sdk.ready.port)}/mcp`,
    },
  };
}

const REST_LABELS = {
  a: '(a) direct',
  b: '(b) hand-written proxy',
  c: '(c) generated REST',
  bPost: '(b) hand-written proxy, POST',
  cPost: '(c) generated REST, POST',
} as const;

/** The REST comparisons: (c) ÷ (b) for a GET of one image and a POST that creates one. */
const REST_PAIRS = [
  { method: 'GET', b: REST_LABELS.b, c: REST_LABELS.c },
  { method: 'POST', b: REST_LABELS.bPost, c: REST_LABELS.cPost },
] as const;

async function restPhase(settings: Settings, tool: LoadTool, servers: Servers): Promise<Measured[]> {
  progress('REST: GET one image, POST (create) one image');
  const proxied = { server: servers.proxy, upstream: servers.upstream };
  const generated = { server: servers.generated, upstream: servers.upstream };
  const post = {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: CREATE_BODY,
  } as const;
  const contenders = [
    { key: 'a', url: servers.urls.a, watched: { upstream: servers.upstream } },
    { key: 'b', url: servers.urls.b, watched: proxied },
    { key: 'c', url: servers.urls.c, watched: generated },
    { key: 'bPost', url: servers.urls.bPost, watched: proxied, ...post },
    { key: 'cPost', url: servers.urls.cPost, watched: generated, ...post },
  ] as const;
  const runs: Measured[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    // Rotate the order each round so no contender always runs first or last.
    const order = contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]!);
    for (const contender of order) {
      const base: LoadgenConfig =
        'body' in contender
          ? {
              url: contender.url,
              method: 'POST',
              headers: contender.headers,
              body: contender.body,
              concurrency: 16,
            }
          : { url: contender.url, method: 'GET', concurrency: 16 };
      await warmUp(settings, tool, base);
      for (const c of settings.concurrency) {
        const watched: Record<string, Service> = { ...contender.watched };
        if (contender.key === 'a') watched.server = servers.upstream;
        runs.push(
          await measuredRun(settings, tool, REST_LABELS[contender.key], round, watched, {
            ...base,
            concurrency: c,
            durationSec: settings.durationSec,
          }),
        );
      }
    }
  }
  return runs;
}

async function mcpPhase(settings: Settings, tool: LoadTool, servers: Servers): Promise<Measured[]> {
  progress('MCP: tools/call get-instance-image, the generated server and the minimal SDK v2 server in turn');
  const contenders = mcpEras().flatMap((era) => [
    { era, label: mcpLabel('c', era), url: servers.urls.mcp, server: servers.generated },
    { era, label: mcpLabel('d', era), url: servers.urls.sdk, server: servers.sdk },
  ]);
  const runs: Measured[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    // A B A B: each generated run is next to the SDK run of its era; the order turns each round.
    const order = contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]!);
    for (const contender of order) {
      const base: LoadgenConfig = {
        url: contender.url,
        method: 'POST',
        headers: contender.era.headers,
        body: contender.era.body,
        concurrency: 16,
      };
      await warmUp(settings, tool, base);
      for (const c of settings.concurrency) {
        runs.push(
          await measuredRun(
            settings,
            tool,
            contender.label,
            round,
            { server: contender.server, upstream: servers.upstream },
            { ...base, concurrency: c, durationSec: settings.durationSec },
          ),
        );
      }
    }
  }
  return runs;
}

/** (c) is the generated server, (d) the minimal SDK v2 server. */
function mcpLabel(who: 'c' | 'd', era: McpEra): string {
  return `${who === 'c' ? '(c) generated' : '(d) SDK minimal'} ${era.era} ${era.version}`;
}

interface MemoryPoint {
  after: string;
  calls: number;
  rssMiB: number;
  hwmMiB: number;
}

interface MemoryResult {
  points: MemoryPoint[];
  /** RSS growth over the second pass, per call, in KiB (flat is ~0). */
  secondPassKiBPerCall: number;
  firstPassKiBPerCall: number;
  bad: number;
}

async function memoryPhase(settings: Settings, upstream: Service): Promise<MemoryResult> {
  progress(
    `Memory: a fresh generated server, 2 passes of ${int(settings.memRestCalls)} REST + ${int(settings.memMcpCalls)} MCP calls (built-in generator, every answer checked)`,
  );
  const server = await startGenerated(upstream);
  try {
    const g = generatedUrls(server);
    const points: MemoryPoint[] = [];
    let calls = 0;
    let bad = 0;
    const mark = (after: string) => {
      const m = memoryKiB(server.pid);
      points.push({ after, calls, rssMiB: m.rss / 1024, hwmMiB: m.hwm / 1024 });
      progress(`  RSS ${num(m.rss / 1024)} MiB after ${after}`);
    };
    await sleep(1000);
    mark('start (idle)');
    const eras = mcpEras();
    for (let pass = 1; pass <= 2; pass++) {
      const rest = await runLoad('node', {
        url: `${g.rest}/v1${IMAGE_PATH}`,
        method: 'GET',
        concurrency: 16,
        count: settings.memRestCalls,
        expect: { contains: IMAGE_NAME },
      });
      calls += rest.requests;
      bad += rest.errors + rest.non2xx + rest.bad;
      if (rest.firstError) note(`memory pass ${pass} REST: ${rest.firstError}`);
      mark(`pass ${pass}: ${int(settings.memRestCalls)} REST calls`);
      for (const era of eras) {
        const mcp = await runLoad('node', {
          url: g.mcp,
          method: 'POST',
          headers: era.headers,
          body: era.body,
          concurrency: 16,
          count: Math.round(settings.memMcpCalls / eras.length),
          expect: { contains: IMAGE_NAME, notContains: '"isError":true' },
        });
        calls += mcp.requests;
        bad += mcp.errors + mcp.non2xx + mcp.bad;
        if (mcp.firstError) note(`memory pass ${pass} MCP ${era.era}: ${mcp.firstError}`);
      }
      mark(`pass ${pass}: ${int(settings.memMcpCalls)} MCP calls (half per era)`);
    }
    await sleep(2000);
    mark('2 s idle');
    if (bad > 0) note(`memory phase: ${bad} calls failed or answered unexpectedly`);
    const perPass = settings.memRestCalls + settings.memMcpCalls;
    const kib = (from: MemoryPoint, to: MemoryPoint) => ((to.rssMiB - from.rssMiB) * 1024) / perPass;
    return {
      points,
      firstPassKiBPerCall: kib(points[0]!, points[2]!),
      secondPassKiBPerCall: kib(points[2]!, points[4]!),
      bad,
    };
  } finally {
    await server.stop();
  }
}

interface SoakRound {
  round: number;
  restRps: number;
  mcpRps: number;
  errors: number;
  rssMiB: number;
  serverCpuUsPerCall: number;
}

interface ScrubRound {
  round: number;
  onCpuUsPerReq: number;
  offCpuUsPerReq: number;
  onRps: number;
  offRps: number;
}

interface SoakResult {
  concurrency: number;
  restCalls: number;
  mcpCalls: number;
  idleRssMiB: number;
  rounds: SoakRound[];
  /** RSS after round 2 over RSS after round 1, minus 1 (round 0 is the warm-up). */
  rssGrowth: number;
  errors: number;
  passed: boolean;
  scrub: {
    rounds: ScrubRound[];
    /** Medians over the rounds: server CPU per REST request, scrubbing on and off. */
    onCpuUsPerReq: number;
    offCpuUsPerReq: number;
    cpuRatio: number;
    rpsRatio: number;
    /** In-process: one scrub of the bench's ~1 KB answer and of a 1 MiB one, with this client's secrets. */
    micro: { bytes: number; nsPerScrub: number }[];
  };
}

/** Time per Scrubber.buffer call on `body`, in ns (a clean body: the usual case). */
async function scrubMicro(body: Buffer): Promise<number> {
  const { Scrubber, secretForms } = await import('../../out/instance-images/runtime/scrub.js');
  // The seed sends its key as the x-auth-token header.
  const scrubber = new Scrubber(secretForms({ headers: { 'x-auth-token': BENCH_KEY } }));
  let sink = 0;
  const calls = body.length < 100_000 ? 200_000 : 2_000;
  for (let i = 0; i < calls / 10; i++) sink += scrubber.buffer(body).length;
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += scrubber.buffer(body).length;
  const ns = Number(process.hrtime.bigint() - started) / calls;
  if (sink === 0) throw new Error('unreachable');
  return ns;
}

/**
 * The soak: a fresh generated server, two rounds of soakRestCalls REST GETs at c=soakConcurrency
 * and soakMcpCalls MCP tools/call (half per era), every answer checked; RSS after each round.
 * It passes with 0 failed or unexpected answers and RSS after round 2 within 10% of round 1.
 * Then the cost of scrubbing: the same server with scrubbing on and off (BENCH_SCRUB=off), fresh
 * processes, rounds alternating, server CPU per request from /proc; and an in-process timing.
 */
async function soakPhase(settings: Settings, upstream: Service): Promise<SoakResult> {
  const c = settings.soakConcurrency;
  progress(
    `Soak: a fresh generated server, a warm-up round and 2 rounds of ${int(settings.soakRestCalls)} REST calls at c=${c} + ${int(settings.soakMcpCalls)} MCP calls (every answer checked)`,
  );
  const eras = mcpEras();
  const server = await startGenerated(upstream);
  const rounds: SoakRound[] = [];
  let idleRssMiB = NaN;
  try {
    const g = generatedUrls(server);
    await sleep(1000);
    idleRssMiB = memoryKiB(server.pid).rss / 1024;
    // Round 0 warms the server up (JIT, heap sizing) and is shown but not compared; rounds 1
    // and 2 are the same load, so RSS that still grows between them is what a leak looks like.
    for (let round = 0; round <= 2; round++) {
      const window = new CpuWindow([server.pid]);
      const rest = await runLoad('node', {
        url: `${g.rest}/v1${IMAGE_PATH}`,
        method: 'GET',
        concurrency: c,
        count: settings.soakRestCalls,
        expect: { contains: IMAGE_NAME },
      });
      let errors = rest.errors + rest.non2xx + rest.bad;
      if (rest.firstError) note(`soak round ${round} REST: ${rest.firstError}`);
      let mcpCalls = 0;
      let mcpSeconds = 0;
      for (const era of eras) {
        const mcp = await runLoad('node', {
          url: g.mcp,
          method: 'POST',
          headers: era.headers,
          body: era.body,
          concurrency: c,
          count: Math.round(settings.soakMcpCalls / eras.length),
          expect: { contains: IMAGE_NAME, notContains: '"isError":true' },
        });
        errors += mcp.errors + mcp.non2xx + mcp.bad;
        mcpCalls += mcp.requests;
        mcpSeconds += mcp.seconds;
        if (mcp.firstError) note(`soak round ${round} MCP ${era.era}: ${mcp.firstError}`);
      }
      const cpu = window.ticksOf(server.pid);
      window.close();
      const rssMiB = memoryKiB(server.pid).rss / 1024;
      rounds.push({
        round,
        restRps: rest.rps,
        mcpRps: mcpCalls / mcpSeconds,
        errors,
        rssMiB,
        serverCpuUsPerCall: ((cpu / CLK_TCK) * 1e6) / (rest.requests + mcpCalls),
      });
      progress(
        `  round ${round}: REST ${int(rest.rps)} req/s, MCP ${int(mcpCalls / mcpSeconds)} calls/s, ${errors} errors, RSS ${num(rssMiB)} MiB`,
      );
    }
  } finally {
    await server.stop();
  }
  const rssGrowth = rounds[2]!.rssMiB / rounds[1]!.rssMiB - 1;
  const errors = rounds.reduce((sum, r) => sum + r.errors, 0);
  const passed = errors === 0 && rssGrowth < 0.1;
  if (!passed)
    note(
      `soak FAILED: ${errors} errors, RSS growth ${(rssGrowth * 100).toFixed(1)}% from round 1 to round 2`,
    );

  progress(
    `Scrubbing: ${settings.scrubRounds} rounds of ${int(settings.scrubRestCalls)} REST calls at c=${c}, scrubbing on and off (fresh servers)`,
  );
  const on = await startGenerated(upstream);
  const off = await startGenerated(upstream, [], { BENCH_SCRUB: 'off' });
  const scrubRounds: ScrubRound[] = [];
  try {
    const measure = async (service: Service) => {
      const window = new CpuWindow([service.pid]);
      const r = await runLoad('node', {
        url: `${generatedUrls(service).rest}/v1${IMAGE_PATH}`,
        method: 'GET',
        concurrency: c,
        count: settings.scrubRestCalls,
        expect: { contains: IMAGE_NAME },
      });
      const ticks = window.ticksOf(service.pid);
      window.close();
      if (r.errors + r.non2xx + r.bad > 0) note(`scrub round: ${r.firstError ?? 'unexpected answers'}`);
      return { cpuUsPerReq: ((ticks / CLK_TCK) * 1e6) / r.requests, rps: r.rps };
    };
    // A warm-up for both, uncounted.
    for (const service of [on, off])
      await runLoad('node', {
        url: `${generatedUrls(service).rest}/v1${IMAGE_PATH}`,
        method: 'GET',
        concurrency: c,
        count: Math.min(2_000, settings.scrubRestCalls),
      });
    for (let round = 1; round <= settings.scrubRounds; round++) {
      const first = round % 2 === 1 ? on : off;
      const a = await measure(first);
      const b = await measure(first === on ? off : on);
      const [m, n] = first === on ? [a, b] : [b, a];
      scrubRounds.push({
        round,
        onCpuUsPerReq: m.cpuUsPerReq,
        offCpuUsPerReq: n.cpuUsPerReq,
        onRps: m.rps,
        offRps: n.rps,
      });
    }
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
  const onCpu = median(scrubRounds.map((r) => r.onCpuUsPerReq));
  const offCpu = median(scrubRounds.map((r) => r.offCpuUsPerReq));
  const micro = [];
  for (const body of [BODY, Buffer.alloc(1_048_576, 'a')])
    micro.push({ bytes: body.length, nsPerScrub: await scrubMicro(body) });
  return {
    concurrency: c,
    restCalls: settings.soakRestCalls,
    mcpCalls: settings.soakMcpCalls,
    idleRssMiB,
    rounds,
    rssGrowth,
    errors,
    passed,
    scrub: {
      rounds: scrubRounds,
      onCpuUsPerReq: onCpu,
      offCpuUsPerReq: offCpu,
      cpuRatio: ratio(onCpu, offCpu),
      rpsRatio: ratio(median(scrubRounds.map((r) => r.onRps)), median(scrubRounds.map((r) => r.offRps))),
      micro,
    },
  };
}

interface GenRow {
  what: string;
  command: string;
  /** Table it belongs to: the 6-operation subset, or the large inputs. */
  group: 'subset' | 'large';
  /** Median over rounds of this run's CPU / the yardstick's CPU in the same round (× openapi-mcp-generator). */
  cpuRatio: number;
  cpuRatioMin: number;
  cpuRatioMax: number;
  runs: { wallS: number; peakMiB: number; cpuS: number; foreignShare: number; code: number | null }[];
  wallS: number;
  wallMin: number;
  wallMax: number;
  peakMiB: number;
  cpuS: number;
  error?: string;
}

async function timeProcess(
  settings: Settings,
  args: string[],
  label: string,
): Promise<GenRow['runs'][number]> {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  let last: GenRow['runs'][number] | undefined;
  for (let attempt = 1; attempt <= settings.retries + 1; attempt++) {
    await gate(settings, label);
    const outFile = join(tmpdir(), `capgen-bench-time-${process.pid}.txt`);
    const window = new CpuWindow([]);
    const run = timeBin
      ? await runCommand(timeBin, ['-o', outFile, '-f', '%e %M %U %S', process.execPath, ...args], {
          timeoutMs: 600_000,
        })
      : await runCommand(process.execPath, args, { timeoutMs: 600_000 });
    const acc = window.close();
    let peakMiB = NaN;
    let cpuS = acc.reaped / CLK_TCK;
    if (timeBin && existsSync(outFile)) {
      // The last line: GNU time prints "Command exited with non-zero status" first when it does.
      const fields = readFileSync(outFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      peakMiB = (fields[1] ?? NaN) / 1024;
      cpuS = (fields[2] ?? NaN) + (fields[3] ?? NaN);
      rmSync(outFile, { force: true });
    }
    last = { wallS: run.ms / 1000, peakMiB, cpuS, foreignShare: acc.foreignShare, code: run.code };
    if (run.code !== 0) {
      note(
        `${label}: exit status ${run.code ?? run.signal}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
      break;
    }
    if (acc.foreignShare <= settings.foreignMax) break;
    const what = `${label}: foreign CPU load ${(acc.foreignShare * 100).toFixed(1)}%`;
    if (mayRetry(settings, attempt)) note(`${what}; retrying`);
    else {
      note(`${what}; kept`);
      break;
    }
  }
  return last!;
}

/** The 1-minute load average, for the tables (the machine is shared). */
function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

interface GenTable {
  group: 'subset' | 'large';
  /** Load averages at the start and the end of its rounds. */
  load: [number, number];
  rows: GenRow[];
}

/**
 * One table: every contender once per round, in turn (A B C … A B C …), after one untimed warm-up
 * round; ratios are taken to the first contender (the yardstick) round by round, so a machine
 * that slows down during the table slows both sides of each ratio.
 */
async function genTable(
  settings: Settings,
  group: GenTable['group'],
  contenders: Contender[],
): Promise<GenTable> {
  const load: [number, number] = [loadAverage(), NaN];
  const runs = contenders.map(() => [] as GenRow['runs']);
  for (const c of contenders) {
    if (!c.prepare) continue;
    const out = mkdtempSync(join(tmpdir(), 'capgen-bench-gen-'));
    await runCommand(process.execPath, c.prepare(out), { timeoutMs: 600_000 });
    rmSync(out, { recursive: true, force: true });
  }
  for (let round = 0; round < settings.genWarmups + settings.genRuns; round++) {
    progress(`  round ${round + 1}${round < settings.genWarmups ? ' (warm-up)' : ''}`);
    for (const [i, c] of contenders.entries()) {
      const out = mkdtempSync(join(tmpdir(), 'capgen-bench-gen-'));
      try {
        const run = await timeProcess(settings, c.args(out), `${c.name} round ${round + 1}`);
        if (round >= settings.genWarmups) runs[i]!.push(run);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  }
  load[1] = loadAverage();
  const yardstick = runs[0]!;
  const rows = contenders.map((c, i): GenRow => {
    const mine = runs[i]!;
    const ok = mine.filter((r) => r.code === 0);
    const ratios = mine.flatMap((r, k) =>
      r.code === 0 && yardstick[k]?.code === 0 ? [r.cpuS / yardstick[k]!.cpuS] : [],
    );
    const [lo, hi] = minMax(ok.map((r) => r.wallS));
    const [rlo, rhi] = minMax(ratios);
    return {
      what: c.name,
      command: c.shown,
      group,
      cpuRatio: median(ratios),
      cpuRatioMin: rlo,
      cpuRatioMax: rhi,
      runs: mine,
      wallS: median(ok.map((r) => r.wallS)),
      wallMin: lo,
      wallMax: hi,
      peakMiB: median(ok.map((r) => r.peakMiB)),
      cpuS: median(ok.map((r) => r.cpuS)),
      ...(ok.length < mine.length || mine.length === 0 ? { error: 'a run failed (see notes)' } : {}),
    };
  });
  return { group, load, rows };
}

async function genPhase(settings: Settings, workDir: string): Promise<GenTable[]> {
  progress(
    `Generator: whole-process CPU, ${settings.genWarmups} warm-up + ${settings.genRuns} rounds, contenders in turn`,
  );
  await ensurePeers(progress);
  const { subset, full, operations } = writeSubset(workDir);
  if (operations !== 6) note(`the images subset has ${operations} operations, not 6`);
  const floor: Contender = { name: 'node -e 0 (floor)', shown: 'node -e 0', args: () => ['-e', '0'] };
  const [yardstick, ...others] = subsetContenders(subset, workDir, SEED_SPEC);
  const tables = [await genTable(settings, 'subset', [yardstick!, ...others, floor])];
  if (existsSync(BIG_SPEC)) tables.push(await genTable(settings, 'large', largeContenders(full, BIG_SPEC)));
  else note(`${BIG_SPEC} is missing; its generator timing was skipped`);
  return tables;
}

interface ProfileResult {
  /** `c` = the generated server, `b` = the hand-written proxy. */
  who: 'b' | 'c';
  workload: 'rest' | 'mcp';
  rps: number;
  requests: number;
  summary: ProfileSummary;
}

/**
 * One profiled run: a fresh process with --cpu-prof, a warm-up, one measured run (c16); only the
 * samples taken during the measured run are summarized. Not counted with the measured figures.
 */
async function profileRun(
  settings: Settings,
  tool: LoadTool,
  upstream: Service,
  who: 'b' | 'c',
  workload: 'rest' | 'mcp',
  dir: string,
): Promise<ProfileResult | undefined> {
  const profDir = join(dir, `cpu-prof-${who}-${workload}`);
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
  const server =
    who === 'c'
      ? await startGenerated(upstream, nodeArgs)
      : await startService(
          'hand-written proxy (profiled)',
          join(BENCH_DIR, 'hand-proxy.ts'),
          { UPSTREAM: upstreamOrigin(upstream) },
          { nodeArgs },
        );
  let load: LoadResult;
  let window: { fromUs: number; toUs: number };
  try {
    let config: LoadgenConfig;
    if (who === 'b') {
      config = {
        url: `http://127.0.0.1:${String(server.ready.port)}${IMAGE_PATH}`,
        method: 'GET',
        concurrency: 16,
      };
    } else {
      const g = generatedUrls(server);
      const era = mcpEras()[0]!;
      config =
        workload === 'rest'
          ? { url: `${g.rest}/v1${IMAGE_PATH}`, method: 'GET', concurrency: 16 }
          : { url: g.mcp, method: 'POST', headers: era.headers, body: era.body, concurrency: 16 };
    }
    await warmUp(settings, tool, config);
    await gate(settings, `profile ${who} ${workload}`);
    // V8 stamps samples with the monotonic clock that process.hrtime reads.
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    load = await runLoad(tool, { ...config, durationSec: settings.durationSec });
    window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
  } finally {
    await server.stop();
  }
  const files = existsSync(profDir) ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (files.length === 0) {
    note(`profiling ${who} ${workload}: no .cpuprofile was written in ${profDir}`);
    return undefined;
  }
  let summary = summarizeProfile(join(profDir, files[0]!), window);
  if (summary.samples === 0) {
    note(
      `profiling ${who} ${workload}: no sample fell in the measured window; the whole profile (start-up included) is summarized`,
    );
    summary = summarizeProfile(join(profDir, files[0]!));
  }
  return { who, workload, rps: load.rps, requests: load.requests, summary };
}

// ---------------------------------------------------------------------------------------------
// Output.

function printReport(r: Report): void {
  const out: string[] = [];
  const say = (s = '') => out.push(s);
  say();
  say(`capgen bench — ${r.meta.date}`);
  say(
    `Node ${r.meta.node}, ${r.meta.cpus} CPUs, ${r.meta.mode} mode; load generator: ${r.meta.loadGenerator}; git ${r.meta.git}`,
  );
  say(
    `Warm-up ${r.settings.warmupSec} s, then ${r.settings.durationSec} s per run at concurrency ${r.settings.concurrency.join(' and ')}; ${r.settings.rounds} round(s), medians; quiet gate: busy ≤ ${r.settings.quietMaxBusy * 100}% over ${r.settings.quietWindowMs / 1000} s; runs with foreign CPU load > ${r.settings.foreignMax * 100}% retried (up to ${r.settings.retries}×).`,
  );
  say(
    `Waited ${num(r.meta.quietWaitS ?? 0)} s in total for a quiet machine; ${r.meta.retriedRuns ?? 0} run(s) retried for foreign load (details in the notes). "Clean" = rounds that passed the quiet gate and saw foreign load under the limit; the paired ratios cancel load that hit both contenders of a round.`,
  );
  say(
    `Checked before measuring: ${Object.entries(r.correctness)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}`,
  );

  if (r.rest) {
    const s = r.rest.summary;
    const find = (label: string, c: number) => s.find((x) => x.label === label && x.concurrency === c);
    say();
    say(
      `REST: GET one image and POST (create) one (fake upstream body ${BODY.length} B; the generated server logs at its default level, info). CPU per request from /proc/<pid>/stat. Load average ${num(r.rest.load[0])} → ${num(r.rest.load[1])}`,
    );
    say(
      table(
        [
          'Contender',
          'Conc',
          'Req/s (rounds)',
          'Req/s median',
          'p50 ms',
          'p99 ms',
          'Proxy CPU/req µs',
          'Upstream CPU/req µs',
          'Load gen cores',
          'Clean',
          '÷ (a)',
          '÷ (b)',
        ],
        s.map((x) => {
          const a = find(REST_LABELS.a, x.concurrency);
          const b = find(x.label.endsWith('POST') ? REST_LABELS.bPost : REST_LABELS.b, x.concurrency);
          const isA = x.label === REST_LABELS.a;
          return [
            x.label,
            String(x.concurrency),
            x.rounds.map(int).join(' / '),
            int(x.rps),
            num(x.p50Ms),
            num(x.p99Ms),
            isA ? '–' : num(x.cpuUsPerReq.server ?? NaN),
            num(x.cpuUsPerReq.upstream ?? NaN),
            num(x.loadgenCores, 2),
            `${x.clean}/${x.rounds.length}`,
            fmtRatio(ratio(x.rps, a?.rps ?? NaN)),
            fmtRatio(ratio(x.rps, b?.rps ?? NaN)),
          ];
        }),
      ),
    );
    say();
    say(
      `Key ratios: (c) generated REST server ÷ (b) hand-written node:http + undici Pool proxy, same run; load average ${num(r.rest.load[0])} → ${num(r.rest.load[1])}`,
    );
    say(
      table(
        [
          'Method',
          'Conc',
          'Req/s ÷ (b) [goal ≥ 0.9]',
          'paired per round (min–max)',
          'p50 ÷ (b)',
          'p99 ÷ (b) [goal ≤ 1.2]',
          'CPU/req (c) µs',
          'CPU/req (b) µs',
          'CPU/req ÷ (b)',
          'paired (min–max)',
        ],
        r.rest.ratios.map((k) => [
          k.method,
          String(k.concurrency),
          `${fmtRatio(k.rps)}${k.rps >= 0.9 ? '' : '  (below goal)'}`,
          `${fmtRatio(k.rpsPaired.median)} (${fmtRatio(k.rpsPaired.min)}–${fmtRatio(k.rpsPaired.max)})`,
          fmtRatio(k.p50),
          `${fmtRatio(k.p99)}${k.p99 <= 1.2 ? '' : '  (above goal)'}`,
          num(k.cpuC),
          num(k.cpuB),
          fmtRatio(k.cpu),
          `${fmtRatio(k.cpuPaired.median)} (${fmtRatio(k.cpuPaired.min)}–${fmtRatio(k.cpuPaired.max)})`,
        ]),
      ),
    );
  }

  if (r.rest) {
    const b16 = r.rest.summary.find((x) => x.label === REST_LABELS.b && x.concurrency === 16);
    if (b16)
      say(
        `  Machine state: (b) at c16 ran ${int(b16.rps)} req/s at ${num(b16.cpuUsPerReq.server ?? NaN)} µs CPU/req here, against ${int(PEER_REFERENCE.restB.c16)} req/s and ${PEER_REFERENCE.restB.cpuUsPerReq} µs in peer-bench.md §4 (×${fmtRatio(ratio(b16.rps, PEER_REFERENCE.restB.c16))} req/s; not measured here).`,
      );
  }

  if (r.mcp) {
    say();
    say(
      `MCP: tools/call get-instance-image, (c) the generated server and (d) a minimal SDK v2 server making the same upstream call (stateless Streamable HTTP, one POST per call, unique ids); load average ${num(r.mcp.load[0])} → ${num(r.mcp.load[1])}`,
    );
    say(
      table(
        [
          'Server and era',
          'Conc',
          'Req/s (rounds)',
          'Req/s median',
          'p50 ms',
          'p99 ms',
          'Server CPU/call ms',
          'Server cores',
          'Upstream CPU/call µs',
          'Clean',
          '÷ (b) REST',
        ],
        r.mcp.summary.map((x) => [
          x.label,
          String(x.concurrency),
          x.rounds.map(int).join(' / '),
          int(x.rps),
          num(x.p50Ms),
          num(x.p99Ms),
          num((x.cpuUsPerReq.server ?? NaN) / 1000),
          num(x.cores.server ?? NaN, 2),
          num(x.cpuUsPerReq.upstream ?? NaN),
          `${x.clean}/${x.rounds.length}`,
          fmtRatio(x.overB),
        ]),
      ),
    );
    say();
    say(
      `Key ratios: (c) generated MCP server ÷ (d) minimal SDK v2 server, same run; load average ${num(r.mcp.load[0])} → ${num(r.mcp.load[1])}`,
    );
    say(
      table(
        [
          'Era',
          'Conc',
          'Calls/s ÷ (d) [goal ≥ 0.9]',
          'paired per round (min–max)',
          'p99 ÷ (d)',
          'CPU/call (c) µs',
          'CPU/call (d) µs',
          'CPU/call ÷ (d)',
          'paired (min–max)',
        ],
        r.mcp.ratios.map((k) => [
          k.era,
          String(k.concurrency),
          `${fmtRatio(k.rps)}${k.rps >= 0.9 ? '' : '  (below goal)'}`,
          `${fmtRatio(k.rpsPaired.median)} (${fmtRatio(k.rpsPaired.min)}–${fmtRatio(k.rpsPaired.max)})`,
          fmtRatio(k.p99),
          num(k.cpuC),
          num(k.cpuD),
          fmtRatio(k.cpu),
          `${fmtRatio(k.cpuPaired.median)} (${fmtRatio(k.cpuPaired.min)}–${fmtRatio(k.cpuPaired.max)})`,
        ]),
      ),
    );
    say();
    say(`Reference figures from ${PEER_REFERENCE.source}, on the same kind of machine in another session:`);
    say(
      table(
        [
          'Reference (NOT measured here)',
          'c16 req/s',
          'c64 req/s',
          'CPU/call ms',
          'c16 ÷ (b) there',
          'this run c16 ÷ it',
          'this run ÷(b) ÷ its ÷(b)',
        ],
        PEER_REFERENCE.mcp.map((p) => {
          const ours = r.mcp!.summary.find(
            (x) => x.concurrency === 16 && x.label === mcpLabel('c', mcpEras()[0]!),
          );
          return [
            p.name,
            int(p.c16),
            int(p.c64),
            num(p.cpuMsPerCall),
            fmtRatio(p.c16OverB),
            fmtRatio(ratio(ours?.rps ?? NaN, p.c16)),
            fmtRatio(ratio(ours?.overB ?? NaN, p.c16OverB)),
          ];
        }),
      ),
    );
    say(
      '  ("this run" = the legacy-era c16 median. Req/s against a figure from another session is only indicative; the ÷(b) column normalises each by its own run\'s hand-written proxy.)',
    );
  }

  if (r.soak) {
    const k = r.soak;
    say(
      `Soak: a warm-up round (0) and 2 rounds of ${int(k.restCalls)} REST calls at c=${k.concurrency} + ${int(k.mcpCalls)} MCP calls, one fresh server: ${k.passed ? 'PASS' : 'FAIL'} (0 errors in all rounds and RSS growth from round 1 to 2 under 10% pass)`,
    );
    say(
      table(
        ['round', 'REST req/s', 'MCP calls/s', 'errors', 'RSS MiB', 'server CPU µs/call'],
        k.rounds.map((x) => [
          String(x.round),
          int(x.restRps),
          int(x.mcpRps),
          String(x.errors),
          num(x.rssMiB),
          num(x.serverCpuUsPerCall),
        ]),
      ),
    );
    say(
      `  idle RSS ${num(k.idleRssMiB)} MiB; growth from round 1 to round 2: ${(k.rssGrowth * 100).toFixed(1)}%; errors ${k.errors}`,
    );
    const s = k.scrub;
    say(
      `  cost of scrubbing (REST, c=${k.concurrency}, ${s.rounds.length} rounds, medians): server CPU ${num(s.onCpuUsPerReq)} µs/req on vs ${num(s.offCpuUsPerReq)} off, ratio on/off ${fmtRatio(s.cpuRatio)}; req/s ratio on/off ${fmtRatio(s.rpsRatio)}`,
    );
    say(
      `  in-process scrub of a clean answer: ${s.micro.map((m) => `${int(m.bytes)} B ${num(m.nsPerScrub / 1000, 2)} µs`).join(', ')}`,
    );
    say('');
  }
  if (r.memory) {
    say();
    say('Memory: RSS of a fresh generated server (REST then MCP calls, two passes; flat is the goal)');
    say(
      table(
        ['After', 'Calls so far', 'RSS MiB', 'Peak RSS MiB'],
        r.memory.points.map((p) => [p.after, int(p.calls), num(p.rssMiB), num(p.hwmMiB)]),
      ),
    );
    say(
      `  growth per call: first pass ${num(r.memory.firstPassKiBPerCall, 2)} KiB (heap warm-up), second pass ${num(r.memory.secondPassKiBPerCall, 2)} KiB; failed/unexpected answers: ${r.memory.bad}`,
    );
    if (r.meta.mode === 'quick')
      say(
        '  (quick mode: too few calls for V8 to reach its steady heap size; judge flatness from a full run)',
      );
  }

  for (const x of r.rss ?? []) {
    say();
    say(
      `RSS over ${int(x.samples.at(-1)!.calls)} MCP calls, ${x.name} (legacy era, c=16, a fresh process, every answer checked): ${x.flat ? 'FLAT' : 'GROWING'} (flat: under 2% of RSS per 10k calls over the second half); load average ${num(x.load[0])} → ${num(x.load[1])}`,
    );
    say(
      table(
        ['Calls', 'RSS MiB'],
        x.samples.map((p) => [int(p.calls), num(p.rssMiB)]),
      ),
    );
    say(
      `  idle ${num(x.idleMiB)} MiB, after the first batch ${num(x.warmMiB)}, end ${num(x.endMiB)}, peak ${num(x.peakMiB)}; slope over the second half ${num(x.slopeKiBPer1k)} KiB per 1,000 calls; failed/unexpected answers: ${x.bad}`,
    );
  }
  if (r.coldStart) {
    const k = r.coldStart;
    say();
    say(
      `Cold start to listening (wall ms, spawn to the "listening" log line; ${k.rows[0]!.ms.length} rounds in turn after one untimed; built in ${k.built}); load average ${num(k.load[0])} → ${num(k.load[1])}`,
    );
    say(
      table(
        ['Command', 'Median ms', 'min–max', '× node -e 0 (paired)'],
        k.rows.map((row) => [
          row.command,
          num(row.medianMs),
          `${num(row.minMs)}–${num(row.maxMs)}`,
          fmtRatio(row.ratio),
        ]),
      ),
    );
  }

  for (const t of r.generator ?? []) {
    say();
    say(
      t.group === 'subset'
        ? `Generators on the 6-operation images subset: whole process, CPU (user + system) median, × openapi-mcp-generator paired by round (min–max); load ${num(t.load[0])} → ${num(t.load[1])}`
        : `Large inputs: capgen on ovh-cloud-cloud.yaml (716 operations) against openapi-mcp-generator on all of Scaleway Instance (76); load ${num(t.load[0])} → ${num(t.load[1])}`,
    );
    say(
      table(
        ['Contender', 'CPU s', '× omg (CPU)', 'min–max', 'Wall s', 'Peak MiB', 'Runs'],
        t.rows.map((g) => [
          g.what,
          num(g.cpuS),
          fmtRatio(g.cpuRatio),
          `${fmtRatio(g.cpuRatioMin)}–${fmtRatio(g.cpuRatioMax)}`,
          num(g.wallS),
          num(g.peakMiB),
          `${g.runs.length}${g.error ? ' (failed)' : ''}`,
        ]),
      ),
    );
    for (const g of t.rows) say(`    ${g.what}: ${g.command}`);
  }

  const profB = r.profiles.find((p) => p.who === 'b' && p.workload === 'rest');
  for (const p of r.profiles.filter((x) => x.who === 'c')) {
    const perReq = (ms: number, of: ProfileResult) => (ms * 1000) / of.requests;
    const versus = p.workload === 'rest' ? profB : undefined;
    say();
    say(
      `CPU profile of the generated server, ${p.workload === 'rest' ? 'REST GET' : 'MCP legacy-era tools/call'} at c16 (${int(p.rps)} req/s while profiling; main thread only; ${p.summary.file})`,
    );
    if (versus)
      say(
        `  compared with the hand-written proxy profiled the same way (${int(versus.rps)} req/s; ${versus.summary.file})`,
      );
    const areas = [
      ...new Set([
        ...p.summary.areas.map((a) => a.area),
        ...(versus?.summary.areas.map((a) => a.area) ?? []),
      ]),
    ]
      .map((area) => ({
        area,
        c: perReq(p.summary.areaMs[area] ?? 0, p),
        b: versus ? perReq(versus.summary.areaMs[area] ?? 0, versus) : NaN,
      }))
      .sort((x, y) => y.c - x.c);
    say('  self time by area, µs per request:');
    const head = versus ? ['Area', '(c) µs/req', '(b) µs/req', '(c) − (b)'] : ['Area', 'µs/call', 'share %'];
    const rows = areas.map((a) =>
      versus
        ? [a.area, num(a.c), num(a.b), num(a.c - a.b)]
        : [a.area, num(a.c), ((a.c / perReq(p.summary.busyMs, p)) * 100).toFixed(1)],
    );
    rows.push(
      versus
        ? [
            'total (non-idle, all areas)',
            num(perReq(p.summary.busyMs, p)),
            num(perReq(versus.summary.busyMs, versus)),
            num(perReq(p.summary.busyMs, p) - perReq(versus.summary.busyMs, versus)),
          ]
        : ['total (non-idle, all areas)', num(perReq(p.summary.busyMs, p)), '100'],
    );
    say(indent(table(head, rows)));
    say('  functions by self time:');
    say(
      indent(
        table(
          ['Function', 'Self %'],
          p.summary.self.map((a) => [a.fn, (a.share * 100).toFixed(1)]),
        ),
      ),
    );
    say('  functions by inclusive time:');
    say(
      indent(
        table(
          ['Function', 'Incl %'],
          p.summary.inclusive.map((a) => [a.fn, (a.share * 100).toFixed(1)]),
        ),
      ),
    );
  }

  if (r.notes.length > 0) {
    say();
    say('Notes:');
    for (const n of r.notes) say(`  - ${n}`);
  }
  say();
  process.stdout.write(`${out.join('\n')}\n`);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

interface Report {
  meta: {
    date: string;
    node: string;
    cpus: number;
    mode: string;
    loadGenerator: string;
    git: string;
    outDirty: boolean;
    /** Time spent waiting for a quiet machine beyond the gate's own window, and retried runs. */
    quietWaitS?: number;
    retriedRuns?: number;
  };
  settings: Settings;
  correctness: Record<string, string>;
  rest?: {
    runs: Measured[];
    summary: Summary[];
    /** The 1-minute load average when the phase began and ended. */
    load: [number, number];
    ratios: {
      method: 'GET' | 'POST';
      cpuPaired: ReturnType<typeof pairedRatio>;
      concurrency: number;
      rps: number;
      rpsPaired: ReturnType<typeof pairedRatio>;
      p50: number;
      p99: number;
      cpuC: number;
      cpuB: number;
      cpu: number;
      cOverA: number;
      bOverA: number;
    }[];
  };
  mcp?: {
    runs: Measured[];
    summary: (Summary & { overB: number })[];
    /** (c) the generated server ÷ (d) the minimal SDK v2 server, per era and concurrency. */
    ratios: {
      era: string;
      concurrency: number;
      rps: number;
      rpsPaired: ReturnType<typeof pairedRatio>;
      cpuPaired: ReturnType<typeof pairedRatio>;
      p99: number;
      cpuC: number;
      cpuD: number;
      cpu: number;
    }[];
    load: [number, number];
    reference: typeof PEER_REFERENCE;
  };
  rss?: RssResult[];
  coldStart?: ColdStartResult;
  memory?: MemoryResult;
  soak?: SoakResult;
  generator?: GenTable[];
  profiles: ProfileResult[];
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Main.

async function gitInfo(): Promise<{ text: string; outDirty: boolean }> {
  const head = await runCommand('git', ['rev-parse', '--short', 'HEAD'], { timeoutMs: 10_000 });
  const dirty = await runCommand(
    'git',
    ['status', '--porcelain', '--', 'out/instance-images', 'templates', 'generator'],
    {
      timeoutMs: 10_000,
    },
  );
  const outDirty = dirty.stdout.trim() !== '';
  return {
    text: `${head.stdout.trim()}${outDirty ? ' (uncommitted changes in out/, templates/ or generator/)' : ''}`,
    outDirty,
  };
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        chart: { type: 'string', default: '.tmp/bench-ratios.svg' },
        loadgen: { type: 'string', default: 'auto' },
        only: { type: 'string' },
        profile: { type: 'boolean', default: false },
        'no-profile': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const settings = values.quick ? QUICK : FULL;
  budget.quietMs = settings.quietBudgetMs;
  budget.retries = settings.retryBudget;
  const phases = new Set<Phase>(
    values.only === undefined ? PHASES : (values.only.split(',').map((p) => p.trim()) as Phase[]),
  );
  for (const p of phases)
    if (!PHASES.includes(p)) {
      process.stderr.write(`bench: unknown phase ${p} (use ${PHASES.join(',')})\n`);
      return 2;
    }
  if (!['auto', 'wrk', 'node'].includes(values.loadgen)) {
    process.stderr.write(`bench: --loadgen must be auto, wrk or node\n`);
    return 2;
  }
  const wrkPath = onPath('wrk');
  if (values.loadgen === 'wrk' && !wrkPath) {
    process.stderr.write('bench: wrk is not on PATH (Debian: apt-get install -y wrk)\n');
    return 2;
  }
  const tool: LoadTool = values.loadgen === 'node' || !wrkPath ? 'node' : 'wrk';
  let loadGenerator: string;
  if (tool === 'wrk') {
    const v = await runCommand('wrk', ['--version'], { timeoutMs: 10_000 });
    loadGenerator = `${
      (v.stdout + v.stderr)
        .split('\n')[0]
        ?.replace(/ Copyright.*/, '')
        .trim() ?? 'wrk'
    } (-t1)`;
  } else {
    loadGenerator = 'built-in Node generator (undici Pool, tools/bench/loadgen.ts)';
    if (!wrkPath)
      note(
        'wrk is not on PATH, so the built-in Node load generator was used (install wrk: apt-get install -y wrk)',
      );
  }
  const git = await gitInfo();
  progress(`capgen bench: ${values.quick ? 'quick' : 'full'} mode, load generator: ${loadGenerator}`);

  const report: Report = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: NCPU,
      mode: values.quick ? 'quick' : 'full',
      loadGenerator,
      git: git.text,
      outDirty: git.outDirty,
    },
    settings,
    correctness: {},
    profiles: [],
    notes,
  };
  const workDir = mkdtempSync(join(tmpdir(), 'capgen-bench-'));

  if (['rest', 'mcp', 'memory', 'rss', 'soak'].some((p) => phases.has(p as Phase))) {
    const servers = await startServers();
    progress(
      `Servers: upstream pid ${servers.upstream.pid}, (b) pid ${servers.proxy.pid}, (c) pid ${servers.generated.pid}`,
    );
    report.correctness = await verify(servers.urls, phases);
    progress(`Checked: ${Object.keys(report.correctness).join(', ')} answer correctly`);

    if (phases.has('rest')) {
      const load: [number, number] = [loadAverage(), NaN];
      const runs = await restPhase(settings, tool, servers);
      load[1] = loadAverage();
      const summary = summarize(runs, settings);
      const find = (label: string, c: number) =>
        summary.find((x) => x.label === label && x.concurrency === c);
      const ratios = REST_PAIRS.flatMap((pair) =>
        settings.concurrency.map((c) => {
          const a = find(REST_LABELS.a, c)!;
          const b = find(pair.b, c)!;
          const gen = find(pair.c, c)!;
          const cpuC = gen.cpuUsPerReq.server ?? NaN;
          const cpuB = b.cpuUsPerReq.server ?? NaN;
          return {
            method: pair.method,
            concurrency: c,
            rps: ratio(gen.rps, b.rps),
            rpsPaired: pairedRatio(runs, pair.c, pair.b, c, (m) => m.rps),
            cpuPaired: pairedRatio(runs, pair.c, pair.b, c, (m) => m.cpuUsPerReq.server ?? NaN),
            p50: ratio(gen.p50Ms, b.p50Ms),
            p99: ratio(gen.p99Ms, b.p99Ms),
            cpuC,
            cpuB,
            cpu: ratio(cpuC, cpuB),
            cOverA: ratio(gen.rps, a.rps),
            bOverA: ratio(b.rps, a.rps),
          };
        }),
      );
      report.rest = { runs, summary, ratios, load };
    }
    if (phases.has('mcp')) {
      const load: [number, number] = [loadAverage(), NaN];
      const runs = await mcpPhase(settings, tool, servers);
      load[1] = loadAverage();
      const summary = summarize(runs, settings).map((x) => {
        const b = report.rest?.summary.find(
          (s) => s.label === REST_LABELS.b && s.concurrency === x.concurrency,
        );
        return { ...x, overB: ratio(x.rps, b?.rps ?? NaN) };
      });
      const ratios = mcpEras().flatMap((era) =>
        settings.concurrency.map((c) => {
          const [cl, dl] = [mcpLabel('c', era), mcpLabel('d', era)];
          const gen = summary.find((x) => x.label === cl && x.concurrency === c)!;
          const sdk = summary.find((x) => x.label === dl && x.concurrency === c)!;
          const cpuC = gen.cpuUsPerReq.server ?? NaN;
          const cpuD = sdk.cpuUsPerReq.server ?? NaN;
          return {
            era: `${era.era} ${era.version}`,
            concurrency: c,
            rps: ratio(gen.rps, sdk.rps),
            rpsPaired: pairedRatio(runs, cl, dl, c, (m) => m.rps),
            cpuPaired: pairedRatio(runs, cl, dl, c, (m) => m.cpuUsPerReq.server ?? NaN),
            p99: ratio(gen.p99Ms, sdk.p99Ms),
            cpuC,
            cpuD,
            cpu: ratio(cpuC, cpuD),
          };
        }),
      );
      report.mcp = { runs, summary, ratios, load, reference: PEER_REFERENCE };
    }
    const restBelow = report.rest?.ratios.some((k) => k.rps < 0.9) ?? false;
    if (!values['no-profile'] && (values.profile || (restBelow && !values.quick))) {
      progress(
        `Profiling (--cpu-prof, fresh processes, c16)${restBelow ? ': the REST ratio is below 0.9' : ''}; profiles in ${workDir}`,
      );
      for (const [who, workload] of [
        ['b', 'rest'],
        ['c', 'rest'],
        ...(values.profile && phases.has('mcp') ? [['c', 'mcp']] : []),
      ] as ['b' | 'c', 'rest' | 'mcp'][]) {
        const p = await profileRun(settings, tool, servers.upstream, who, workload, workDir);
        if (p) report.profiles.push(p);
      }
    }
    if (phases.has('memory')) report.memory = await memoryPhase(settings, servers.upstream);
    if (phases.has('rss'))
      report.rss = await rssPhase(
        { calls: settings.rssMcpCalls, every: settings.rssSampleEvery, progress, note },
        [
          { name: '(c) generated', start: () => startGenerated(servers.upstream), path: '/mcp' },
          {
            name: '(d) SDK minimal',
            start: () =>
              startService('minimal SDK v2 server', join(BENCH_DIR, 'sdk-server.ts'), {
                UPSTREAM: upstreamOrigin(servers.upstream),
              }),
            path: '/mcp',
          },
        ],
        mcpEras()[0]!,
      );
    if (phases.has('soak')) report.soak = await soakPhase(settings, servers.upstream);
    await Promise.all([
      servers.generated.stop(),
      servers.proxy.stop(),
      servers.sdk.stop(),
      servers.upstream.stop(),
    ]);
  }
  if (phases.has('start'))
    report.coldStart = await coldStartPhase({ rounds: settings.startRounds, progress, note });
  if (phases.has('gen')) report.generator = await genPhase(settings, workDir);

  report.meta.quietWaitS = budget.spentQuietMs / 1000;
  report.meta.retriedRuns = budget.spentRetries;
  if (report.profiles.length === 0) rmSync(workDir, { recursive: true, force: true });
  printReport(report);
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    progress(`Wrote ${values.json}`);
  }
  const bars = ratioBars(report);
  if (bars.length > 0) {
    mkdirSync(dirname(values.chart), { recursive: true });
    try {
      // The plotting library is pinned with the peers, installed on first use.
      await ensurePeers(progress);
      await writeChart(
        values.chart,
        `capgen bench ${report.meta.date.slice(0, 16)}Z, git ${report.meta.git}`,
        bars,
      );
      progress(`Wrote ${values.chart} (every ratio of this run; ticks mark the goals)`);
    } catch (err) {
      progress(`bench: the chart was not written: ${(err as Error).message}`);
    }
  }
  return report.soak?.passed === false ? 1 : 0;
}

/** Every ratio of the run, with its goal, for the chart. */
function ratioBars(r: Report): RatioBar[] {
  const bars: RatioBar[] = [];
  for (const t of r.generator ?? []) {
    const table =
      t.group === 'subset' ? 'generators × openapi-mcp-generator' : 'large input × openapi-mcp-generator';
    for (const g of t.rows.slice(1)) {
      const goal = g.what.startsWith('capgen, cold')
        ? t.group === 'subset'
          ? 3
          : 10
        : g.what.includes('cache hit')
          ? 1
          : undefined;
      bars.push({ table, label: g.what, ratio: g.cpuRatio, ...(goal === undefined ? {} : { goal }) });
    }
  }
  for (const k of r.rest?.ratios ?? []) {
    bars.push({
      table: 'REST × hand-written proxy',
      label: `${k.method} throughput, c${k.concurrency}`,
      ratio: k.rps,
      goal: 0.9,
    });
    bars.push({
      table: 'REST × hand-written proxy',
      label: `${k.method} p99 latency, c${k.concurrency}`,
      ratio: k.p99,
      goal: 1.2,
    });
  }
  for (const k of r.mcp?.ratios ?? [])
    bars.push({
      table: 'MCP × minimal SDK v2 server',
      label: `${k.era.split(' ')[0]} throughput, c${k.concurrency}`,
      ratio: k.rps,
      goal: 0.9,
    });
  const built = r.coldStart?.rows.find((row) => row.command === 'node dist/server.js');
  if (built) bars.push({ table: 'cold start × node -e 0', label: 'node dist/server.js', ratio: built.ratio });
  return bars;
}

// Every child is stopped by PID: at the end, on error, and on Ctrl-C / SIGTERM.
let stopping = false;
const interrupt = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`\nbench: ${signal}, stopping child processes\n`);
  const hard = setTimeout(() => {
    killAllNow();
    process.exit(130);
  }, 6000);
  void stopAll().finally(() => {
    clearTimeout(hard);
    process.exit(130);
  });
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);
process.once('exit', killAllNow);

main(process.argv.slice(2)).then(
  async (code) => {
    await stopAll();
    process.exit(code);
  },
  async (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopAll();
    process.exit(1);
  },
);
