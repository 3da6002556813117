/**
 * One load run, by wrk (preferred; `apt-get install -y wrk`) or by the built-in Node load
 * generator (loadgen.ts). Both run as child processes, so their CPU shows in this process's
 * cutime/cstime once they exit and can be told apart from the servers' CPU.
 */
import { join } from 'node:path';
import type { LoadgenConfig, LoadgenResult } from './loadgen.js';
import { BENCH_DIR, runCommand } from './procs.js';

export type LoadTool = 'wrk' | 'node';

export interface LoadResult extends LoadgenResult {
  tool: LoadTool;
}

/** Milliseconds from a wrk figure such as `559.00us`, `1.68ms`, `1.01s` or `1.20m`. */
function wrkDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  const value = Number(m[1]);
  switch (m[2]) {
    case 'us':
      return value / 1000;
    case 'ms':
      return value;
    case 's':
      return value * 1000;
    default:
      return value * 60_000;
  }
}

function parseWrk(out: string): LoadgenResult {
  const total = /(\d+) requests in ([\d.]+\w+)/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  if (!total || !rps || !p50 || !p99) throw new Error(`cannot read wrk's output:\n${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = sock ? sock.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    requests: Number(total[1]),
    seconds: wrkDuration(total[2]!) / 1000,
    rps: Number(rps[1]),
    p50Ms: wrkDuration(p50[1]!),
    p99Ms: wrkDuration(p99[1]!),
    errors,
    non2xx,
    bad: 0,
  };
}

/** Runs one load run to completion. Counted runs and body checks need the Node generator. */
export async function runLoad(tool: LoadTool, config: LoadgenConfig): Promise<LoadResult> {
  if (tool === 'wrk' && config.count === undefined && config.expect === undefined) {
    const seconds = Math.max(1, Math.round(config.durationSec ?? 10));
    const args = ['-t1', `-c${config.concurrency}`, `-d${seconds}s`, '--latency', '--timeout', '10s'];
    const env: Record<string, string> = {};
    if (config.method === 'POST') {
      args.push('-s', join(BENCH_DIR, 'post.lua'));
      env.BENCH_BODY = config.body ?? '';
      env.BENCH_HEADERS = Object.entries(config.headers ?? {})
        .map(([name, value]) => `${name}: ${value}`)
        .join('\n');
    }
    args.push(config.url);
    const run = await runCommand('wrk', args, { env, timeoutMs: (seconds + 30) * 1000 });
    if (run.code !== 0) throw new Error(`wrk failed (${run.code ?? run.signal}): ${run.stderr}${run.stdout}`);
    return { tool, ...parseWrk(run.stdout) };
  }
  const limitSec = config.durationSec ?? Math.max(60, (config.count ?? 0) / 100);
  const run = await runCommand(
    process.execPath,
    ['--import', 'tsx', join(BENCH_DIR, 'loadgen.ts'), JSON.stringify(config)],
    { timeoutMs: (limitSec + 60) * 1000 },
  );
  if (run.code !== 0) throw new Error(`loadgen failed (${run.code ?? run.signal}): ${run.stderr}`);
  const line = run.stdout.trim().split('\n').pop() ?? '';
  return { tool: 'node', ...(JSON.parse(line) as LoadgenResult) };
}
