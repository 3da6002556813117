// Stages 5-7: format (pinned prettier config), verify (type-check, GeneratorBug), write (staged
// writes and the manifest) and check (`--check` unified diffs).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffOutput, unifiedDiff } from '../generator/check.js';
import { formatFile, PRETTIER_CONFIG } from '../generator/format.js';
import { GeneratorBug, verify } from '../generator/verify.js';
import { MANIFEST, manifestFor, readManifest, writeOutput } from '../generator/write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capgen-write-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every file under `root`, relative, sorted. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

/**
 * Applies one file's unified diff to `before`, checking every context and removed line and the
 * counts in each `@@` header; returns the text after. Proves a diff is a real, exact patch.
 */
function applyDiff(before: string | undefined, diff: string): string | undefined {
  const lines = diff.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  expect(lines[0]).toMatch(/^--- /);
  expect(lines[1]).toMatch(/^\+\+\+ /);
  if (lines[1] === '+++ /dev/null') return undefined;
  const source = before === undefined ? [] : before.split('\n').slice(0, -1);
  const out: string[] = [];
  let next = 0; // index of the next unread source line
  let k = 2;
  while (k < lines.length) {
    const m = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/.exec(lines[k]!);
    expect(m, lines[k]).not.toBeNull();
    const [aStart, aCount, bStart, bCount] = m!.slice(1).map(Number) as [number, number, number, number];
    const from = aCount === 0 ? aStart : aStart - 1;
    expect(from).toBeGreaterThanOrEqual(next);
    out.push(...source.slice(next, from));
    next = from;
    expect(bCount === 0 ? bStart : bStart - 1).toBe(out.length);
    let seenA = 0;
    let seenB = 0;
    for (k++; k < lines.length && !lines[k]!.startsWith('@@'); k++) {
      const [tag, text] = [lines[k]![0], lines[k]!.slice(1)];
      if (tag === ' ' || tag === '-') {
        expect(source[next]).toBe(text);
        next++;
        seenA++;
      }
      if (tag === ' ' || tag === '+') {
        out.push(text);
        seenB++;
      }
    }
    expect([seenA, seenB]).toEqual([aCount, bCount]);
  }
  out.push(...source.slice(next));
  return out.map((l) => `${l}\n`).join('');
}

describe('writeOutput', () => {
  it('writes the files and a manifest of what capgen owns', async () => {
    const out = files({
      'client.ts': 'export const a = 1;\n',
      'README.md': '# Hi\n',
      'nested/deep/x.json': '{}\n',
    });
    const stale = await writeOutput(dir, out);
    expect(stale).toEqual([]);
    expect(await tree(dir)).toEqual([MANIFEST, 'README.md', 'client.ts', 'nested/deep/x.json']);
    for (const [name, text] of out) expect(await readFile(join(dir, name), 'utf8')).toBe(text);
    const manifest = await readManifest(dir);
    expect(manifest?.generator).toBe('capgen');
    expect(Object.keys(manifest!.files)).toEqual(['README.md', 'client.ts', 'nested/deep/x.json']);
    expect(manifest!.files['client.ts']).toMatch(/^[0-9a-f]{64}$/);
    expect(await readFile(join(dir, MANIFEST), 'utf8')).toBe(manifestFor(out));
  });

  it('removes stale files from the previous manifest and keeps files capgen did not write', async () => {
    await writeOutput(
      dir,
      files({ 'client.ts': 'a\n', 'mcp.ts': 'b\n', 'openapi.json': '{}\n', 'sub/old.ts': 'c\n' }),
    );
    await mkdir(join(dir, 'node_modules/x'), { recursive: true });
    await writeFile(join(dir, 'node_modules/x/index.js'), 'module.exports = 1;\n');
    await writeFile(join(dir, 'notes.txt'), 'my notes\n');

    const stale = await writeOutput(dir, files({ 'client.ts': 'a2\n' }));
    expect(stale.sort()).toEqual(['mcp.ts', 'openapi.json', 'sub/old.ts']);
    expect(await tree(dir)).toEqual([MANIFEST, 'client.ts', 'node_modules/x/index.js', 'notes.txt']);
    expect(await readFile(join(dir, 'client.ts'), 'utf8')).toBe('a2\n');
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('my notes\n');
    expect(Object.keys((await readManifest(dir))!.files)).toEqual(['client.ts']);
  });

  it('never removes a file the previous run did not list, even if it looks generated', async () => {
    await writeFile(join(dir, 'rest.ts'), 'hand written\n');
    await writeOutput(dir, files({ 'client.ts': 'a\n' }));
    await writeOutput(dir, files({ 'client.ts': 'b\n' }));
    expect(await readFile(join(dir, 'rest.ts'), 'utf8')).toBe('hand written\n');
  });

  it('ignores a manifest that capgen did not write', async () => {
    await writeFile(join(dir, 'keep.ts'), 'keep\n');
    await writeFile(join(dir, MANIFEST), JSON.stringify({ generator: 'other', files: { 'keep.ts': 'x' } }));
    expect(await readManifest(dir)).toBeUndefined();
    expect(await writeOutput(dir, files({ 'client.ts': 'a\n' }))).toEqual([]);
    expect(existsSync(join(dir, 'keep.ts'))).toBe(true);
  });

  it('creates the output folder and leaves no temporary files', async () => {
    const target = join(dir, 'out', 'pets');
    await writeOutput(target, files({ 'a.ts': '1\n', 'b/c.ts': '2\n' }));
    await writeOutput(target, files({ 'a.ts': '3\n' }));
    const all = await tree(dir);
    expect(all).toEqual([`out/pets/${MANIFEST}`, 'out/pets/a.ts']);
    expect(all.filter((f) => /tmp|capgen-\d+/.test(f))).toEqual([]);
  });

  it('cleans up its staged files when a write fails', async () => {
    // A folder where a file must go makes the rename fail... but first, a file where a folder
    // must go makes the staging fail.
    await writeFile(join(dir, 'blocker'), 'I am a file\n');
    await expect(writeOutput(dir, files({ 'a.ts': '1\n', 'blocker/b.ts': '2\n' }))).rejects.toThrow();
    const left = await tree(dir);
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(left).not.toContain(MANIFEST);
  });
});

