#!/usr/bin/env -S npx tsx
// The command line: `capgen [--out DIR] [--check] [--strict] SPEC...`
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { diffOutput } from './check.js';
import { type Diagnostic, formatDiagnostic, SpecError } from './diagnostics.js';
import { type Generated, generateFile } from './pipeline.js';
import { writeOutput } from './write.js';

const USAGE = `Usage: npm run gen -- [options] SPEC.yaml...

Generates out/<spec name>/ from each Naftiko capability spec: a typed client, a REST router,
MCP tools and a server entry.

Options:
  --out DIR    output folder (default: out)
  --check      generate in memory and compare with DIR; print a diff and exit 1 if it differs
  --strict     refuse anything the official alpha2 schema refuses, and every tolerated defect
  --quiet      print refusals only, no warnings
  -h, --help   show this help

Exit codes: 0 done (or --check: up to date), 1 a spec was refused or --check found a
difference, 2 bad command line, 3 internal error.`;

/** Where the command prints: the process's own streams, or a test's buffers. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
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
        strict: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.stderr.write(`capgen: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    io.stderr.write(`capgen: no spec given\n\n${USAGE}\n`);
    return 2;
  }
  const names = new Map<string, string>();
  // Generate everything first: a refusal of any spec leaves out/ untouched for all of them.
  const results: Generated[] = [];
  let refused = false;
  for (const file of positionals) {
    try {
      const generated = await generateFile(file, { strict: values.strict });
      const clash = names.get(generated.name);
      if (clash)
        throw new SpecError([
          {
            severity: 'error',
            code: 'name-clash',
            message: `both ${clash} and ${file} would write ${values.out}/${generated.name}/`,
            file,
            line: 1,
            col: 1,
          },
        ]);
      names.set(generated.name, file);
      if (!values.quiet) printDiagnostics(io, generated.diagnostics, generated.spec.text);
      results.push(generated);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      printDiagnostics(io, err.diagnostics, await readSafely(file));
      refused = true;
    }
  }
  if (refused) {
    io.stderr.write(`capgen: nothing was written\n`);
    return 1;
  }
  if (values.check) {
    let stale = false;
    for (const g of results) {
      const dir = resolve(values.out, g.name);
      const diff = await diffOutput(dir, g.files, `${values.out}/${g.name}`);
      if (diff !== '') {
        stale = true;
        io.stdout.write(diff);
        io.stderr.write(
          `capgen: ${values.out}/${g.name}/ is not up to date with ${names.get(g.name)}; run npm run gen -- ${names.get(g.name)}\n`,
        );
      } else {
        io.stderr.write(`capgen: ${values.out}/${g.name}/ is up to date\n`);
      }
    }
    return stale ? 1 : 0;
  }
  for (const g of results) {
    const dir = resolve(values.out, g.name);
    const removed = await writeOutput(dir, g.files);
    const warnings =
      g.diagnostics.length === 0
        ? ''
        : `, ${g.diagnostics.length} warning${g.diagnostics.length === 1 ? '' : 's'}`;
    io.stderr.write(
      `capgen: wrote ${values.out}/${g.name}/ (${g.files.size} files${removed.length ? `, removed ${removed.join(', ')}` : ''}${warnings})\n`,
    );
  }
  return 0;
}

function printDiagnostics(io: CliIo, diagnostics: Diagnostic[], text: string | undefined): void {
  for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d, text)}\n`);
}

async function readSafely(file: string): Promise<string | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

// Run only when this file is the program (`npx tsx generator/cli.ts`, the `capgen` bin), not when
// a test imports it.
const entry = process.argv[1];
if (entry !== undefined && realpathSync(entry) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
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
