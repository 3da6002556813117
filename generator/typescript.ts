// Loads the pinned `typescript` package for the verify stage with a V8 code cache, the way
// Node 22's module.enableCompileCache() would (Node 20 has none). typescript.js is 9 MB of
// JavaScript: compiling it, and then each checker function on first use, is about a third of a
// cold type-check. The cache holds V8's bytecode for capgen's own copy of the compiler, nothing
// derived from a spec: it is keyed by the package's version, the file's size and time, and
// Node's version and architecture, and V8 refuses data made by another V8 or for another source
// length. It lives in node_modules/.cache/capgen-v8/; a cache that cannot be read or written
// only costs time.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type * as TS from 'typescript';

const CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/capgen-v8/', import.meta.url));

let loaded: { ts: typeof TS; script: Script; cacheFile: string; hadCache: boolean } | undefined;

/** The typescript package (the same module object on every call). */
export function typescript(): typeof TS {
  if (loaded) return loaded.ts;
  const require = createRequire(import.meta.url);
  const file = require.resolve('typescript');
  const { version } = require('typescript/package.json') as { version: string };
  const stat = statSync(file);
  const key = createHash('sha256')
    .update(`${version}\0${stat.size}\0${stat.mtimeMs}\0${process.version}\0${process.arch}`)
    .digest('hex')
    .slice(0, 16);
  const cacheFile = join(CACHE_DIR, `typescript-${key}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} as typeof TS };
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    module.exports,
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
  );
  loaded = {
    ts: module.exports,
    script,
    cacheFile,
    hadCache: cachedData !== undefined && !script.cachedDataRejected,
  };
  return loaded.ts;
}

/**
 * Writes the code cache when there was none (or V8 refused it). Called after a type-check, so
 * the cache also holds the checker functions compiled on the way.
 */
export function saveCodeCache(): void {
  if (!loaded || loaded.hadCache) return;
  loaded.hadCache = true;
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const staged = `${loaded.cacheFile}.${process.pid}.tmp`;
    writeFileSync(staged, loaded.script.createCachedData());
    renameSync(staged, loaded.cacheFile);
  } catch {
    // Read-only node_modules: every run compiles the compiler, as without the cache.
  }
}
