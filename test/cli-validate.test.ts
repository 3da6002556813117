// The CLI's reporting options: `validate`, `--dry-run`, `--max-warnings`, `--format`, `--version`,
// colour, hints that repeat the options, "did you mean", causes before their consequences, and
// `--watch`. Everything runs in-process through `run()` except `--watch`, whose process lifetime
// (signals, exit code) is what is under test there.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliRun, runCli, scratchFolders } from './support/cli.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SEED = join(ROOT, 'specs/instance-images.yaml');
const scratch = scratchFolders();

const cli = (args: string[], env: Record<string, string | undefined> = {}, tty = false): Promise<CliRun> =>
  runCli(args, { env, tty });

/** A small two-namespace spec; `edit` rewrites its text to introduce one defect. */
function spec(edit: (text: string) => string = (t) => t): string {
  const text = `naftiko: 1.0.0-alpha2
info:
  label: Notes
binds:
  - namespace: env
    keys:
      NOTES_TOKEN: NOTES_TOKEN
capability:
  consumes:
    - type: http
      namespace: notes
      baseUri: https://notes.example
      authentication:
        type: bearer
        token: '{{NOTES_TOKEN}}'
      resources:
        - name: notes
          path: /notes
          operations:
            - name: list-notes
              method: GET
              description: List notes
    - type: http
      namespace: archive
      baseUri: https://archive.example
      resources:
        - name: old
          path: /old
          operations:
            - name: list-old
              method: GET
              description: List archived notes
  exposes:
    - type: mcp
      namespace: notes-mcp
      port: 9000
      tools:
        - name: list-notes
          description: List notes
          call: notes.list-notes
        - name: list-old
          description: List archived notes
          call: archive.list-old
    - type: rest
      namespace: notes-rest
      port: 8000
      resources:
        - path: /notes
          operations:
            - method: GET
              call: notes.list-notes
`;
  const edited = edit(text);
  const file = join(scratch('spec'), 'notes.yaml');
  writeFileSync(file, edited);
  return file;
}

const replace = (from: string, to: string) => (text: string) => {
  expect(text).toContain(from);
  return text.replace(from, to);
};