describe('diffOutput', () => {
  it("returns '' when the folder is up to date", async () => {
    const out = files({ 'client.ts': 'export const a = 1;\n', 'README.md': '# Hi\n' });
    await writeOutput(dir, out);
    await writeFile(join(dir, 'notes.txt'), 'not ours\n');
    expect(await diffOutput(dir, out, 'out/pets')).toBe('');
  });

  it('returns a unified diff of a changed file', async () => {
    await writeOutput(dir, files({ 'client.ts': 'line 1\nline 2\nline 3\n' }));
    const diff = await diffOutput(dir, files({ 'client.ts': 'line 1\nline two\nline 3\n' }), 'out/pets');
    expect(diff).toContain('--- a/out/pets/client.ts\n+++ b/out/pets/client.ts\n');
    expect(diff).toMatch(/^@@ -1,3 \+1,3 @@$/m);
    expect(diff).toMatch(/^-line 2$/m);
    expect(diff).toMatch(/^\+line two$/m);
    const client = diff.slice(diff.indexOf('--- a/out/pets/client.ts'));
    expect(applyDiff('line 1\nline 2\nline 3\n', client)).toBe('line 1\nline two\nline 3\n');
    // The manifest changes with the content, and is diffed too.
    expect(diff).toContain(`--- a/out/pets/${MANIFEST}`);
  });

  it('shows files to add and stale files to remove', async () => {
    await writeOutput(dir, files({ 'old.ts': 'old\n' }));
    const diff = await diffOutput(dir, files({ 'new.ts': 'new\n' }), 'x');
    expect(diff).toContain('--- /dev/null\n+++ b/x/new.ts\n@@ -0,0 +1,1 @@\n+new\n');
    expect(diff).toContain('--- a/x/old.ts\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-old\n');
  });

  it('diffs against an empty folder', async () => {
    const diff = await diffOutput(join(dir, 'missing'), files({ 'a.ts': 'a\n' }), 'out');
    expect(diff).toContain('+++ b/out/a.ts');
    expect(diff).toContain(`+++ b/out/${MANIFEST}`);
  });
});

