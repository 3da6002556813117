// The command line: `capgen [validate] [--out DIR] [--check] [--strict] [--watch] SPEC...`.
// `run` takes its streams and environment as arguments so tests can drive it in-process; the
// bottom of the file runs it when this module is the program.
import {
  accessSync,
  constants,
  type FSWatcher,
  readFileSync,
  realpathSync,
  statSync,
  watch as watchFolder,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CacheEntry, type CacheKey, GenerationCache } from './cache.js';
import { diffOutput } from './check.js';
import { type Diagnostic, SpecError } from './diagnostics.js';
import type { Generated } from './pipeline.js';
import {
  colours,
  type Format,
  formatGithub,
  formatJson,
  FORMATS,
  formatSarif,
  formatText,
} from './present.js';
import { manifestFor, writeOutput } from './write.js';

export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const USAGE = `Usage: npm run gen -- [options] SPEC.yaml...
       npm run gen -- validate [options] SPEC.yaml...

Generates out/<spec name>/ from each Naftiko capability spec: a typed client, a REST router,
MCP tools and a server entry. \`validate\` checks the specs and reports, writing nothing.

Options:
  --out DIR           output folder (default: out)
  --check             generate in memory and compare with DIR; print a diff and exit 1 if it differs
  --dry-run           generate in memory (type-checked) and report what would be written; write nothing
  --strict            refuse anything the official alpha2 schema refuses, and every tolerated defect
  --max-warnings N    fail (exit 1, write nothing) when there are more than N warnings in all
  --format FORMAT     diagnostics as text (default, on stderr), or json, sarif or github (on stdout)
  --watch             regenerate whenever a spec, or a file it reads, changes (Ctrl-C stops)
  --quiet             print refusals only, no warnings
  --no-cache          generate even when the spec, its inputs, capgen and DIR are unchanged since
                      the last run (which otherwise only checks DIR and replays the diagnostics)
  --openapi NS=FILE   type the operations of consumes namespace NS from an OpenAPI 3.0/3.1
                      document (YAML or JSON); repeatable, one per namespace
  --version           print the version
  -h, --help          show this help

Exit codes: 0 done (or --check: up to date), 1 a spec was refused, there were more warnings than
--max-warnings, or --check found a difference, 2 bad command line, 3 internal error.`;

/** Where the command prints and what it reads: the process's own, or a test's. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Whether stderr is a terminal (colour); default false. */
  stderrIsTTY?: boolean;
  /** Default process.env. */
  env?: Record<string, string | undefined>;
  /** Ends `--watch`. */
  signal?: AbortSignal;
}

interface Options {
  out: string;
  check: boolean;
  dryRun: boolean;
  validate: boolean;
  strict: boolean;
  quiet: boolean;
  maxWarnings: number | undefined;
  format: Format;
  files: string[];
  /** --watch prints its own status line after each run. */
  watch: boolean;
  /** `--openapi NS=FILE`: consumes namespace → OpenAPI document. */
  openapi: Map<string, string>;
  /** Unset by --no-cache, and for the modes that must run every stage. */
  cache: GenerationCache | undefined;
}

/**
 * Runs the command line in this process and resolves to its exit code. The executable (below) is a
 * thin wrapper; tests that are not about the process itself call this directly.
 */
export async function main(argv: string[], io: CliIo = process): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', default: 'out' },
        check: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        strict: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        'max-warnings': { type: 'string' },
        format: { type: 'string', default: 'text' },
        watch: { type: 'boolean', default: false },
        openapi: { type: 'string', multiple: true, default: [] },
        'no-cache': { type: 'boolean', default: false },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    io.stdout.write(`capgen ${VERSION}\n`);
    return 0;
  }
  const validate = parsed.positionals[0] === 'validate';
  const files = validate ? parsed.positionals.slice(1) : parsed.positionals;
  if (files.length === 0) return usageError(io, 'no spec given');
  if (!(FORMATS as readonly string[]).includes(values.format))
    return usageError(
      io,
      `--format must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(values.format)})`,
    );
  let maxWarnings: number | undefined;
  if (values['max-warnings'] !== undefined) {
    maxWarnings = Number(values['max-warnings']);
    if (!/^\d+$/.test(values['max-warnings']) || !Number.isSafeInteger(maxWarnings))
      return usageError(
        io,
        `--max-warnings takes a whole number (got ${JSON.stringify(values['max-warnings'])})`,
      );
  }
  const modes = [validate && 'validate', values.check && '--check', values['dry-run'] && '--dry-run'].filter(
    Boolean,
  );
  if (modes.length > 1) return usageError(io, `${modes.join(' and ')} cannot be combined`);
  const openapi = new Map<string, string>();
  for (const pair of values.openapi) {
    const eq = pair.indexOf('=');
    const ns = eq < 0 ? '' : pair.slice(0, eq).trim();
    const file = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (ns === '' || file === '') return usageError(io, `--openapi takes NAMESPACE=FILE, not "${pair}"`);
    if (openapi.has(ns)) return usageError(io, `--openapi names namespace "${ns}" twice`);
    const problem = unreadable(file);
    if (problem) return usageError(io, `--openapi ${ns}=${file}: ${problem}`);
    openapi.set(ns, file);
  }
  const options: Options = {
    out: values.out,
    check: values.check,
    dryRun: values['dry-run'],
    validate,
    strict: values.strict,
    quiet: values.quiet,
    maxWarnings,
    format: values.format as Format,
    files,
    watch: values.watch,
    openapi,
    // --dry-run promises a full, type-checked run; validate writes nothing to compare with.
    cache:
      values['no-cache'] || validate || values['dry-run']
        ? undefined
        : GenerationCache.fromEnv(io.env ?? process.env),
  };
  if (values.watch) return watchLoop(options, io);
  return (await once(options, io)).code;
}

