// The generation cache (generator/cache.ts), through the command line in this process: a second
// run with nothing changed replays the first run's diagnostics and leaves the folder alone, and
// every kind of change (the spec, an OpenAPI input, an output file, a deleted output, --strict,
// --no-cache) makes a real run that restores the output.
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchFolders } from './support/cli.js';
import { edit } from './support/text.js';

const ROOT = new URL('..', import.meta.url).pathname;
const scratch = scratchFolders();

const work = scratch('cache');
const CACHE = join(work, 'cache');
const SPEC = join(work, 'images.yaml');
const OUT = join(work, 'out');
const HIT = 'is up to date (nothing changed since the last run';
// The seed with a misspelt key, so there is a warning to replay.
writeFileSync(
  SPEC,
  edit(
    readFileSync(join(ROOT, 'specs/instance-images.yaml'), 'utf8'),
    /^( {6}- method: GET\n {8}name: listimages\n)/m,
    (op) => `${op}        inputParameter: []\n`,
  ),
);
const gen = (...args: string[]) => runCli(args, { env: { ...process.env, CAPGEN_CACHE_DIR: CACHE } });

const file = (name: string) => readFileSync(join(OUT, 'images', name), 'utf8');
/** The diagnostics, without the last (summary) line. */
const warningsOf = (stderr: string) => stderr.split('\ncapgen: ')[0];

describe('an unchanged run', () => {
  let first: Awaited<ReturnType<typeof gen>>;
  let client: string;

  it('replays the warnings, writes nothing, and says so', async () => {
    first = await gen('--out', OUT, SPEC);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/warning\[unknown-key\]/);
    expect(first.stderr).toContain('capgen: wrote');
    client = file('client.ts');
    const again = await gen('--out', OUT, SPEC);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`${OUT}/images/ ${HIT}, 1 warning); --no-cache regenerates`);
    expect(warningsOf(again.stderr)).toBe(warningsOf(first.stderr));
    expect(again.stderr).not.toContain('capgen: wrote');
  });

  it('--check is answered from the cache too, and machine formats get the same findings', async () => {
    const check = await gen('--out', OUT, '--check', SPEC);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain('is up to date (nothing changed since the last run)');
    const json = await gen('--out', OUT, '--format', 'json', SPEC);
    expect(json.stderr).toContain(HIT);
    const findings = (JSON.parse(json.stdout) as { diagnostics: { code: string; line: number }[] })
      .diagnostics;
    expect(findings.map((f) => [f.code, f.line])).toEqual([['unknown-key', 191]]);
  });

  it('--max-warnings still refuses a cached run that has too many', async () => {
    const over = await gen('--out', OUT, '--max-warnings', '0', SPEC);
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('1 warning, more than --max-warnings 0; nothing was written');
  });

  it('an edited output file is regenerated', async () => {
    writeFileSync(join(OUT, 'images/client.ts'), `${client}// edited by hand\n`);
    const run = await gen('--out', OUT, SPEC);
    expect(run.stderr).toContain('capgen: wrote');
    expect(file('client.ts')).toBe(client);
  });

  it('a deleted output file is regenerated', async () => {
    unlinkSync(join(OUT, 'images/runtime/http.ts'));
    const run = await gen('--out', OUT, SPEC);
    expect(run.stderr).toContain('capgen: wrote');
    expect(file('runtime/http.ts')).toBe(
      readFileSync(join(ROOT, 'out/instance-images/runtime/http.ts'), 'utf8'),
    );
  });

  it('--no-cache, and a different --strict, run every stage', async () => {
    const forced = await gen('--out', OUT, '--no-cache', SPEC);
    expect(forced.stderr).toContain('capgen: wrote');
    const strict = await gen('--out', OUT, '--strict', SPEC);
    expect(strict.code).toBe(1); // --strict refuses the unknown key: not a replay of the lenient run
    expect(strict.stderr).toMatch(/error\[unknown-key\]/);
  });
});

describe('a changed input', () => {
  it('a changed spec is regenerated, and the change reaches the output', async () => {
    writeFileSync(
      SPEC,
      edit(readFileSync(SPEC, 'utf8'), /^( {2}label: .*)$/m, (label) => `${label} (cached?)`),
    );
    const run = await gen('--out', OUT, SPEC);
    expect(run.stderr).toContain('capgen: wrote');
    expect(file('README.md')).toContain('(cached?)');
  });

  it('a changed OpenAPI document is regenerated', async () => {
    const doc = join(work, 'images.openapi.yaml');
    const excerpt = (arches: string) => `openapi: 3.1.0
info: {title: Images excerpt, version: '1'}
paths:
  /instance/v1/zones/{zone}/images:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                arch: {type: string, enum: [${arches}]}
      responses:
        '201': {description: created}
`;
    writeFileSync(doc, excerpt('x86_64, arm64'));
    const args = ['--out', OUT, '--openapi', `instance-images=${doc}`, SPEC];
    expect((await gen(...args)).stderr).toContain('capgen: wrote');
    expect((await gen(...args)).stderr).toContain(HIT);
    writeFileSync(doc, excerpt('x86_64, arm64, riscv64'));
    expect((await gen(...args)).stderr).toContain('capgen: wrote');
    expect(file('client.ts')).toContain("'riscv64'");
  });

  it('an unusable cache folder only costs the shortcut', async () => {
    const blocked = join(work, 'not-a-folder');
    writeFileSync(blocked, 'a file where the cache folder would go');
    const { code, stderr } = await runCli(['--out', OUT, SPEC], {
      env: { ...process.env, CAPGEN_CACHE_DIR: blocked },
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('capgen: wrote');
  });
});

// The executable runs a compiled copy of generator/ (generator/capgen.mjs). A copy of capgen with
// node_modules linked in shows that an edit to a generator source reaches the very next run, both
// through the compiled copy and through the generation cache, whose key covers generator/ too.
describe('the compiled generator', () => {
  const copy = scratch('capgen-copy');
  for (const part of ['generator', 'runtime', 'templates', 'package.json', 'package-lock.json'])
    cpSync(join(ROOT, part), join(copy, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const out = join(copy, 'out');
  const spawnCopy = () =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(copy, 'generator/capgen.mjs'), '--out', out, join(ROOT, 'specs/instance-images.yaml')],
        { cwd: copy, env: { ...process.env, CAPGEN_CACHE_DIR: join(copy, 'cache') } },
        (err, _stdout, stderr) => resolve({ code: err ? 1 : 0, stderr }),
      );
    });

  it('picks up an edited generator source on the next run', async () => {
    const first = await spawnCopy();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('capgen: wrote');
    expect((await spawnCopy()).stderr).toContain(HIT);
    // The runtime copies' banner line, edited in the copy's TypeScript source.
    const copied = () => readFileSync(join(out, 'instance-images/runtime/http.ts'), 'utf8');
    expect(copied()).toMatch(/^\/\/ Copied from capgen /);
    const source = join(copy, 'generator/emit/runtime.ts');
    writeFileSync(
      source,
      edit(
        readFileSync(source, 'utf8'),
        /`\/\/ Copied from capgen /,
        () => '`// Copied by an edited capgen ',
      ),
    );
    const edited = await spawnCopy();
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stderr).toContain('capgen: wrote');
    expect(copied()).toMatch(/^\/\/ Copied by an edited capgen /);
  });
});
