// The corpus runner's core: run a list of spec files, in this process or spread over child
// processes (each keeps its own warm type-checker and is recycled every few specs so that the
// generated modules it imported do not pile up), and collect one result per file.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEcho } from './echo.js';
import { type Totals, totals } from './report.js';
import { discover, fileSize, ROOT, runSpec, type SpecResult, TMP } from './spec.js';

export interface CorpusOptions {
  /** The corpus root. */
  root: string;
  /** Files relative to the root; default: every .yaml/.yml file under it. */
  files?: string[];
  /** Keep files whose relative path contains this. */
  only?: string;
  /** At most this many files (after `only`). */
  limit?: number;
  /** Leave out the first this many files (after `only`, before `limit`). */
  skip?: number;
  /** 0: run in this process; N ≥ 1: N child processes. */
  jobs?: number;
  /** Recycle a child after this many specs. */
  recycleEvery?: number;
  /** Recycle a child whose resident memory exceeds this many MiB. */
  recycleMiB?: number;
  /** A spec that takes longer than this is recorded as crashed (its child is killed). */
  specTimeoutMs?: number;
  callTimeoutMs?: number;
  onResult?: (r: SpecResult) => void;
}

export interface CorpusRun {
  results: SpecResult[];
  totals: Totals;
  /** Peak resident memory of any child (or this process), in MiB. */
  peakChildMiB: number;
  workers: number;
}

export function selectFiles(
  options: Pick<CorpusOptions, 'root' | 'files' | 'only' | 'limit' | 'skip'>,
): string[] {
  let files = options.files ?? discover(options.root);
  if (options.only) files = files.filter((f) => f.includes(options.only!));
  if (options.skip !== undefined) files = files.slice(options.skip);
  if (options.limit !== undefined) files = files.slice(0, options.limit);
  return files;
}

export async function runCorpus(options: CorpusOptions): Promise<CorpusRun> {
  const started = performance.now();
  const files = selectFiles(options);
  mkdirSync(TMP, { recursive: true });
  const jobs = options.jobs ?? 0;
  const out = jobs <= 0 ? await inProcess(files, options) : await inChildren(files, { ...options, jobs });
  const results = out.results.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    results,
    totals: totals(results, performance.now() - started),
    peakChildMiB: out.peak,
    workers: out.workers,
  };
}

async function inProcess(
  files: string[],
  options: CorpusOptions,
): Promise<{ results: SpecResult[]; peak: number; workers: number }> {
  const echo = await startEcho();
  const results: SpecResult[] = [];
  let peak = 0;
  try {
    for (const [i, file] of files.entries()) {
      const r = await runSpec(file, {
        root: options.root,
        echo,
        tag: `p${process.pid}s${i}`,
        callTimeoutMs: options.callTimeoutMs,
      });
      results.push(r);
      peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20);
      options.onResult?.(r);
    }
  } finally {
    await echo.close();
  }
  return { results, peak: Math.round(peak), workers: 0 };
}

// ---------------------------------------------------------------------------------------------
// Child processes.

export type ToWorker =
  { type: 'run'; file: string; tag: string; root: string; callTimeoutMs?: number } | { type: 'exit' };
export type FromWorker = { type: 'ready' } | { type: 'result'; result: SpecResult; rssMiB: number };

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

interface Slot {
  child: ChildProcess;
  ready: boolean;
  busy?: { file: string; since: number; timer: NodeJS.Timeout };
  count: number;
  log: string;
  exited: boolean;
}

