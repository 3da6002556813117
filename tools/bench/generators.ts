/**
 * The generator phase of `npm run bench`: capgen against the peer generators on the same input,
 * as ratios to openapi-mcp-generator measured in the same rounds (A B C … A B C …, whole
 * processes, CPU = user + system from /usr/bin/time or the kernel's accounting).
 *
 * The peers are pinned in tools/bench/peers/package.json and its own lockfile, and installed there
 * (`npm ci`) the first time the bench needs them, never by the repo's `npm ci`. Their input is the
 * 6-operation images subset of ../shared/scaleway/instance-v1.openapi.yaml (3 paths: list and
 * create, the PUT on {id}, get/patch/delete on {image_id}, with every component they reference),
 * written into a temp folder by this run. capgen generates the seed spec, which consumes those
 * operations, typed from the same subset (`--openapi instance-images=SUBSET`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCommand } from './procs.js';

export const PEERS_DIR = new URL('./peers/', import.meta.url).pathname;
const SCALEWAY = new URL('../../../shared/scaleway/instance-v1.openapi.yaml', import.meta.url).pathname;
const SUBSET_PATHS = [
  '/instance/v1/zones/{zone}/images',
  '/instance/v1/zones/{zone}/images/{id}',
  '/instance/v1/zones/{zone}/images/{image_id}',
];

/** Installs the pinned peers (and the chart library) into tools/bench/peers when missing or stale. */
export async function ensurePeers(progress: (text: string) => void): Promise<void> {
  if (installedAsPinned()) return;
  progress('  installing the pinned peer generators into tools/bench/peers (npm ci, once)');
  const run = await runCommand('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: PEERS_DIR,
    timeoutMs: 15 * 60_000,
  });
  if (run.code !== 0) throw new Error(`npm ci in tools/bench/peers failed: ${run.stderr.slice(-2000)}`);
}

/** Every dependency pinned in tools/bench/peers/package.json is installed there at that version. */
function installedAsPinned(): boolean {
  const pins = (
    JSON.parse(readFileSync(join(PEERS_DIR, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies;
  return Object.entries(pins).every(([name, version]) => {
    const file = join(PEERS_DIR, 'node_modules', name, 'package.json');
    return (
      existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version === version
    );
  });
}

/** Writes the images subset (3 paths, 6 operations, the components they reach) into `dir`. */
export function writeSubset(dir: string): { subset: string; full: string; operations: number } {
  const text = readFileSync(SCALEWAY, 'utf8');
  const doc = parse(text) as {
    paths: Record<string, Record<string, unknown>>;
    components?: { schemas?: Record<string, unknown> };
  };
  const paths = Object.fromEntries(SUBSET_PATHS.map((p) => [p, doc.paths[p]!]));
  const schemas = doc.components?.schemas ?? {};
  const kept = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const name = /^#\/components\/schemas\/(.+)$/.exec(value)?.[1];
        if (name !== undefined && !kept.has(name)) {
          kept.add(name);
          visit(schemas[name]);
        }
      } else visit(value);
    }
  };
  visit(paths);
  const subset = {
    ...doc,
    paths,
    components: {
      ...doc.components,
      schemas: Object.fromEntries([...kept].sort().map((n) => [n, schemas[n]])),
    },
  };
  const operations = Object.values(paths).flatMap((item) =>
    Object.keys(item).filter((m) => ['get', 'put', 'post', 'patch', 'delete'].includes(m)),
  ).length;
  const subsetFile = join(dir, 'images-subset.openapi.yaml');
  writeFileSync(subsetFile, stringify(subset));
  const fullFile = join(dir, 'instance-v1.openapi.yaml');
  writeFileSync(fullFile, text);
  return { subset: subsetFile, full: fullFile, operations };
}

export interface Contender {
  name: string;
  /** The command as shown in the report. */
  shown: string;
  /** node arguments for a run writing into `out` (a fresh folder per run). */
  args: (out: string) => string[];
  /** Run once before the rounds, untimed (the cache-hit row needs its first run). */
  prepare?: (out: string) => string[];
}

/** The contenders on the 6-operation subset; the first is the yardstick (openapi-mcp-generator). */
export function subsetContenders(subset: string, work: string, seedSpec: string): Contender[] {
  const peer = (p: string) => join(PEERS_DIR, 'node_modules', p);
  const orvalConfig = (out: string) => {
    const file = join(out, 'orval.config.mjs');
    writeFileSync(
      file,
      `export default { scaleway: { input: { target: ${JSON.stringify(subset)} }, output: { target: ${JSON.stringify(join(out, 'gen/instance.ts'))}, client: 'fetch', mode: 'single', clean: true } } };\n`,
    );
    return file;
  };
  const cached = join(work, 'capgen-cached');
  return [
    {
      name: 'openapi-mcp-generator 4.0.1',
      shown: 'openapi-mcp-generator --input SUBSET --output <tmp> --transport=streamable-http --force',
      args: (out) => [
        peer('openapi-mcp-generator/bin/openapi-mcp-generator.js'),
        '--input',
        subset,
        '--output',
        join(out, 'gen'),
        '--transport=streamable-http',
        '--port=3100',
        '--force',
      ],
    },
    {
      name: 'orval 8.38.0, fetch client',
      shown: 'orval --config <{ input: SUBSET, client: fetch, mode: single }>',
      args: (out) => [peer('orval/dist/bin/orval.mjs'), '--config', orvalConfig(out)],
    },
    {
      name: '@hey-api/openapi-ts 0.99.0',
      shown: 'openapi-ts -i SUBSET -o <tmp>',
      args: (out) => [peer('@hey-api/openapi-ts/bin/run.js'), '-i', subset, '-o', join(out, 'gen')],
    },
    {
      name: 'capgen, cold (--no-cache)',
      shown: `node generator/capgen.mjs --no-cache --openapi instance-images=SUBSET --out <tmp> ${seedSpec}`,
      args: (out) => [
        'generator/capgen.mjs',
        '--no-cache',
        '--openapi',
        `instance-images=${subset}`,
        '--out',
        out,
        seedSpec,
      ],
    },
    {
      name: 'capgen, nothing changed (cache hit)',
      shown: `node generator/capgen.mjs --openapi instance-images=SUBSET --out <same> ${seedSpec}`,
      args: () => [
        'generator/capgen.mjs',
        '--openapi',
        `instance-images=${subset}`,
        '--out',
        cached,
        seedSpec,
      ],
      prepare: () => [
        'generator/capgen.mjs',
        '--openapi',
        `instance-images=${subset}`,
        '--out',
        cached,
        seedSpec,
      ],
    },
  ];
}

/** The large input: capgen on the 716-operation OVH spec against openapi-mcp-generator on all of Scaleway Instance. */
export function largeContenders(full: string, bigSpec: string): Contender[] {
  return [
    {
      name: 'openapi-mcp-generator 4.0.1, Scaleway Instance (76 operations)',
      shown: 'openapi-mcp-generator --input instance-v1.openapi.yaml --output <tmp> …',
      args: (out) => [
        join(PEERS_DIR, 'node_modules/openapi-mcp-generator/bin/openapi-mcp-generator.js'),
        '--input',
        full,
        '--output',
        join(out, 'gen'),
        '--transport=streamable-http',
        '--port=3100',
        '--force',
      ],
    },
    {
      name: 'capgen, cold, ovh-cloud-cloud.yaml (716 operations)',
      shown: `node generator/capgen.mjs --no-cache --out <tmp> ${bigSpec}`,
      args: (out) => ['generator/capgen.mjs', '--no-cache', '--out', out, bigSpec],
    },
  ];
}
