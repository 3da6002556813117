/**
 * Two phases of `npm run bench` about the generated server as a process: its RSS over many MCP
 * calls (is it flat?), beside the minimal SDK v2 server's, and its cold start to listening as
 * built (`node dist/server.js`) against `node -e 0`, the floor of starting Node at all.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAGE_NAME } from './fixture.js';
import { runLoad } from './load.js';
import { memoryKiB, runCommand, type Service, sleep } from './procs.js';
import { median, minMax } from './report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Hooks {
  progress(text: string): void;
  note(text: string): void;
}

/** The 1-minute load average (the machine is shared). */
function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// RSS over many MCP calls.

export interface RssResult {
  name: string;
  /** RSS after each batch of calls (calls = 0: idle, before any call), in MiB. */
  samples: { calls: number; rssMiB: number }[];
  idleMiB: number;
  /** After the first batch (the heap has grown to its working size) and at the end. */
  warmMiB: number;
  endMiB: number;
  peakMiB: number;
  /** Least-squares slope of RSS over the second half of the calls, in KiB per 1,000 calls. */
  slopeKiBPer1k: number;
  /** Flat: over the second half, RSS grows by less than 2% of its size per 10,000 calls. */
  flat: boolean;
  bad: number;
  load: [number, number];
}

function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/**
 * For each server in turn, a fresh process: `calls` MCP tools/call (legacy era, c=16, every
 * answer checked by the built-in generator) in batches of `every`, RSS read from /proc after each.
 */
