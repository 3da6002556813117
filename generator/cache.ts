// The generation cache: a run whose inputs, generator and output folder are all unchanged since
// the last run skips every stage and replays that run's diagnostics. It can never hide a change:
//  - the key holds the generator's fingerprint (its own source, the runtime and templates, the
//    lockfile and the installed prettier, which shapes the output), the command-line paths, the
//    working directory and the options that change what is generated;
//  - an entry lists every file the spec was generated from with its hash, and the output's
//    manifest; a hit needs every input to hash the same and every file the manifest lists to be
//    on disk with its recorded hash, so an edited, deleted or stale output is regenerated.
// Entries live in node_modules/.cache/capgen (CAPGEN_CACHE_DIR overrides); `--no-cache` skips it.
// A cache that cannot be read or written is ignored: it only ever saves time.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from './diagnostics.js';
import { MANIFEST, type Manifest, sha256 } from './write.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What the output depends on besides the spec: capgen's own files. */
const SOURCES = ['generator', 'runtime', 'templates'];
const PINS = ['package.json', 'package-lock.json', 'node_modules/prettier/package.json'];

export interface CacheKey {
  spec: string;
  out: string;
  strict: boolean;
  openapi: Map<string, string>;
}

export interface CacheEntry {
  name: string;
  /** Absolute input path → sha256 of its bytes. */
  inputs: Record<string, string>;
  /** The output folder's manifest, as written. */
  manifest: string;
  diagnostics: Diagnostic[];
  namespaces: string[];
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

let fingerprint: Promise<string> | undefined;

/** One hash of everything in capgen that can change an output, computed once per process. */
function generatorFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const hash = createHash('sha256');
    const files = [
      ...(await Promise.all(SOURCES.map((d) => filesUnder(join(ROOT, d))))).flat(),
      ...PINS.map((p) => join(ROOT, p)),
    ];
    for (const file of files) {
      hash.update(file.slice(ROOT.length)).update('\0');
      hash.update(await readFile(file).catch(() => Buffer.from('missing'))).update('\0');
    }
    return hash.digest('hex');
  })();
  return fingerprint;
}

export class GenerationCache {
  constructor(readonly dir: string) {}

  static fromEnv(env: Record<string, string | undefined>): GenerationCache {
    return new GenerationCache(env.CAPGEN_CACHE_DIR ?? join(ROOT, 'node_modules/.cache/capgen'));
  }

  private async entryFile(key: CacheKey): Promise<string> {
    const id = sha256(
      JSON.stringify({
        generator: await generatorFingerprint(),
        cwd: process.cwd(),
        spec: key.spec,
        out: key.out,
        strict: key.strict,
        openapi: [...key.openapi].sort(([a], [b]) => a.localeCompare(b)),
      }),
    );
    return join(this.dir, `${id}.json`);
  }

  /** The last run's entry when nothing it depends on has changed; otherwise undefined. */
  async lookup(key: CacheKey): Promise<CacheEntry | undefined> {
    try {
      const entry = JSON.parse(await readFile(await this.entryFile(key), 'utf8')) as CacheEntry;
      for (const [file, hash] of Object.entries(entry.inputs))
        if (sha256(await readFile(file)) !== hash) return undefined;
      const dir = resolve(key.out, entry.name);
      if ((await readFile(join(dir, MANIFEST), 'utf8')) !== entry.manifest) return undefined;
      const manifest = JSON.parse(entry.manifest) as Manifest;
      for (const [file, hash] of Object.entries(manifest.files))
        if (sha256(await readFile(join(dir, file), 'utf8')) !== hash) return undefined;
      return entry;
    } catch {
      return undefined;
    }
  }

  /** Records a run whose output folder now holds exactly what it generated. */
  async store(key: CacheKey, entry: Omit<CacheEntry, 'inputs'> & { inputs: string[] }): Promise<void> {
    try {
      const inputs: Record<string, string> = {};
      for (const file of entry.inputs) inputs[resolve(file)] = sha256(await readFile(file));
      const target = await this.entryFile(key);
      await mkdir(this.dir, { recursive: true });
      const staged = `${target}.${process.pid}.tmp`;
      await writeFile(staged, JSON.stringify({ ...entry, inputs }));
      await rename(staged, target);
    } catch {
      // A read-only or full disk only costs the next run its shortcut.
    }
  }
}