describe('unifiedDiff', () => {
  it('is headers only for identical texts', () => {
    const text = 'a\nb\nc\n';
    expect(unifiedDiff('f', text, text)).toBe('--- a/f\n+++ b/f\n');
    expect(unifiedDiff('f', text, text)).not.toContain('@@');
  });

  it('shows an added file', () => {
    const diff = unifiedDiff('f.ts', undefined, 'one\ntwo\n');
    expect(diff).toBe('--- /dev/null\n+++ b/f.ts\n@@ -0,0 +1,2 @@\n+one\n+two\n');
    expect(applyDiff(undefined, diff)).toBe('one\ntwo\n');
  });

  it('shows a deleted file', () => {
    expect(unifiedDiff('f.ts', 'one\ntwo\n', undefined)).toBe(
      '--- a/f.ts\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-one\n-two\n',
    );
    expect(applyDiff('one\ntwo\n', unifiedDiff('f.ts', 'one\ntwo\n', undefined))).toBeUndefined();
  });

  it('shows a one-line change with three lines of context', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].join('\n') + '\n';
    const after = before.replace('5\n', 'five\n');
    const diff = unifiedDiff('f', before, after);
    expect(diff.startsWith('--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n')).toBe(true);
    expect(diff.endsWith('\n 6\n 7\n 8\n')).toBe(true);
    expect(
      diff
        .split('\n')
        .filter((l) => /^[-+][^-+]/.test(l))
        .sort(),
    ).toEqual(['+five', '-5']);
    expect(applyDiff(before, diff)).toBe(after);
  });

  it('splits distant changes into separate hunks', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `l${i + 1}`);
    const after = [...lines];
    after[2] = 'changed3';
    after[25] = 'changed26';
    const diff = unifiedDiff('f', `${lines.join('\n')}\n`, `${after.join('\n')}\n`);
    expect(diff.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,6 +1,6 @@', '@@ -23,7 +23,7 @@']);
    expect(applyDiff(`${lines.join('\n')}\n`, diff)).toBe(`${after.join('\n')}\n`);
  });

  it('handles insertions inside a file', () => {
    const diff = unifiedDiff('f', 'a\nb\nc\n', 'a\nb\nnew\nc\n');
    expect(diff).toBe('--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n a\n b\n+new\n c\n');
    expect(applyDiff('a\nb\nc\n', diff)).toBe('a\nb\nnew\nc\n');
  });

  it('shows a change to the final newline', () => {
    // Texts that differ only in the last newline must not produce a diff with no hunk.
    const diff = unifiedDiff('f', 'a\nb\n', 'a\nb');
    expect(diff).toMatch(/^@@ /m);
    expect(diff).toContain('\\ No newline at end of file');
  });

  // The cost is bounded by design rather than timed here (a timing fails on a loaded machine):
  // Myers' diff is O((N+M)·D), and unifiedDiff stops searching past MAX_EDIT_LENGTH changed lines.
  it('finds a one-line change in a 5,000-line file as one hunk', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `const line${i} = ${i};`);
    const after = [...lines];
    after[2500] = 'const line2500 = "changed";';
    const diff = unifiedDiff('big.ts', `${lines.join('\n')}\n`, `${after.join('\n')}\n`);
    expect(diff.match(/^@@ .* @@$/gm)).toEqual(['@@ -2498,7 +2498,7 @@']);
    expect(diff).toMatch(/^-const line2500 = 2500;$/m);
    expect(diff).toMatch(/^\+const line2500 = "changed";$/m);
    expect(diff.split('\n').filter((l) => l.startsWith(' '))).toHaveLength(6);
    expect(applyDiff(`${lines.join('\n')}\n`, diff)).toBe(`${after.join('\n')}\n`);
  });

  it('gives two small hunks for two one-line edits 2,390 lines apart', () => {
    // The hand-rolled diff this replaced printed 4,792 lines for this case.
    const lines = Array.from({ length: 4800 }, (_, i) => `const line${i + 1} = ${i + 1};`);
    const after = [...lines];
    after[1200] = 'const line1201 = "one";';
    after[3590] = 'const line3591 = "two";';
    const before = `${lines.join('\n')}\n`;
    const diff = unifiedDiff('big.ts', before, `${after.join('\n')}\n`);
    expect(diff.match(/^@@ .* @@$/gm)).toEqual(['@@ -1198,7 +1198,7 @@', '@@ -3588,7 +3588,7 @@']);
    expect(diff.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l))).toEqual([
      '-const line1201 = 1201;',
      '+const line1201 = "one";',
      '-const line3591 = 3591;',
      '+const line3591 = "two";',
    ]);
    expect(diff.split('\n').length).toBeLessThan(25);
    expect(applyDiff(before, diff)).toBe(`${after.join('\n')}\n`);
  });

  it('marks a side with no final newline', () => {
    expect(unifiedDiff('f', 'a\nb\n', 'a\nc')).toBe(
      '--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n',
    );
    expect(unifiedDiff('f', 'a\nb', 'a\nb\n')).toBe(
      '--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n',
    );
  });

  it('shows a large file that changed everywhere as removed and re-added', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join('\n');
    // (no final newline here: the last line still counts)
    const diff = unifiedDiff('f', a, b);
    expect(diff.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,5000 +1,5000 @@']);
    expect(diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toHaveLength(5000);
    expect(diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'))).toHaveLength(5000);
  });
});