/** The `file:line:col: severity[code]: message` lines of a text report, frames left out. */
const heads = (stderr: string) => stderr.split('\n').filter((l) => /^\S+:\d+:\d+: (warning|error)\[/.test(l));

describe('capgen validate', () => {
  it('checks without writing anything and says the spec is valid', async () => {
    const out = join(scratch('out'), 'o');
    const r = await cli(['validate', '--out', out, SEED]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/instance-images\.yaml: valid \(0 warnings\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('lists the cause first and collapses its consequences after it', async () => {
    const file = spec((t) => t.replace('      baseUri: https://notes.example\n', ''));
    const r = await cli(['validate', file]);
    // The other namespace still generates, so this is valid with warnings.
    expect(r.code).toBe(0);
    const lines = heads(r.stderr);
    // The cause (line 10, the entry with no baseUri) comes first, even though no later line is
    // reported before it: the three calls to "notes" follow as one line, the conclusion last.
    expect(lines[0]).toMatch(
      /notes\.yaml:10:7: warning\[schema\]: this consumes entry has no `baseUri`; it is skipped/,
    );
    expect(lines[1]).toMatch(
      /warning\[call-unresolved\]: because of the schema defect at line 10, 2 units are skipped: 1 tool \(line 39\), 1 REST operation \(line 50\)/,
    );
    expect(lines).toHaveLength(2);
    // The namespace is not blamed as unknown.
    expect(r.stderr).not.toMatch(/names no consumes namespace/);
  });

  it('lists a conclusion after its causes', async () => {
    const file = spec((t) =>
      t
        .replace('      baseUri: https://notes.example\n', '')
        .replace('      baseUri: https://archive.example\n', ''),
    );
    const r = await cli(['validate', file]);
    expect(r.code).toBe(1);
    const codes = heads(r.stderr).map((l) => /\[([\w-]+)\]/.exec(l)![1]);
    expect(codes).toEqual(['schema', 'call-unresolved', 'schema', 'call-unresolved', 'nothing-to-generate']);
  });
});

describe('did you mean', () => {
  const messages = async (file: string) => heads((await cli(['validate', file])).stderr).join('\n');

  it('a misspelt operation in the same namespace', async () => {
    const file = spec(
      replace(
        'call: notes.list-notes\n        - name: list-old',
        'call: notes.listnotes\n        - name: list-old',
      ),
    );
    expect(await messages(file)).toMatch(
      /call "notes\.listnotes": namespace "notes" has no operation with that name; did you mean "notes\.list-notes"\?/,
    );
  });

  it('an operation of that name in another namespace', async () => {
    const file = spec(replace('call: archive.list-old', 'call: notes.list-old'));
    expect(await messages(file)).toMatch(/call "notes\.list-old": .*did you mean "archive\.list-old"\?/);
  });

  it('a misspelt namespace', async () => {
    const file = spec(replace('call: archive.list-old', 'call: archiv.list-old'));
    expect(await messages(file)).toMatch(
      /call "archiv\.list-old" names no consumes namespace .*did you mean "archive\.list-old"\?/,
    );
  });

  it('a misspelt authentication type', async () => {
    const file = spec(replace('type: bearer', 'type: bearerr'));
    expect(await messages(file)).toMatch(
      /warning\[auth-type\]: authentication type "bearerr" is not generated; calls are sent without credentials; did you mean "bearer"\?/,
    );
  });

  it('a misspelt key, including one whose absence is the real defect', async () => {
    const file = spec((t) =>
      t
        .replace('authentication:', 'authentification:')
        .replace('baseUri: https://archive', 'baseUrl: https://archive'),
    );
    const text = await messages(file);
    expect(text).toMatch(
      /warning\[unknown-key\]: unknown key `authentification` in this consumes entry is ignored; did you mean `authentication`\?/,
    );
    expect(text).toMatch(
      /this consumes entry has no `baseUri` \(`baseUrl` looks like a misspelling of it\); it is skipped/,
    );
  });

  it('says nothing when nothing is close', async () => {
    const file = spec(replace('call: archive.list-old', 'call: zzz.qqq'));
    const text = await messages(file);
    expect(text).toMatch(
      /call "zzz\.qqq" names no consumes namespace of this capability; this tool is skipped/,
    );
    expect(text).not.toMatch(/did you mean/);
  });
});

describe('--max-warnings', () => {
  const oneWarning = () => spec(replace('type: bearer', 'type: bearerr'));

  it('fails and writes nothing when the warnings exceed N', async () => {
    const out = join(scratch('out'), 'o');
    const r = await cli(['--max-warnings', '0', '--out', out, oneWarning()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 warning, more than --max-warnings 0; nothing was written/);
    expect(existsSync(out)).toBe(false);
  });

  it('passes at N, and is not --strict (official-schema rules stay off)', async () => {
    const r = await cli(['validate', '--max-warnings', '1', oneWarning()]);
    expect(r.code).toBe(0);
    const strict = await cli(['validate', '--strict', SEED]);
    expect(strict.code).toBe(1);
    expect((await cli(['validate', '--max-warnings', '0', SEED])).code).toBe(0);
  });

  it('refuses a value that is not a whole number', async () => {
    const r = await cli(['--max-warnings', 'x', SEED]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-warnings takes a whole number/);
  });
});

describe('--format', () => {
  const cascade = () => spec((t) => t.replace('      baseUri: https://notes.example\n', ''));

  it('json: every diagnostic, a consequence pointing at its cause', async () => {
    const r = await cli(['validate', '--format', 'json', cascade()]);
    expect(r.code).toBe(0);
    const { diagnostics } = JSON.parse(r.stdout) as {
      diagnostics: { code: string; line: number; cause?: { line: number; code: string } }[];
    };
    const calls = diagnostics.filter((d) => d.code === 'call-unresolved');
    expect(calls.map((d) => d.line)).toEqual([39, 50]);
    expect(calls.every((d) => d.cause?.line === 10 && d.cause.code === 'schema')).toBe(true);
    // Machine formats leave stderr to the status line only.
    expect(heads(r.stderr)).toEqual([]);
  });

  it('sarif: a valid SARIF 2.1.0 log (checked against the published schema)', async () => {
    const r = await cli(['validate', '--format', 'sarif', cascade()]);
    const log = JSON.parse(r.stdout) as {
      version: string;
      runs: {
        tool: { driver: { name: string; rules: { id: string }[] } };
        results: {
          ruleId: string;
          ruleIndex: number;
          level: string;
          locations: {
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }[];
          relatedLocations?: { physicalLocation: { region: { startLine: number } } }[];
        }[];
      }[];
    };
    // The schema is draft-04, which the project's ajv 8 does not read: use the ajv 6 that the
    // package carrying the schema depends on.
    const pkg = createRequire(import.meta.url).resolve('@microsoft/jest-sarif/package.json');
    const local = createRequire(pkg);
    const Ajv = local('ajv') as new (o: object) => {
      addMetaSchema(s: object): void;
      compile(s: object): ((d: unknown) => boolean) & { errors?: unknown };
    };
    const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
    ajv.addMetaSchema(local('ajv/lib/refs/json-schema-draft-04.json') as object);
    const schema = JSON.parse(
      readFileSync(join(pkg, '..', 'lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
    ) as object;
    const valid = ajv.compile(schema);
    expect(valid(log), JSON.stringify(valid.errors)).toBe(true);
    // And a broken log is refused, so the check can fail.
    expect(valid({ ...log, runs: [{ results: [] }] })).toBe(false);

    const [sarifRun] = log.runs;
    expect(sarifRun!.tool.driver.name).toBe('capgen');
    const results = sarifRun!.results;
    expect(results.map((x) => x.ruleId).sort()).toEqual(['call-unresolved', 'call-unresolved', 'schema']);
    for (const x of results) expect(sarifRun!.tool.driver.rules[x.ruleIndex]!.id).toBe(x.ruleId);
    const call = results.find((x) => x.ruleId === 'call-unresolved')!;
    expect(call.level).toBe('warning');
    expect(call.locations[0]!.physicalLocation.artifactLocation.uri).toMatch(
      /^\.tmp\/spec-\w+\/notes\.yaml$/,
    );
    expect(call.relatedLocations![0]!.physicalLocation.region.startLine).toBe(10);
  });

  it('github: one workflow annotation per diagnostic', async () => {
    const r = await cli(['validate', '--format', 'github', cascade()]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^::warning file=[^,]+notes\.yaml,line=10,col=7,title=capgen schema::this consumes entry has no `baseUri`; it is skipped$/,
    );
  });

  it('refuses an unknown format', async () => {
    const r = await cli(['--format', 'xml', SEED]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format must be one of text, json, sarif, github/);
  });
});

describe('terminal niceties', () => {
  const warned = () => spec(replace('type: bearer', 'type: bearerr'));

  it('colours on a terminal, not on a pipe, and never with NO_COLOR', async () => {
    const file = warned();
    expect((await cli(['validate', file], {}, true)).stderr).toContain(
      '\u001b[33mwarning[auth-type]\u001b[39m',
    );
    expect((await cli(['validate', file], {}, false)).stderr).not.toContain('\u001b[');
    expect((await cli(['validate', file], { NO_COLOR: '1' }, true)).stderr).not.toContain('\u001b[');
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await cli(['--version']);
    expect(r).toEqual({ code: 0, stdout: `capgen ${version}\n`, stderr: '' });
  });

  it("--check's hint repeats --out and --max-warnings", async () => {
    const out = scratch('stale');
    const file = spec();
    const r = await cli(['--check', '--out', out, '--max-warnings', '3', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `is not up to date with ${file}; run npm run gen -- --out ${out} --max-warnings 3 ${file}`,
    );
  });

  it('--dry-run generates in memory and writes nothing', async () => {
    const out = join(scratch('dry'), 'o');
    const r = await cli(['--dry-run', '--out', out, spec()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/would write .*\/notes\/ \(\d+ files\); --dry-run wrote nothing/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses validate with --check', async () => {
    expect((await cli(['validate', '--check', SEED])).code).toBe(2);
  });
});

describe('--watch (the real process)', () => {
  it('regenerates when the spec changes, one status line a run, and stops on SIGTERM', async () => {
    const out = scratch('watch');
    const file = spec();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'generator/capgen.mjs'), 'validate', '--watch', '--out', out, file],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const waiters: { count: number; resolve: () => void }[] = [];
    const statuses = () => stderr.split('\n').filter((l) => /^capgen: \[\d\d:\d\d:\d\d\] /.test(l));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const w of waiters) if (statuses().length >= w.count) w.resolve();
    });
    const status = (count: number) =>
      new Promise<void>((resolve) => {
        waiters.push({ count, resolve });
        if (statuses().length >= count) resolve();
      });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await status(1);
      expect(statuses()[0]).toMatch(
        / ok: .*notes\.yaml: valid \(0 warnings\); watching 1 file \(Ctrl-C stops\)$/,
      );
      // An editor-style save: write a new file and rename it over the spec.
      const text = readFileSync(file, 'utf8').replace('type: bearer', 'type: bearerr');
      writeFileSync(`${file}.tmp`, text);
      const { renameSync } = await import('node:fs');
      renameSync(`${file}.tmp`, file);
      await status(2);
      expect(statuses()[1]).toMatch(/ ok: .*valid \(1 warning\)/);
      expect(stderr).toMatch(/did you mean "bearer"/);
      writeFileSync(file, 'naftiko: [');
      await status(3);
      expect(statuses()[2]).toMatch(/ failed: 1 of 1 spec refused/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