function usageError(io: CliIo, message: string): number {
  io.stderr.write(`capgen: ${message}\n\n${USAGE}\n`);
  return 2;
}

/** The command that generates `files` with the options this run was given. */
function rerun(options: Options, files: string[]): string {
  const args: string[] = [];
  if (options.out !== 'out') args.push('--out', options.out);
  if (options.strict) args.push('--strict');
  if (options.maxWarnings !== undefined) args.push('--max-warnings', String(options.maxWarnings));
  for (const [ns, file] of options.openapi) args.push('--openapi', `${ns}=${file}`);
  args.push(...files);
  return `npm run gen -- ${args.map(shellQuote).join(' ')}`;
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Thrown from the pipeline when the warnings pass --max-warnings: stop before emitting. */
class OverBudget extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly warnings: number,
  ) {
    super('more warnings than --max-warnings');
  }
}

interface Outcome {
  code: number;
  /** Every file read, for --watch. */
  inputs: string[];
  summary: string;
}

async function once(options: Options, io: CliIo): Promise<Outcome> {
  const c = colours(io.stderrIsTTY, io.env ?? process.env);
  const say = (line: string) => io.stderr.write(`capgen: ${line}\n`);
  const names = new Map<string, string>();
  const shown: Diagnostic[] = [];
  const inputs: string[] = [];
  const consumed = new Set<string>();
  // Generate everything first: a refusal of any spec leaves out/ untouched for all of them.
  const results: Result[] = [];
  let refused = 0;
  let warnings = 0;
  const show = async (diagnostics: Diagnostic[], text: string | Map<string, string> | undefined) => {
    const kept = options.quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics;
    shown.push(...kept);
    if (options.format === 'text') for (const line of formatText(kept, text, c)) io.stderr.write(`${line}\n`);
  };
  for (const file of options.files) {
    const key: CacheKey = { spec: file, out: options.out, strict: options.strict, openapi: options.openapi };
    try {
      const cached = await options.cache?.lookup(key);
      let result: Result;
      if (cached) {
        result = { name: cached.name, key, cached, diagnostics: cached.diagnostics };
        inputs.push(...Object.keys(cached.inputs));
        for (const ns of cached.namespaces) consumed.add(ns);
      } else {
        // Loaded on first use: a cache hit, --help or a bad command line needs none of it.
        const { consumedNamespaces, generateFile } = await import('./pipeline.js');
        const generated = await generateFile(file, {
          strict: options.strict,
          validateOnly: options.validate,
          openapi: options.openapi,
          // Past --max-warnings nothing is written, so the slow stages need not run.
          beforeEmit: (diagnostics) => {
            const more = diagnostics.filter((d) => d.severity === 'warning').length;
            if (options.maxWarnings !== undefined && warnings + more > options.maxWarnings)
              throw new OverBudget(diagnostics, more);
          },
        });
        const namespaces = consumedNamespaces(generated.spec);
        result = { name: generated.name, key, generated, namespaces, diagnostics: generated.diagnostics };
        inputs.push(...generated.inputs);
        for (const ns of namespaces) consumed.add(ns);
      }
      const clash = names.get(result.name);
      if (clash)
        throw new SpecError([
          {
            severity: 'error',
            code: 'name-clash',
            message: `both ${clash} and ${file} would write ${options.out}/${result.name}/`,
            file,
            line: 1,
            col: 1,
          },
        ]);
      names.set(result.name, file);
      warnings += result.diagnostics.filter((d) => d.severity === 'warning').length;
      if (options.maxWarnings !== undefined && warnings > options.maxWarnings && result.cached)
        throw new OverBudget(result.diagnostics, 0);
      await show(
        result.diagnostics,
        result.generated
          ? (result.generated.spec.sources ?? result.generated.spec.text)
          : await sourcesOf(result.diagnostics, file),
      );
      results.push(result);
    } catch (err) {
      if (err instanceof OverBudget) {
        warnings += err.warnings;
        inputs.push(file);
        await show(err.diagnostics, await readSafely(file));
        continue;
      }
      if (!(err instanceof SpecError)) throw err;
      inputs.push(file);
      await show(err.diagnostics, await sourcesOf(err.diagnostics, file));
      refused++;
    }
  }
  const unknown = [...options.openapi.keys()].filter((ns) => !consumed.has(ns));
  if (refused === 0 && unknown.length > 0) {
    const known = [...consumed].sort().join(', ') || 'none';
    say(
      `--openapi ${unknown[0]}=…: no spec on the command line consumes namespace "${unknown[0]}" (consumed: ${known}); nothing was written`,
    );
    return { code: 2, inputs, summary: 'bad --openapi namespace' };
  }
  const report = () => {
    if (options.format === 'json') io.stdout.write(formatJson(shown));
    if (options.format === 'sarif') io.stdout.write(formatSarif(shown, VERSION, process.cwd()));
    if (options.format === 'github') io.stdout.write(formatGithub(shown));
  };
  const counted = `${warnings} warning${warnings === 1 ? '' : 's'}`;
  const done = (code: number, summary: string): Outcome => {
    report();
    if (!options.watch) say(summary);
    return { code, inputs, summary };
  };
  if (refused > 0)
    return done(
      1,
      `${refused} of ${options.files.length} spec${options.files.length === 1 ? '' : 's'} refused; ${options.validate ? 'fix the errors above' : 'nothing was written'}`,
    );
  if (options.maxWarnings !== undefined && warnings > options.maxWarnings)
    return done(
      1,
      `${counted}, more than --max-warnings ${options.maxWarnings}${options.validate ? '' : '; nothing was written'}`,
    );
  if (options.validate) {
    const specs = results.map((g) => names.get(g.name)).join(', ');
    return done(0, `${specs}: valid (${counted})`);
  }
  if (options.check) {
    report();
    let stale = 0;
    for (const g of results) {
      const dir = resolve(options.out, g.name);
      const diff = g.generated ? await diffOutput(dir, g.generated.files, `${options.out}/${g.name}`) : '';
      if (diff !== '') {
        stale++;
        // A machine format owns stdout; the diff then goes to stderr.
        (options.format === 'text' ? io.stdout : io.stderr).write(diff);
        say(
          `${options.out}/${g.name}/ is not up to date with ${names.get(g.name)}; run ${rerun(options, [names.get(g.name)!])}`,
        );
      } else {
        say(
          `${options.out}/${g.name}/ is up to date${g.cached ? ' (nothing changed since the last run)' : ''}`,
        );
        if (g.generated) await options.cache?.store(g.key, entryOf(g.generated, g.namespaces));
      }
    }
    const summary = stale ? `${stale} output folder${stale === 1 ? '' : 's'} stale` : 'up to date';
    return { code: stale ? 1 : 0, inputs, summary };
  }
  report();
  const lines: string[] = [];
  for (const g of results) {
    const where = `${options.out}/${g.name}/`;
    const warned = g.diagnostics.filter((d) => d.severity === 'warning').length;
    const tail = warned === 0 ? '' : `, ${warned} warning${warned === 1 ? '' : 's'}`;
    if (!g.generated) {
      lines.push(
        `${where} is up to date (nothing changed since the last run${tail}); --no-cache regenerates`,
      );
      continue;
    }
    const { files } = g.generated;
    if (options.dryRun) {
      lines.push(`would write ${where} (${files.size} files${tail}); --dry-run wrote nothing`);
      continue;
    }
    const removed = await writeOutput(resolve(options.out, g.name), files);
    await options.cache?.store(g.key, entryOf(g.generated, g.namespaces));
    lines.push(
      `wrote ${where} (${files.size} files${removed.length ? `, removed ${removed.join(', ')}` : ''}${tail})`,
    );
  }
  if (!options.watch) for (const line of lines) say(line);
  return { code: 0, inputs, summary: lines.join('; ') };
}

