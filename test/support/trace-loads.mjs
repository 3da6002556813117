// Loads one module and writes every module URL that loading it took, one per line, to a file:
// `node --import tsx test/support/trace-loads.mjs MODULE OUT`. ES modules are seen by a loader
// hook as they load; CommonJS modules (which Node 20 loads outside the hooks once inside a
// package) are read from the require cache. Plain JavaScript, so it runs under plain node.
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const [target, out] = process.argv.slice(2);
writeFileSync(out, '');
register(new URL('./trace-loads-hooks.mjs', import.meta.url), { data: { out } });
await import(pathToFileURL(target).href);
const cjs = Object.keys(createRequire(import.meta.url).cache).map((f) => pathToFileURL(f).href);
writeFileSync(out, cjs.map((u) => `${u}\n`).join(''), { flag: 'a' });
