// Stage 7: write. Every file is staged next to its target and renamed into place, and files
// that an earlier run emitted but this one does not are removed. A manifest in the folder
// records what capgen owns, so anything else there (node_modules, the user's files) is kept.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const MANIFEST = '.capgen-manifest.json';

export interface Manifest {
  generator: 'capgen';
  files: Record<string, string>;
}

export function manifestFor(files: Map<string, string>): string {
  const entries = [...files.keys()].sort().map((f) => [f, sha256(files.get(f)!)] as const);
  const manifest: Manifest = { generator: 'capgen', files: Object.fromEntries(entries) };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
    return parsed.generator === 'capgen' && typeof parsed.files === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `files` (relative names) into `dir`. Returns the names of stale files removed. */
export async function writeOutput(dir: string, files: Map<string, string>): Promise<string[]> {
  const previous = await readManifest(dir);
  const all = new Map(files);
  all.set(MANIFEST, manifestFor(files));
  const staged: [string, string][] = [];
  const suffix = `.capgen-${process.pid}.tmp`;
  try {
    for (const [name, text] of all) {
      const target = join(dir, name);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target + suffix, text);
      staged.push([target + suffix, target]);
    }
  } catch (err) {
    await Promise.all(staged.map(([tmp]) => rm(tmp, { force: true })));
    throw err;
  }
  // The manifest goes last: if anything fails before it, the old manifest still lists what the
  // folder held, so the next run can clean up.
  staged.sort(([, a], [, b]) => Number(a.endsWith(MANIFEST)) - Number(b.endsWith(MANIFEST)));
  for (const [tmp, target] of staged) await rename(tmp, target);
  const stale = Object.keys(previous?.files ?? {}).filter((f) => !files.has(f));
  for (const f of stale) await rm(join(dir, f), { force: true });
  return stale;
}
