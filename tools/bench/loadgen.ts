/**
 * The built-in load generator (a child process), used when wrk is not on PATH and for runs that
 * need an exact number of requests or a check of every answer (the memory phase). An undici Pool
 * with one keep-alive connection per concurrent worker; each worker sends its next request as
 * soon as the previous answer's body has been read. Bounded: by duration or by request count.
 *
 * Usage: node --import tsx tools/bench/loadgen.ts '<json LoadgenConfig>'; prints one JSON line.
 */
import { Pool } from 'undici';

export interface LoadgenConfig {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Request body; every `__ID__` is replaced with a request id unique within the run. */
  body?: string;
  concurrency: number;
  /** Run for this long… */
  durationSec?: number;
  /** …or send exactly this many requests. */
  count?: number;
  /** Checked on every answer besides status 200: text the body must / must not contain. */
  expect?: { contains?: string; notContains?: string };
}

export interface LoadgenResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  bad: number;
  firstError?: string;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function main(config: LoadgenConfig): Promise<LoadgenResult> {
  const url = new URL(config.url);
  const pool = new Pool(url.origin, {
    connections: config.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const path = url.pathname + url.search;
  const bodyParts = config.body?.split('__ID__');
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let non2xx = 0;
  let bad = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const end = config.durationSec !== undefined ? started + config.durationSec * 1000 : Infinity;
  const limit = config.count ?? Infinity;
  if (end === Infinity && limit === Infinity) throw new Error('loadgen needs durationSec or count');

  const worker = async () => {
    while (issued < limit && performance.now() < end) {
      const id = ++issued;
      const t0 = performance.now();
      try {
        const answer = await pool.request({
          method: config.method,
          path,
          headers: config.headers,
          body: bodyParts?.join(String(id)),
        });
        const checking = config.expect !== undefined;
        const text = checking ? await answer.body.text() : (await answer.body.arrayBuffer(), '');
        latencies.push(performance.now() - t0);
        if (answer.statusCode < 200 || answer.statusCode > 299) non2xx++;
        else if (
          checking &&
          ((config.expect!.contains !== undefined && !text.includes(config.expect!.contains)) ||
            (config.expect!.notContains !== undefined && text.includes(config.expect!.notContains)))
        ) {
          bad++;
          firstError ??= `unexpected body: ${text.slice(0, 300)}`;
        }
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    errors,
    non2xx,
    bad,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

const arg = process.argv[2];
if (arg === undefined) {
  process.stderr.write('usage: loadgen.ts <json config>\n');
  process.exit(2);
}
main(JSON.parse(arg) as LoadgenConfig).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`loadgen: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