describe('formatFile', () => {
  it('formats TypeScript with the pinned config', async () => {
    const ugly = 'const x = {a:1,"b-c":"two"}\nexport function f( a:number ){return a+1}\n';
    const out = await formatFile('client.ts', ugly);
    expect(out).toBe(
      "const x = { a: 1, 'b-c': 'two' };\nexport function f(a: number) {\n  return a + 1;\n}\n",
    );
    expect(PRETTIER_CONFIG).toMatchObject({
      printWidth: 110,
      singleQuote: true,
      trailingComma: 'all',
      semi: true,
    });
  });

  it('wraps at 110 columns with trailing commas', async () => {
    const args = Array.from({ length: 12 }, (_, i) => `argumentNumber${i}`).join(', ');
    const out = await formatFile('a.ts', `call(${args});\n`);
    expect(out.split('\n').every((l) => l.length <= 110)).toBe(true);
    expect(out).toContain('  argumentNumber11,\n);');
    const short = await formatFile('a.ts', `call(${args.slice(0, 60)});\n`);
    expect(short.split('\n')).toHaveLength(2);
  });

  it('is idempotent', async () => {
    const once = await formatFile('a.ts', 'let y = [1,2,3].map(x=>x*2)\n');
    expect(await formatFile('a.ts', once)).toBe(once);
  });

  it('leaves JSON and Markdown untouched', async () => {
    const json = '{"a":1,   "b":[1,2]}';
    const markdown = '#  Title\n\n* one\n*   two\n';
    expect(await formatFile('package.json', json)).toBe(json);
    expect(await formatFile('openapi.json', json)).toBe(json);
    expect(await formatFile('README.md', markdown)).toBe(markdown);
  });

  it('rejects TypeScript that does not parse', async () => {
    await expect(formatFile('bad.ts', 'const = ;\n')).rejects.toThrow();
  });
});

describe('verify', () => {
  it('accepts well-typed files', () => {
    expect(() =>
      verify(
        'verify-ok',
        files({
          'a.ts': 'export const n: number = 1;\n',
          'b.ts': "import { n } from './a.js';\nexport const m: number = n + 1;\n",
          'README.md': 'not code',
        }),
      ),
    ).not.toThrow();
  });

  it('throws GeneratorBug naming the file and line of a type error', () => {
    const broken = ['export const a = 1;', '', 'export const b: number = "not a number";', ''].join('\n');
    let err: unknown;
    try {
      verify('verify-broken', files({ 'good.ts': 'export const ok = true;\n', 'client.ts': broken }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GeneratorBug);
    const message = (err as GeneratorBug).message;
    expect(message).toContain('verify-broken');
    expect(message).toMatch(/client\.ts:3: Type 'string' is not assignable to type 'number'/);
    expect(message).not.toContain('good.ts');
  });

  it('reports syntax errors and errors across files', () => {
    let err: unknown;
    try {
      verify(
        'verify-syntax',
        files({
          'a.ts': 'export function f(: number {\n',
          'b.ts': "import { missing } from './c.js';\nexport { missing };\n",
        }),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GeneratorBug);
    expect((err as Error).message).toMatch(/a\.ts:1: /);
    expect((err as Error).message).toMatch(/b\.ts:1: /);
  });

  it('does not keep files from an earlier check', () => {
    expect(() => verify('verify-reuse', files({ 'x.ts': 'export const x: string = 1;\n' }))).toThrow(
      GeneratorBug,
    );
    expect(() => verify('verify-reuse', files({ 'y.ts': 'export const y = 1;\n' }))).not.toThrow();
  });
});
