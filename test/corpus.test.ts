// The corpus runner (tools/corpus/) on a handful of corpus specs, in this process: each is
// classified as expected and every smoke call passes; and the smoke checks do catch a request
// that goes to the wrong upstream path.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';
import { type CorpusRun, runCorpus } from '../tools/corpus/core.js';
import { type EchoServer, startEcho } from '../tools/corpus/echo.js';
import { smoke } from '../tools/corpus/smoke.js';
import { ROOT, type Status, TMP } from '../tools/corpus/spec.js';

const CORPUS = join(ROOT, '../shared/corpus');

const CASES: Record<string, Status> = {
  'scaleway/instance-images.yaml': 'generated',
  'pixelixe/pixelixe-graphic.yaml': 'generated',
  'ghost/content-authors.yaml': 'generated',
  // Duplicate tool names: the later tools are skipped with a warning.
  'cat/cat-capability.yaml': 'generated-partial',
  'naftiko-shipyard-cloudflare/shared/legacy-consumes.yaml': 'fragment',
  // capability.imports and capability.workflow are not alpha2: nothing is left to call.
  'mobileapi-dev/device-lookup.yaml': 'refused',
};

describe('the corpus runner', () => {
  let run: CorpusRun;
  beforeAll(async () => {
    run = await runCorpus({ root: CORPUS, files: Object.keys(CASES), jobs: 0 });
  });

  it('classifies each spec', () => {
    expect(Object.fromEntries(run.results.map((r) => [r.file, r.status]))).toEqual(CASES);
  });

  it('passes every smoke call of every generated spec, and calls every operation and tool', () => {
    for (const r of run.results.filter((x) => x.status.startsWith('generated'))) {
      expect(r.smoke?.failures, r.file).toEqual([]);
      expect(r.smoke!.calls, r.file).toBe(r.generated!.restOperations + r.generated!.tools);
      expect(r.smoke!.calls, r.file).toBeGreaterThan(0);
    }
    expect(run.totals.smoke.failed).toBe(0);
    expect(run.totals.smoke.passed).toBeGreaterThanOrEqual(12 + 2);
  });

  it('records refusals and skipped units with file:line:col and code', () => {
    const refused = run.results.find((r) => r.status === 'refused')!;
    expect(refused.refusals[0]).toMatchObject({
      code: 'nothing-to-generate',
      where: expect.stringMatching(/^mobileapi-dev\/device-lookup\.yaml:\d+:\d+$/),
    });
    const cat = run.results.find((r) => r.file === 'cat/cat-capability.yaml')!;
    expect(cat.skipped['duplicate-name']).toBeGreaterThan(0);
    expect(cat.skippedUnits.tool).toBeGreaterThan(0);
    expect(run.totals).toMatchObject({
      files: 6,
      fragments: 1,
      capabilities: 5,
      generated: 4,
      refused: 1,
      crashed: 0,
      typeErrors: 0,
    });
  });
});

describe('the smoke checks', () => {
  let echo: EchoServer;
  const dir = join(TMP, 'self-test');
  beforeAll(async () => {
    echo = await startEcho();
    mkdirSync(dir, { recursive: true });
  });
  afterAll(async () => {
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fail when the upstream path is not the one the consumed operation declares', async () => {
    const generated = await generateFile(join(CORPUS, 'scaleway/instance-images.yaml'));
    await writeOutput(dir, generated.files);
    // The server runs the code as generated; the expectations read this altered model.
    const model = structuredClone(generated.model);
    const op = model.apis[0]!.operations.find((o) => o.ident === 'getimage')!;
    op.path = op.path.map((p) =>
      p.kind === 'text' ? { kind: 'text', text: p.text.replace('/images/', '/snapshots/') } : p,
    );
    const result = await smoke(model, { dir, echo, tag: 'self', root: ROOT });
    expect(result.failed).toBe(2);
    expect(result.failures.map((f) => [f.kind, f.target, f.reason])).toEqual([
      ['rest', 'GET /v1/instance/v1/zones/{zone}/images/{image-id}', 'upstream path differs'],
      ['mcp', 'get-instance-image', 'upstream path differs'],
    ]);
    expect(result.failures[0]!.expected).toBe('GET /self/a0/instance/v1/zones/a1/snapshots/a2');
    expect(result.failures[0]!.actual).toBe('GET /self/a0/instance/v1/zones/a1/images/a2');
  });
});