function inChildren(
  files: string[],
  options: CorpusOptions & { jobs: number },
): Promise<{ results: SpecResult[]; peak: number; workers: number }> {
  const recycleEvery = options.recycleEvery ?? 60;
  const recycleMiB = options.recycleMiB ?? 1_500;
  const specTimeout = options.specTimeoutMs ?? 600_000;
  // The largest specs first, so that one slow spec does not finish alone at the end.
  const queue = files
    .map((file, index) => ({ file, index, size: fileSize(join(options.root, file)) }))
    .sort((a, b) => b.size - a.size || a.index - b.index);
  const results: SpecResult[] = [];
  let peak = 0;
  let spawned = 0;
  let startFailures = 0;
  let finished = false;

  return new Promise((resolve) => {
    const slots = new Set<Slot>();
    const record = (r: SpecResult) => {
      results.push(r);
      options.onResult?.(r);
    };
    const maybeDone = () => {
      if (finished || results.length < files.length) return;
      finished = true;
      for (const s of slots) retire(s);
      resolve({ results, peak: Math.round(peak), workers: spawned });
    };
    const retire = (slot: Slot) => {
      slots.delete(slot);
      if (slot.busy) clearTimeout(slot.busy.timer);
      if (!slot.exited) {
        try {
          slot.child.send({ type: 'exit' } satisfies ToWorker);
        } catch {
          slot.child.kill('SIGKILL');
        }
        setTimeout(() => slot.exited || slot.child.kill('SIGKILL'), 10_000).unref();
      }
    };
    const lost = (slot: Slot, why: string) => {
      const busy = slot.busy;
      slot.busy = undefined;
      if (busy) {
        clearTimeout(busy.timer);
        record({
          file: busy.file,
          status: 'crashed',
          warnings: [],
          refusals: [],
          skipped: {},
          skippedUnits: {},
          typeErrors: [],
          crash: { message: why, stack: slot.log.slice(-4_000) || undefined },
          ms: Math.round(performance.now() - busy.since),
        });
      }
      slots.delete(slot);
      if (!slot.exited) slot.child.kill('SIGKILL');
      if (!slot.ready && ++startFailures > 3) {
        // Workers cannot even start: every remaining file is a crash, with the worker's output.
        for (const item of queue.splice(0)) {
          record({
            file: item.file,
            status: 'crashed',
            warnings: [],
            refusals: [],
            skipped: {},
            skippedUnits: {},
            typeErrors: [],
            crash: { message: `no worker could start: ${why}`, stack: slot.log.slice(-4_000) },
            ms: 0,
          });
        }
      }
      if (queue.length > 0) spawn();
      maybeDone();
    };
    const next = (slot: Slot) => {
      if (slot.count >= recycleEvery && queue.length > 0) {
        retire(slot);
        spawn();
        return;
      }
      const item = queue.shift();
      if (!item) {
        retire(slot);
        maybeDone();
        return;
      }
      slot.count++;
      slot.busy = {
        file: item.file,
        since: performance.now(),
        timer: setTimeout(
          () => lost(slot, `timed out after ${Math.round(specTimeout / 1000)} s (the worker was killed)`),
          specTimeout,
        ),
      };
      slot.child.send({
        type: 'run',
        file: item.file,
        tag: `s${item.index}`,
        root: options.root,
        callTimeoutMs: options.callTimeoutMs,
      } satisfies ToWorker);
    };
    const spawn = () => {
      spawned++;
      const child = fork(WORKER, [], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
      const slot: Slot = { child, ready: false, count: 0, log: '', exited: false };
      slots.add(slot);
      const keep = (chunk: Buffer) => {
        slot.log = (slot.log + chunk.toString('utf8')).slice(-8_000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          slot.ready = true;
          next(slot);
        } else if (m.type === 'result') {
          if (slot.busy) clearTimeout(slot.busy.timer);
          slot.busy = undefined;
          peak = Math.max(peak, m.rssMiB);
          record(m.result);
          if (m.rssMiB > recycleMiB && queue.length > 0) {
            retire(slot);
            spawn();
          } else {
            next(slot);
          }
          maybeDone();
        }
      });
      child.on('exit', (code, signal) => {
        slot.exited = true;
        if (slots.has(slot))
          lost(slot, `the worker exited (code ${code}, signal ${signal}) while running this spec`);
      });
    };
    if (files.length === 0) {
      finished = true;
      resolve({ results, peak: 0, workers: 0 });
      return;
    }
    for (let i = 0; i < Math.min(options.jobs, files.length); i++) spawn();
  });
}