/**
 * `--watch`: run once, then again whenever one of the files the last run read changes. Folders
 * are watched rather than files, so an editor that saves by writing a new file and renaming it
 * over the old one is still seen. Each run ends with one status line.
 */
async function watchLoop(options: Options, io: CliIo): Promise<number> {
  const c = colours(io.stderrIsTTY, io.env ?? process.env);
  let watchers: FSWatcher[] = [];
  let watched = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const stamp = () => new Date().toISOString().slice(11, 19);
  const cycle = async () => {
    let outcome: Outcome;
    try {
      outcome = await once(options, io);
    } catch (err) {
      io.stderr.write(
        `capgen: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      outcome = { code: 3, inputs: options.files, summary: 'internal error' };
    }
    // Watch before saying so: a change made right after the status line must not be missed.
    rewatch([...new Set([...options.files, ...outcome.inputs].map((f) => resolve(f)))]);
    const status = outcome.code === 0 ? c.bold('ok') : c.error('failed');
    io.stderr.write(
      `capgen: [${stamp()}] ${status}: ${outcome.summary}; watching ${watched.size} file${watched.size === 1 ? '' : 's'} (Ctrl-C stops)\n`,
    );
  };
  const trigger = () => {
    clearTimeout(timer);
    // Editors write in several steps; wait for them to settle before reading.
    timer = setTimeout(() => {
      running = running.then(cycle);
    }, 100);
  };
  const rewatch = (files: string[]) => {
    const next = new Set(files);
    if ([...next].every((f) => watched.has(f)) && next.size === watched.size) return;
    for (const w of watchers) w.close();
    watched = next;
    const folders = new Map<string, Set<string>>();
    for (const f of files) {
      const names = folders.get(dirname(f)) ?? new Set<string>();
      names.add(basename(f));
      folders.set(dirname(f), names);
    }
    watchers = [...folders].flatMap(([folder, names]) => {
      try {
        const w = watchFolder(folder, (_event, name) => {
          if (name === null || names.has(basename(String(name)))) trigger();
        });
        w.on('error', () => undefined);
        return [w];
      } catch {
        io.stderr.write(`capgen: cannot watch ${folder}\n`);
        return [];
      }
    });
  };
  await (running = cycle());
  await new Promise<void>((done) => {
    const stop = () => done();
    if (io.signal?.aborted) return done();
    io.signal?.addEventListener('abort', stop, { once: true });
  });
  clearTimeout(timer);
  for (const w of watchers) w.close();
  await running;
  return 0;
}

/** One spec's run: generated now, or replayed from the cache. */
type Result = { name: string; key: CacheKey; diagnostics: Diagnostic[] } & (
  | { generated: Generated; namespaces: string[]; cached?: undefined }
  | { cached: CacheEntry; generated?: undefined; namespaces?: undefined }
);

function entryOf(g: Generated, namespaces: string[]): Omit<CacheEntry, 'inputs'> & { inputs: string[] } {
  return {
    name: g.name,
    inputs: g.inputs,
    manifest: manifestFor(g.files),
    diagnostics: g.diagnostics,
    namespaces,
  };
}

async function readSafely(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isMain(): boolean {
  if (process.argv[1] === undefined) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs the command line as this process: its arguments, streams, signals and exit code. */
export function runAsProgram(): void {
  const controller = new AbortController();
  // Only --watch runs until stopped; any other run keeps the default (immediate) signal handling.
  if (process.argv.includes('--watch'))
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTTY: process.stderr.isTTY,
    env: process.env,
    signal: controller.signal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Bad input never reaches here; this is a bug in capgen, so the stack is useful.
      process.stderr.write(
        `capgen: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 3;
    },
  );
}

// Run with tsx (`node --import tsx generator/cli.ts`); the usual entry is generator/capgen.mjs.
if (isMain()) runAsProgram();

/** Why a file given on the command line cannot be read, or undefined when it can. */
function unreadable(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'not a file';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`;
  }
}

/** The text of every file a refusal points into (the spec, or an OpenAPI document), for code frames. */
async function sourcesOf(
  diagnostics: Diagnostic[],
  file: string,
): Promise<string | Map<string, string> | undefined> {
  const files = new Set(diagnostics.map((d) => d.file));
  if (files.size <= 1 && (files.size === 0 || files.has(file))) return readSafely(file);
  const texts = new Map<string, string>();
  for (const f of new Set([file, ...files])) {
    const text = await readSafely(f);
    if (text !== undefined) texts.set(f, text);
  }
  return texts;
}
