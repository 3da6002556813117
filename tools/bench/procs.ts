/**
 * Child processes of the benchmark and what /proc says about them: CPU ticks per process, RSS,
 * machine-wide busy time, and the "is the machine quiet" gate. Every child is tracked by PID so
 * that it can be stopped at the end, on Ctrl-C and on error.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Clock ticks per second of the utime/stime fields (USER_HZ). */
export const CLK_TCK = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

export const NCPU = cpus().length;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// /proc readers.

function statFields(pid: number | 'self'): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: split after the last ')'.
  return text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(/\s+/);
}

/** utime + stime of one process (all its threads), in clock ticks; 0 if it is gone. */
function cpuTicks(pid: number | 'self'): number {
  try {
    const f = statFields(pid);
    // Fields 14 and 15 of proc(5); the array starts at field 3 (state).
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** cutime + cstime of this process: CPU of children that have exited and been waited for. */
function reapedChildTicks(): number {
  const f = statFields('self');
  return Number(f[13]) + Number(f[14]);
}

/** Resident set size and its peak (VmHWM) of a process, in KiB. */
export function memoryKiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

export interface MachineTicks {
  busy: number;
  total: number;
  steal: number;
}

/** Aggregate CPU line of /proc/stat: busy = everything but idle and iowait (steal included). */
function machineTicks(): MachineTicks {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total, steal };
}

/** Busy share of the whole machine (0..1) over `ms`. */
async function busyShare(ms: number): Promise<number> {
  const a = machineTicks();
  await sleep(ms);
  const b = machineTicks();
  const total = b.total - a.total;
  return total > 0 ? (b.busy - a.busy) / total : 0;
}

export interface QuietResult {
  /** Busy share of the last check window. */
  busy: number;
  quiet: boolean;
  waitedMs: number;
}

/**
 * Waits until the machine is quiet: busy share under `maxBusy` over one `windowMs` window.
 * Bounded: gives up after `maxWaitMs` and reports `quiet: false`.
 */
export async function waitQuiet(windowMs: number, maxBusy: number, maxWaitMs: number): Promise<QuietResult> {
  const started = Date.now();
  const attempts = Math.max(1, Math.ceil(maxWaitMs / windowMs));
  let busy = 1;
  for (let i = 0; i < attempts; i++) {
    busy = await busyShare(windowMs);
    if (busy <= maxBusy) return { busy, quiet: true, waitedMs: Date.now() - started };
  }
  return { busy, quiet: false, waitedMs: Date.now() - started };
}

/**
 * Accounts the machine's CPU over a window: what our processes used and what everything else
 * ("foreign" load: other tenants, other engineers' jobs) used, as a share of the machine.
 */
export class CpuWindow {
  readonly #pids: number[];
  readonly #start: number;
  readonly #machine: MachineTicks;
  readonly #ours: Map<number, number>;
  readonly #self: number;
  readonly #reaped: number;

  constructor(pids: number[]) {
    this.#pids = pids;
    this.#start = performance.now();
    this.#machine = machineTicks();
    this.#ours = new Map(pids.map((pid) => [pid, cpuTicks(pid)]));
    this.#self = cpuTicks('self');
    this.#reaped = reapedChildTicks();
  }

  /** CPU of one of the listed processes since the window opened, in ticks. */
  ticksOf(pid: number): number {
    return cpuTicks(pid) - (this.#ours.get(pid) ?? 0);
  }

  close(): {
    seconds: number;
    perPid: Record<number, number>;
    reaped: number;
    foreignShare: number;
    stealShare: number;
  } {
    const seconds = (performance.now() - this.#start) / 1000;
    const machine = machineTicks();
    const perPid: Record<number, number> = {};
    let ours = cpuTicks('self') - this.#self;
    for (const pid of this.#pids) {
      perPid[pid] = this.ticksOf(pid);
      ours += perPid[pid];
    }
    const reaped = reapedChildTicks() - this.#reaped;
    ours += reaped;
    const total = machine.total - this.#machine.total;
    const foreign = machine.busy - this.#machine.busy - ours;
    return {
      seconds,
      perPid,
      reaped,
      foreignShare: total > 0 ? Math.max(0, foreign) / total : 0,
      stealShare: total > 0 ? (machine.steal - this.#machine.steal) / total : 0,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Children.

const live = new Map<number, ChildProcess>();

function track(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const pid = child.pid;
  live.set(pid, child);
  child.once('exit', () => live.delete(pid));
}

/** Sends SIGKILL to every child still running, by PID. For exit paths that cannot wait. */
export function killAllNow(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Stops one child by PID: SIGTERM, then SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = sleep(graceMs).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
  }
}

/** Stops every child still running, by PID. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live.values()].map((child) => stopChild(child)));
}

export interface Service {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The JSON line the child printed when it was ready. */
  ready: Record<string, unknown>;
  /** The last few KB of the child's stderr, for error messages. */
  stderrTail(): string;
  stop(): Promise<void>;
}

/**
 * Starts `node [nodeArgs] --import tsx FILE` in the project root and waits (at most `timeoutMs`)
 * for a JSON line `{"bench":"listening",…}` on its stdout. Its output keeps being drained so it
 * never blocks on a full pipe.
 */
export async function startService(
  name: string,
  file: string,
  env: Record<string, string>,
  options: { nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<Service> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffer = '';
    let done = false;
    const finish = (err: Error | undefined, value?: Record<string, unknown>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(
      () =>
        finish(new Error(`${name}: no listening line within ${options.timeoutMs ?? 30000} ms\n${stderr}`)),
      options.timeoutMs ?? 30000,
    );
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (done) return; // keep draining
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.bench === 'listening') return finish(undefined, parsed);
        } catch {
          // not ours
        }
      }
      buffer = buffer.slice(-10000);
    });
    child.once('exit', (code, signal) =>
      finish(new Error(`${name} exited (${code ?? signal}) before listening\n${stderr}`)),
    );
  }).catch(async (err: unknown) => {
    await stopChild(child, 1000);
    throw err;
  });
  return {
    name,
    pid: child.pid!,
    child,
    ready,
    stderrTail: () => stderr,
    stop: () => stopChild(child),
  };
}

/** Runs a command to completion (tracked, so Ctrl-C stops it too), collecting its output. */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs: number; cwd?: string },
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    // Keep the head of stdout (results) and the tail of stderr (errors); both bounded.
    child.stdout!.on('data', (c: string) => {
      if (stdout.length < 1_000_000) stdout += c;
    });
    child.stderr!.on('data', (c: string) => {
      stderr = (stderr + c).slice(-8000);
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Is `command` an executable on PATH? */
export function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
