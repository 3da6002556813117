// The verify stage skips files that no spec shapes (the runtime/ copies) on each run; this suite
// is where they are type-checked as emitted, with ts-morph and with the real compiler on the
// committed output. It also holds the surface check (generator/verify.ts) to its promises: it
// passes correct output without falling back to the full check, and finds what the full check
// finds in broken output.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runtimeFiles, runtimeModules } from '../generator/emit/runtime.js';
import { generateFile } from '../generator/pipeline.js';
import {
  GeneratorBug,
  isStaticFile,
  runtimeDeclarations,
  surfaceProblems,
  verify,
  type VerifyMode,
} from '../generator/verify.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CORPUS = new URL('../../shared/corpus/', import.meta.url).pathname;

/** Specs of different shapes: the seed, the exposes and compose fixtures, a mock-only tutorial step. */
const SHAPES = [
  `${ROOT}specs/instance-images.yaml`,
  `${ROOT}test/fixtures/exposes/control.yaml`,
  `${ROOT}test/fixtures/exposes/skills.yaml`,
  `${ROOT}test/fixtures/exposes/mcp-catalog.yaml`,
  `${ROOT}test/fixtures/compose/fleet-compose.yaml`,
  `${CORPUS}naftiko-framework/main/tutorial/step-1-shipyard-mock.yml`,
  `${CORPUS}google-maps/location-intelligence.yaml`,
];

/** The seed's output, unchecked, generated once for the whole file. */
let seed: Promise<{ name: string; files: Map<string, string> }> | undefined;
const seedOutput = () => (seed ??= generateFile(`${ROOT}specs/instance-images.yaml`, { skipVerify: true }));

describe('type-checking the emitted code', () => {
  it('the static runtime type-checks together with the seed output', async () => {
    const { files } = await seedOutput();
    // The runtime copies are exactly the committed output's (its manifest lists what was written).
    const committed = JSON.parse(
      readFileSync(`${ROOT}out/instance-images/.capgen-manifest.json`, 'utf8'),
    ) as { files: Record<string, string> };
    const copies = Object.keys(committed.files).filter((f) => f.startsWith('runtime/'));
    expect(copies).toContain('runtime/http.ts');
    expect([...files.keys()].filter(isStaticFile).sort()).toEqual(copies.sort());
    expect(() => verify('instance-images-all', files, { all: true })).not.toThrow();
  });

  it('every runtime module type-checks as emitted, under the emitted compiler options', () => {
    const all = runtimeFiles([...runtimeModules().keys()]);
    expect(all.map(([f]) => f)).toContain('runtime/convert.ts');
    expect(() => verify('runtime-all', new Map(all), { all: true })).not.toThrow();
  });

  it('tsc accepts the committed out/instance-images with its own tsconfig', async () => {
    const run = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}out/instance-images/tsconfig.json`],
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }),
      ),
    );
    expect(run.out).toBe('');
    expect(run.code).toBe(0);
  });
});

describe('the surface check', () => {
  it('every runtime module declares the types of its exports (its declarations need no checker)', () => {
    const missing = runtimeFiles([...runtimeModules().keys()])
      .filter(([file, text]) => runtimeDeclarations(file, text) === undefined)
      .map(([file]) => file);
    // A module listed here makes every run that copies it fall back to the full check: give its
    // exports explicit types (what --isolatedDeclarations asks for).
    expect(missing).toEqual([]);
  });

  it.each(SHAPES)('passes %s on its own, with no fallback to the full check', async (spec) => {
    const { name, files } = await generateFile(spec, { skipVerify: true });
    // A problem listed here is a name generator/surface/ lacks (or declares differently): the run
    // still succeeds through the full check, but pays its cost.
    expect(surfaceProblems(name, files)).toEqual([]);
    const modes: VerifyMode[] = [];
    verify(name, files, { onChecked: (m) => modes.push(m) });
    expect(modes).toEqual(['surface']);
  });

  // Generator bugs of the kinds the emitters could make, injected into the seed's output: each is
  // found by the surface check, and the error a run reports is the full check's.
  const BUGS: [file: string, from: string, to: string, message: RegExp][] = [
    [
      'mcp.ts',
      'instanceImages.listimages(args, { signal })',
      'instanceImages.listimages({ zone: 1 }, { signal })',
      /mcp\.ts:\d+: Type 'number' is not assignable to type 'string'/,
    ],
    ['mcp.ts', 'readOnlyHint: true,', "readOnlyHint: 'yes',", /mcp\.ts:\d+: Type 'string' is not assignable/],
    [
      'server.ts',
      "urlOf(instanceImagesRestApp.server, host ?? '127.0.0.1')",
      "urlOf(instanceImagesRestApp, host ?? '127.0.0.1')",
      /server\.ts:\d+: Argument of type 'FastifyInstance.*' is not assignable to parameter of type 'Server/,
    ],
    [
      'rest.ts',
      "readFileSync(new URL('openapi.json', import.meta.url))",
      "readFileSync(new URL('openapi.json', import.meta.url), 'utf8')",
      /rest\.ts:\d+: Type 'string' is not assignable to type 'Buffer/,
    ],
    [
      'client.ts',
      'const env = options.env ?? process.env;',
      'const env: Record<string, string> = options.env ?? process.env;',
      /client\.ts:\d+: Type 'Record<string, string \| undefined>' is not assignable/,
    ],
    [
      'server.ts',
      "portFrom(env, 'INSTANCE_IMAGES_REST_PORT', 8080)",
      "portFrom(env, 'INSTANCE_IMAGES_REST_PORT', '8080')",
      /server\.ts:\d+: Argument of type 'string' is not assignable to parameter of type 'number'/,
    ],
    [
      'rest.ts',
      "from './runtime/rest.js';",
      "from './runtime/rests.js';",
      /rest\.ts:\d+: Cannot find module/,
    ],
  ];

  it.each(BUGS)('finds a bug injected into %s: %s → %s', async (file, from, to, message) => {
    const { name, files } = await seedOutput();
    const text = files.get(file)!;
    expect(text).toContain(from);
    const broken = new Map(files).set(file, text.replace(from, to));
    expect(surfaceProblems(name, broken)?.length).toBeGreaterThan(0);
    const modes: VerifyMode[] = [];
    let error: unknown;
    try {
      verify(name, broken, { onChecked: (m) => modes.push(m) });
    } catch (err) {
      error = err;
    }
    expect(modes).toEqual(['full']);
    expect(error).toBeInstanceOf(GeneratorBug);
    expect((error as Error).message).toMatch(message);
  });

  it('falls back to the full check for what the surface declares more strictly, and passes it', async () => {
    // @types/node's URL also takes a URL as its base; the surface declares only a string.
    const { name, files } = await seedOutput();
    const text = files.get('rest.ts')!;
    const from = "new URL('openapi.json', import.meta.url)";
    expect(text).toContain(from);
    const stricter = new Map(files).set(
      'rest.ts',
      text.replace(from, "new URL('openapi.json', new URL(import.meta.url))"),
    );
    expect(surfaceProblems(name, stricter)?.length).toBeGreaterThan(0);
    const modes: VerifyMode[] = [];
    expect(() => verify(name, stricter, { onChecked: (m) => modes.push(m) })).not.toThrow();
    expect(modes).toEqual(['full']);
  });
});