export async function rssPhase(
  settings: { calls: number; every: number } & Hooks,
  servers: { name: string; start(): Promise<Service>; path: string }[],
  era: { headers: Record<string, string>; body: string },
): Promise<RssResult[]> {
  settings.progress(
    `RSS: ${settings.calls.toLocaleString('en')} MCP calls per server, RSS every ${settings.every.toLocaleString('en')} calls (fresh processes)`,
  );
  const results: RssResult[] = [];
  for (const server of servers) {
    const load: [number, number] = [loadAverage(), NaN];
    const service = await server.start();
    try {
      const urls = service.ready.urls as Record<string, string> | undefined;
      const url =
        urls?.['instance-images-mcp'] ?? `http://127.0.0.1:${String(service.ready.port)}${server.path}`;
      await sleep(1000);
      const samples = [{ calls: 0, rssMiB: memoryKiB(service.pid).rss / 1024 }];
      let calls = 0;
      let bad = 0;
      while (calls < settings.calls) {
        const r = await runLoad('node', {
          url,
          method: 'POST',
          headers: era.headers,
          body: era.body,
          concurrency: 16,
          count: Math.min(settings.every, settings.calls - calls),
          expect: { contains: IMAGE_NAME, notContains: '"isError":true' },
        });
        calls += r.requests;
        bad += r.errors + r.non2xx + r.bad;
        if (r.firstError) settings.note(`RSS ${server.name}: ${r.firstError}`);
        samples.push({ calls, rssMiB: memoryKiB(service.pid).rss / 1024 });
        if (r.requests === 0) break;
      }
      const peakMiB = memoryKiB(service.pid).hwm / 1024;
      const half = samples.filter((p) => p.calls >= calls / 2).map((p) => ({ x: p.calls, y: p.rssMiB }));
      const perCall = slope(half);
      const endMiB = samples.at(-1)!.rssMiB;
      load[1] = loadAverage();
      const result: RssResult = {
        name: server.name,
        samples,
        idleMiB: samples[0]!.rssMiB,
        warmMiB: samples[1]?.rssMiB ?? NaN,
        endMiB,
        peakMiB,
        slopeKiBPer1k: perCall * 1024 * 1000,
        flat: perCall * 10_000 < 0.02 * endMiB,
        bad,
        load,
      };
      settings.progress(
        `  ${server.name}: RSS ${result.idleMiB.toFixed(1)} idle → ${result.warmMiB.toFixed(1)} → ${endMiB.toFixed(1)} MiB after ${calls.toLocaleString('en')} calls; slope ${result.slopeKiBPer1k.toFixed(1)} KiB per 1k calls`,
      );
      results.push(result);
    } finally {
      await service.stop();
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Cold start.

interface ColdStartRow {
  what: string;
  command: string;
  /** Wall time from spawn to exit (the floor) or to the listening line, per round, in ms. */
  ms: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median over rounds of this round's time ÷ the floor's time in the same round. */
  ratio: number;
}

export interface ColdStartResult {
  rows: ColdStartRow[];
  load: [number, number];
  built: string;
}

/** Builds out/instance-images as its `npm run build` does (tsc to dist/), in .tmp/bench-dist. */
async function buildDist(): Promise<string> {
  const dir = join(ROOT, '.tmp', 'bench-dist', 'instance-images');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(ROOT, 'out', 'instance-images'), dir, { recursive: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = await runCommand(
    process.execPath,
    [tsc, '-p', dir, '--noEmit', 'false', '--outDir', join(dir, 'dist')],
    {
      timeoutMs: 600_000,
    },
  );
  if (run.code !== 0) throw new Error(`building the seed server failed: ${run.stdout}${run.stderr}`);
  cpSync(join(dir, 'openapi.json'), join(dir, 'dist', 'openapi.json'));
  return dir;
}

/** Spawns the server and resolves with the ms until its `listening` log line; then stops it. */
function timeToListening(args: string[], cwd: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let ms: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (ms !== undefined) return;
      out = (out + chunk).slice(-10_000);
      if (/"msg":"listening"/.test(out)) {
        ms = performance.now() - started;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: string) => (err = (err + chunk).slice(-4000)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (ms !== undefined) resolve(ms);
      else reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before listening: ${err}`));
    });
  });
}

/** Rounds of `node -e 0`, `node dist/server.js` and `node --import tsx server.ts`, in turn. */
export async function coldStartPhase(settings: { rounds: number } & Hooks): Promise<ColdStartResult> {
  settings.progress(`Cold start: building the seed server (tsc to dist/), then ${settings.rounds} rounds`);
  const load: [number, number] = [loadAverage(), NaN];
  const dir = await buildDist();
  const env = {
    SCALEWAY_API_KEY: 'capgen-bench-dummy-key',
    INSTANCE_IMAGES_BASE_URL: 'http://127.0.0.1:9',
    INSTANCE_IMAGES_REST_PORT: '0',
    INSTANCE_IMAGES_MCP_PORT: '0',
    LOG_LEVEL: 'info',
  };
  const contenders = [
    {
      what: 'node -e 0 (floor)',
      command: 'node -e 0',
      run: async () => (await runCommand(process.execPath, ['-e', '0'], { timeoutMs: 60_000 })).ms,
    },
    {
      what: 'node dist/server.js (built)',
      command: 'node dist/server.js',
      run: () => timeToListening([join('dist', 'server.js')], dir, env),
    },
    {
      what: 'node --import tsx server.ts (dev)',
      command: 'node --import tsx server.ts',
      run: () => timeToListening(['--import', 'tsx', 'server.ts'], dir, env),
    },
  ];
  const times = contenders.map(() => [] as number[]);
  // One untimed round first: the file cache, then rounds of every contender in turn.
  for (let round = 0; round <= settings.rounds; round++)
    for (const [i, c] of contenders.entries()) {
      const ms = await c.run();
      if (round > 0) times[i]!.push(ms);
    }
  load[1] = loadAverage();
  const floor = times[0]!;
  const rows = contenders.map((c, i): ColdStartRow => {
    const [lo, hi] = minMax(times[i]!);
    return {
      what: c.what,
      command: c.command,
      ms: times[i]!,
      medianMs: median(times[i]!),
      minMs: lo,
      maxMs: hi,
      ratio: median(times[i]!.map((t, k) => t / floor[k]!)),
    };
  });
  if (!existsSync(join(dir, 'dist', 'server.js'))) settings.note('cold start: dist/server.js was not built');
  return { rows, load, built: dir };
}
