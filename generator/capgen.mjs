#!/usr/bin/env node
// The `capgen` command (`npm run gen`): runs generator/cli.ts as JavaScript compiled ahead of
// use, so no TypeScript loader runs at all. Plain JavaScript itself, so plain node runs it.
//
// The compiled copy lives in node_modules/.cache/capgen-build/<hash>/, where <hash> covers every
// generator/**/*.ts file, this file and the esbuild version: any edit makes a new copy on the next
// run (about 0.2 s; esbuild transpiles each file on its own, types are not checked here but by
// `npm run typecheck`). Each compiled module keeps its source's import.meta.url, so the files it
// reads beside itself (templates, runtime/, JSON schemas, the format worker) are the repo's own.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = join(ROOT, 'generator');

const sources = readdirSync(SOURCE, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.split(sep).join('/'))
  .sort();
const esbuildVersion = JSON.parse(
  readFileSync(join(ROOT, 'node_modules/esbuild/package.json'), 'utf8'),
).version;
const hash = createHash('sha256')
  .update(`esbuild ${esbuildVersion}\0`)
  .update(readFileSync(fileURLToPath(import.meta.url)));
const texts = sources.map((f) => {
  const text = readFileSync(join(SOURCE, f), 'utf8');
  hash.update(`\0${f}\0`).update(text);
  return text;
});
const id = hash.digest('hex').slice(0, 16);

/** Writes the compiled tree into `cache/<id>/` (staged, then renamed into place). */
async function build(cache) {
  const { transform } = await import('esbuild');
  const staged = join(cache, `${id}.${process.pid}.tmp`);
  rmSync(staged, { recursive: true, force: true });
  await Promise.all(
    sources.map(async (file, i) => {
      const url = JSON.stringify(pathToFileURL(join(SOURCE, file)).href);
      const { code } = await transform(texts[i], { loader: 'ts', format: 'esm', target: 'node20' });
      const target = join(staged, 'generator', file.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, code.replaceAll('import.meta.url', url));
    }),
  );
  writeFileSync(join(staged, 'package.json'), '{ "type": "module" }\n');
  // Copies of other sources go once they are a day old (a run still importing one is long done).
  const dayAgo = Date.now() - 86_400_000;
  for (const old of readdirSync(cache))
    if (old !== id && statSync(join(cache, old)).mtimeMs < dayAgo)
      rmSync(join(cache, old), { recursive: true, force: true });
  try {
    renameSync(staged, join(cache, id));
  } catch (err) {
    // Another run got there first with the same sources: use its copy.
    rmSync(staged, { recursive: true, force: true });
    if (!existsSync(join(cache, id, 'package.json'))) throw err;
  }
}

/** The compiled cli.js, built when missing; undefined when node_modules/.cache cannot be written. */
async function compiledCli() {
  const cache = join(ROOT, 'node_modules/.cache/capgen-build');
  const cli = join(cache, id, 'generator', 'cli.js');
  if (existsSync(join(cache, id, 'package.json'))) return cli;
  try {
    mkdirSync(cache, { recursive: true });
    await build(cache);
    return cli;
  } catch (err) {
    process.stderr.write(
      `capgen: cannot compile into ${cache} (${err.message}); running the sources through tsx\n`,
    );
    return undefined;
  }
}

const cli = await compiledCli();
if (cli) {
  const { runAsProgram } = await import(pathToFileURL(cli).href);
  runAsProgram();
} else {
  // A read-only checkout: the sources through tsx, as `node --import tsx generator/cli.ts` would.
  const { register } = await import('tsx/esm/api');
  register();
  const { runAsProgram } = await import(pathToFileURL(join(SOURCE, 'cli.ts')).href);
  runAsProgram();
}
