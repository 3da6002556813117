// `--check`: compare freshly generated files with what is on disk and print a unified diff.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST, manifestFor, readManifest } from './write.js';

export async function diffOutput(dir: string, files: Map<string, string>, label: string): Promise<string> {
  const expected = new Map(files);
  expected.set(MANIFEST, manifestFor(files));
  const previous = await readManifest(dir);
  const names = new Set([...expected.keys(), ...Object.keys(previous?.files ?? {})]);
  const chunks: string[] = [];
  for (const name of [...names].sort()) {
    const want = expected.get(name);
    let have: string | undefined;
    try {
      have = await readFile(join(dir, name), 'utf8');
    } catch {
      have = undefined;
    }
    if (have === want) continue;
    chunks.push(unifiedDiff(`${label}/${name}`, have, want));
  }
  return chunks.join('');
}

/**
 * A unified diff with 3 lines of context. The common prefix and suffix are trimmed first, so a
 * small edit in a large file costs little; the middle is diffed line by line with an LCS table
 * when it is small enough, and shown as a replacement otherwise.
 */
export function unifiedDiff(name: string, before: string | undefined, after: string | undefined): string {
  const a = before === undefined ? [] : splitLines(before);
  const b = after === undefined ? [] : splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops = middleOps(a.slice(start, endA), b.slice(start, endB));
  const lines: { tag: ' ' | '-' | '+'; text: string; ai: number; bi: number }[] = [];
  for (let i = 0; i < start; i++) lines.push({ tag: ' ', text: a[i]!, ai: i, bi: i });
  let ai = start;
  let bi = start;
  for (const op of ops) {
    if (op === '-') lines.push({ tag: '-', text: a[ai]!, ai: ai++, bi });
    else if (op === '+') lines.push({ tag: '+', text: b[bi]!, ai, bi: bi++ });
    else lines.push({ tag: ' ', text: a[ai]!, ai: ai++, bi: bi++ });
  }
  for (let i = endA; i < a.length; i++) lines.push({ tag: ' ', text: a[i]!, ai: i, bi: bi++ });
  const header = `--- ${before === undefined ? '/dev/null' : `a/${name}`}\n+++ ${after === undefined ? '/dev/null' : `b/${name}`}\n`;
  if (
    before !== after &&
    lines.every((l) => l.tag === ' ') &&
    before !== undefined &&
    after !== undefined &&
    a.length > 0
  ) {
    // The texts differ only in their final newline.
    const last = a.length - 1;
    const mark = (text: string | undefined) =>
      text !== undefined && !text.endsWith('\n') ? '\n\\ No newline at end of file' : '';
    return `${header}@@ -${last + 1},1 +${last + 1},1 @@\n-${a[last]}${mark(before)}\n+${b[last]}${mark(after)}\n`;
  }
  return header + hunks(lines);
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function middleOps(a: string[], b: string[]): ('-' | '+' | '=')[] {
  if (a.length * b.length > 4_000_000) return [...a.map(() => '-' as const), ...b.map(() => '+' as const)];
  const table: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i]![j] =
        a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const ops: ('-' | '+' | '=')[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push('=');
      i++;
      j++;
    } else if (i < a.length && (j === b.length || table[i + 1]![j]! >= table[i]![j + 1]!)) {
      // Removed lines first, as diff -u and git print them.
      ops.push('-');
      i++;
    } else {
      ops.push('+');
      j++;
    }
  }
  return ops;
}

function hunks(lines: { tag: ' ' | '-' | '+'; text: string; ai: number; bi: number }[]): string {
  const CONTEXT = 3;
  const changed = lines.map((l, i) => (l.tag === ' ' ? -1 : i)).filter((i) => i >= 0);
  let out = '';
  let k = 0;
  while (k < changed.length) {
    const first = Math.max(0, changed[k]! - CONTEXT);
    let last = changed[k]!;
    while (k + 1 < changed.length && changed[k + 1]! - last <= 2 * CONTEXT) last = changed[++k]!;
    last = Math.min(lines.length - 1, last + CONTEXT);
    k++;
    const slice = lines.slice(first, last + 1);
    const aCount = slice.filter((l) => l.tag !== '+').length;
    const bCount = slice.filter((l) => l.tag !== '-').length;
    const aStart = aCount === 0 ? slice[0]!.ai : slice[0]!.ai + 1;
    const bStart = bCount === 0 ? slice[0]!.bi : slice[0]!.bi + 1;
    out += `@@ -${aStart},${aCount} +${bStart},${bCount} @@\n`;
    out += slice.map((l) => `${l.tag}${l.text}\n`).join('');
  }
  return out;
}
