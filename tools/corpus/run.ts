// The corpus runner: `npm run corpus -- ../shared/corpus [--report FILE] [--jobs N] [--only S] [--limit N] [--skip N]`.
//
// Generates every capability spec under the folder (type-checking the emitted code), starts each
// generated server against a recording echo upstream, calls every REST operation and MCP tool
// once, and checks what reached the upstream. Progress goes to stderr, a one-line summary to
// stdout, the details to the JSON report. Exit code 1 on any crash, type error or failed call.
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { runCorpus, selectFiles } from './core.js';
import { Progress, summaryLine } from './report.js';
import { fileSize } from './spec.js';

const USAGE = `usage: npm run corpus -- CORPUS_DIR [--report FILE] [--jobs N] [--only SUBSTRING] [--limit N]
  --report FILE   write the per-spec results and totals as JSON
  --jobs N        child processes (default: the number of CPUs, at most 4; 0 runs in this process)
  --only S        only files whose path (relative to CORPUS_DIR) contains S
  --limit N       at most N files
  --skip N        leave out the first N files (with --limit: run the corpus in chunks)
  --recycle N     restart a worker after N specs (default 60)
  --call-timeout MS  time limit of one smoke call (default 5000)
  --quiet         no progress bar`;

function parseArgs(argv: string[]) {
  const opts: {
    root?: string;
    report?: string;
    jobs?: number;
    only?: string;
    limit?: number;
    skip?: number;
    recycle?: number;
    callTimeout?: number;
    quiet: boolean;
  } = { quiet: false };
  const num = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 0) fail(`${flag} needs a whole number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--report') opts.report = argv[++i] ?? fail('--report needs a file');
    else if (a === '--jobs') opts.jobs = num(a, argv[++i]);
    else if (a === '--only') opts.only = argv[++i] ?? fail('--only needs a substring');
    else if (a === '--limit') opts.limit = num(a, argv[++i]);
    else if (a === '--skip') opts.skip = num(a, argv[++i]);
    else if (a === '--recycle') opts.recycle = Math.max(1, num(a, argv[++i]));
    else if (a === '--call-timeout') opts.callTimeout = Math.max(1, num(a, argv[++i]));
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else if (opts.root === undefined) opts.root = a;
    else fail(`unexpected argument ${a}`);
  }
  if (opts.root === undefined) fail('missing CORPUS_DIR');
  return opts as typeof opts & { root: string };
}

function fail(message: string): never {
  process.stderr.write(`corpus: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const root = resolve(opts.root);
const files = selectFiles({ root, only: opts.only, limit: opts.limit, skip: opts.skip });
const jobs = opts.jobs ?? Math.min(4, availableParallelism());
// A spec's cost grows with its size, plus a fixed part (start-up, a server, a type-check).
const weights = new Map(files.map((f) => [f, fileSize(resolve(root, f)) + 20_000]));
const progress = new Progress(files.length, process.stderr, !opts.quiet, weights);
progress.draw(true);
const run = await runCorpus({
  root,
  files,
  jobs,
  recycleEvery: opts.recycle,
  callTimeoutMs: opts.callTimeout,
  onResult: (r) => progress.add(r),
});
progress.finish();

const t = run.totals;
if (opts.report) {
  const report = {
    corpus: root,
    jobs,
    workers: run.workers,
    peakWorkerMiB: run.peakChildMiB,
    totals: t,
    specs: run.results,
  };
  writeFileSync(resolve(opts.report), `${JSON.stringify(report, null, 2)}\n`);
}
process.stdout.write(`${summaryLine(t)}\n`);
process.exit(t.crashed > 0 || t.typeErrors > 0 || t.smoke.failed > 0 ? 1 : 0);
