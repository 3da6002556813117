// The command line: determinism, --check, refusals that leave out/ byte-identical, warnings,
// --strict, several specs, and dangerous spec strings. The executable itself (exit codes, what
// reaches the terminal) is run as a child process a few times; everything else calls the same
// main() in this process, so one warm type-checker serves the whole file.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli, scratchFolders } from './support/cli.js';
import { edit } from './support/text.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SEED = join(ROOT, 'specs/instance-images.yaml');
const CORPUS = join(ROOT, '../shared/corpus');
const scratch = scratchFolders();

type Run = CliRun;

/** The executable, as a user runs it (`npm run gen`, the package's bin): a child process. */
function spawnCli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'generator/capgen.mjs'), ...args],
      { cwd: ROOT, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** The same command line in this process. */
const gen = (...args: string[]): Promise<Run> => runCli(args);

/** Every file below `dir` with its SHA-256, to prove a folder did not change. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

// One generation by the executable, shared by the whole file: each test that needs an earlier
// generation in its out/ folder gets a copy of it.
let first: Run;
const FIRST = scratch('first');
beforeAll(async () => {
  first = await spawnCli('--out', FIRST, SEED);
});

/** An out/ folder holding a previous generation plus a file of the user's own. */
function populatedOut(): string {
  expect(first.code, first.stderr).toBe(0);
  const out = scratch('out');
  cpSync(FIRST, out, { recursive: true });
  writeFileSync(join(out, 'instance-images', 'my-notes.txt'), 'mine\n');
  return out;
}

describe('capgen CLI', () => {
  it('writes out/<spec name>/ and is byte-identical across runs and processes', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('wrote');
    const files = Object.keys(snapshot(join(FIRST, 'instance-images'))).sort();
    // The same set as the committed seed output (which --check keeps current), and nothing else.
    const committed = JSON.parse(
      readFileSync(join(ROOT, 'out/instance-images/.capgen-manifest.json'), 'utf8'),
    ) as { files: Record<string, string> };
    expect(files).toEqual(['.capgen-manifest.json', ...Object.keys(committed.files)].sort());
    expect(files).toEqual(
      expect.arrayContaining(['client.ts', 'rest.ts', 'mcp.ts', 'server.ts', 'runtime/http.ts']),
    );
    const expected = snapshot(join(FIRST, 'instance-images'));
    // Another run (this process, not the child's) into a fresh folder writes the same bytes…
    const fresh = scratch('fresh');
    const run = await gen('--out', fresh, SEED);
    expect(run.code, run.stderr).toBe(0);
    expect(snapshot(join(fresh, 'instance-images'))).toEqual(expected);
    // …and regenerating in place over an earlier run changes nothing either.
    const again = scratch('again');
    cpSync(FIRST, again, { recursive: true });
    expect((await gen('--out', again, SEED)).code).toBe(0);
    expect(snapshot(join(again, 'instance-images'))).toEqual(expected);
  });

  it('--check passes on the committed out/instance-images', async () => {
    const run = await gen('--check', 'specs/instance-images.yaml');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('up to date');
  });

  it('--check fails with a unified diff after a one-character edit to the spec, and writes nothing', async () => {
    const out = populatedOut();
    const before = snapshot(out);
    const spec = join(scratch('spec'), 'instance-images.yaml');
    writeFileSync(
      spec,
      edit(
        readFileSync(SEED, 'utf8'),
        /description: List Instance images/,
        () => 'description: List Instance imageS',
      ),
    );
    const run = await gen('--check', '--out', out, spec);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^--- a\/.*instance-images\/.+$/m);
    expect(run.stdout).toMatch(/^\+\+\+ b\/.*instance-images\/.+$/m);
    expect(run.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    expect(run.stdout).toMatch(/^-.*List Instance images/m);
    expect(run.stdout).toMatch(/^\+.*List Instance imageS/m);
    expect(run.stderr).toContain('is not up to date');
    expect(snapshot(out)).toEqual(before);
  });

  const refusals: [string, () => string, RegExp][] = [
    [
      'a missing file',
      () => join(scratch('missing'), 'no-such-spec.yaml'),
      /no-such-spec\.yaml:1:1: error\[file\]: spec file no such file/,
    ],
    [
      'a file that is not YAML',
      () => write('binary.yaml', '\u0000\u0001\u0002PNG'),
      /binary\.yaml:1:1: error\[(not-yaml|yaml-syntax)\]/,
    ],
    [
      'a YAML syntax error',
      () => write('syntax.yaml', 'naftiko: 1.0.0-alpha2\ninfo:\n  label: [unclosed\n'),
      /syntax\.yaml:\d+:\d+: error\[yaml-syntax\]: YAML syntax error/,
    ],
    [
      'a document that is a list',
      () => write('list.yaml', '- a\n- b\n'),
      /list\.yaml:1:1: error\[not-yaml\]: the document is a list/,
    ],
    [
      'a wrong naftiko version',
      () =>
        write(
          'version.yaml',
          edit(readFileSync(SEED, 'utf8'), /naftiko: 1\.0\.0-alpha2/, () => 'naftiko: 0.5'),
        ),
      /version\.yaml:1:10: error\[version\]: unsupported naftiko version 0\.5; capgen reads 1\.0\.0-alpha2/,
    ],
    [
      'an Ikanos document',
      () => write('ikanos.yaml', 'ikanos: 1.0.0-beta4\ncapability: {}\n'),
      /ikanos\.yaml:1:1: error\[version\]: this is an Ikanos/,
    ],
    [
      'a spec that leaves nothing to generate',
      () => write('empty.yaml', 'naftiko: 1.0.0-alpha2\ncapability:\n  consumes: []\n  exposes: []\n'),
      /empty\.yaml:\d+:\d+: error\[nothing-to-generate\]/,
    ],
    [
      'a consumes-only fragment',
      () =>
        write(
          'fragment.yaml',
          'naftiko: 1.0.0-alpha2\nconsumes:\n  - type: http\n    namespace: x\n    baseUri: https://x.example\n',
        ),
      /fragment\.yaml:1:1: error\[nothing-to-generate\]: nothing to generate: this is a consumes-only fragment/,
    ],
  ];
  const specDir = scratch('bad');
  const write = (name: string, text: string) => {
    const p = join(specDir, name);
    writeFileSync(p, text);
    return p;
  };

  for (const [what, make, message] of refusals) {
    it(`refuses ${what} with a located error, exit 1, no stack trace, and out/ unchanged`, async () => {
      const out = populatedOut();
      const before = snapshot(out);
      const run = await gen('--out', out, make());
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('nothing was written');
      expect(run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(snapshot(out)).toEqual(before);
    });
  }

  it('refuses every spec when one of several is bad, and writes none of them', async () => {
    const out = scratch('multi');
    const run = await gen(
      '--out',
      out,
      SEED,
      join(CORPUS, 'pixelixe/pixelixe-graphic.yaml'),
      write('late-bad.yaml', 'naftiko: 9\n'),
    );
    expect(run.code).toBe(1);
    expect(readdirSync(out)).toEqual([]);
  });

  it('generates several specs at once into --out', async () => {
    const out = scratch('several');
    const run = await gen('--out', out, SEED, join(CORPUS, 'pixelixe/pixelixe-graphic.yaml'));
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['instance-images', 'pixelixe-graphic']);
  });

  it('skips a defective tool with a located warning and generates the rest; --strict refuses it', async () => {
    const text = edit(
      readFileSync(SEED, 'utf8'),
      /call: instance-images\.getimage(\n\s+with:\n\s+zone: tools\.zone)/,
      (rest) => `call: instance-images.nosuchop${rest}`,
    );
    const spec = write('defect.yaml', text);
    const out = scratch('defect');
    const run = await gen('--out', out, spec);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /defect\.yaml:\d+:\d+: warning\[call-unresolved\]: call "instance-images\.nosuchop": namespace "instance-images" has no operation with that name; this tool is skipped/,
    );
    const mcp = readFileSync(join(out, 'defect', 'mcp.ts'), 'utf8');
    expect(mcp).not.toContain("name: 'get-instance-image'");
    expect(mcp).toContain("name: 'list-instance-images'");
    const strictOut = scratch('strict');
    const strict = await gen('--strict', '--out', strictOut, spec);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/defect\.yaml:\d+:\d+: error\[call-unresolved\]/);
    expect(readdirSync(strictOut)).toEqual([]);
  });

  it('prints usage and exits 2 on a bad command line', async () => {
    const none = await spawnCli();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: npm run gen');
    const bad = await gen('--bogus', SEED);
    expect(bad.code).toBe(2);
    const help = await gen('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--check');
  });

  it('the executable refuses bad input with exit 1, a located error and no stack trace', async () => {
    const out = populatedOut();
    const before = snapshot(out);
    const spec = write(
      'process-version.yaml',
      edit(readFileSync(SEED, 'utf8'), /naftiko: 1\.0\.0-alpha2/, () => 'naftiko: 0.5'),
    );
    const run = await spawnCli('--out', out, spec);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /process-version\.yaml:1:10: error\[version\]: unsupported naftiko version 0\.5/,
    );
    expect(run.stderr).toContain('nothing was written');
    expect(run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(run.stdout).toBe('');
    expect(snapshot(out)).toEqual(before);
  });

  it('keeps dangerous spec strings verbatim and inert in the generated code', async () => {
    const nasty = 'Evil ${process.exit(7)} */ `tick` "dq" \'sq\' </script> \\ \u2028 end';
    const yamlString = JSON.stringify(nasty); // a JSON string is a valid YAML double-quoted scalar
    let text = readFileSync(SEED, 'utf8');
    text = edit(
      text,
      /description:\s+'Instance API — Images\. 6 operations\./,
      () => `description: ${yamlString}\n  x-was: 'Instance API — Images. 6 operations.`,
    );
    text = edit(
      text,
      /description: List Instance images(\n\s+hints:)/,
      (rest) => `description: ${yamlString}${rest}`,
    );
    text = edit(
      text,
      /description: The zone you want to target(\n\s+required: true\n\s+- name: organization)/,
      (rest) => `description: ${yamlString}${rest}`,
    );
    text = edit(text, /label: Instance API — Images/, () => `label: ${yamlString}`);
    const spec = write('dangerous.yaml', text);
    const out = scratch('dangerous');
    const run = await gen('--out', out, spec);
    expect(run.code, run.stderr).toBe(0);
    // Generation type-checked the output; now load it and read the strings back.
    const mcp = (await import(join(out, 'dangerous', 'mcp.ts'))) as {
      instanceImagesMcpTools: (c: unknown) => {
        name: string;
        description: string;
        inputSchema: {
          '~standard': {
            jsonSchema: { input(o: unknown): { properties: Record<string, { description?: string }> } };
          };
        };
      }[];
    };
    const tools = mcp.instanceImagesMcpTools({ instanceImages: {} });
    const list = tools.find((t) => t.name === 'list-instance-images')!;
    expect(list.description).toBe(nasty);
    const openapi = JSON.parse(readFileSync(join(out, 'dangerous', 'openapi.json'), 'utf8')) as {
      info: { title: string };
    };
    expect(openapi.info.title).toBe(nasty);
    const client = readFileSync(join(out, 'dangerous', 'client.ts'), 'utf8');
    expect(client).toContain('*\\/'); // the comment could not be closed early
    const readme = readFileSync(join(out, 'dangerous', 'README.md'), 'utf8');
    expect(readme).not.toContain('</script>');
  });
});
