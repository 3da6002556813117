// `--check`: compare freshly generated files with what is on disk and print a unified diff.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { structuredPatch } from 'diff';
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

/** Past this many changed lines the diff is shown as a whole-file replacement, so a rewrite stays fast. */
const MAX_EDIT_LENGTH = 1000;

/**
 * A unified diff with 3 lines of context, as `diff -u` and git print it, "\ No newline at end
 * of file" markers included. The diff itself is the `diff` package's (Myers); a file that changed
 * almost everywhere is shown as removed and re-added instead of searched for a shortest edit.
 */
export function unifiedDiff(name: string, before: string | undefined, after: string | undefined): string {
  const header = `--- ${before === undefined ? '/dev/null' : `a/${name}`}\n+++ ${after === undefined ? '/dev/null' : `b/${name}`}\n`;
  const a = before ?? '';
  const b = after ?? '';
  if (a === b) return header;
  const patch = structuredPatch('', '', a, b, undefined, undefined, {
    context: 3,
    maxEditLength: MAX_EDIT_LENGTH,
  });
  const hunks = patch?.hunks ?? [replaceAll(a, b)];
  return header + hunks.map(hunkText).join('');
}

interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

function hunkText(h: Hunk): string {
  // An empty side starts at the line before the change (0 for an empty file), as diff -u writes it.
  const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
  const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
  return `@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@\n${h.lines.map((l) => `${l}\n`).join('')}`;
}

/** One hunk that removes every line of `a` and adds every line of `b`. */
function replaceAll(a: string, b: string): Hunk {
  const side = (text: string, tag: '-' | '+') => {
    if (text === '') return [];
    const lines = text.split('\n');
    const last = lines.pop()!;
    const out = lines.map((l) => tag + l);
    if (last !== '') out.push(tag + last, NO_NEWLINE);
    return out;
  };
  const removed = side(a, '-');
  const added = side(b, '+');
  const count = (lines: string[]) => lines.filter((l) => l !== NO_NEWLINE).length;
  return {
    oldStart: 1,
    oldLines: count(removed),
    newStart: 1,
    newLines: count(added),
    lines: [...removed, ...added],
  };
}

const NO_NEWLINE = '\\ No newline at end of file';
