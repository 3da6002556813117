// The intent oracle reads non-JSON request bodies as docs/dialect.md (Request bodies) says, from
// the spec and not the model: the body-types fixture smoke-called as generated has no mismatch,
// and a defect injected into the emitted client (a form sent as JSON, a file part renamed, a
// media type changed) is named with its field and spec line.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Generated, generateFile } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';
import { type EchoServer, startEcho } from '../tools/corpus/echo.js';
import { smoke, type SmokeResult } from '../tools/corpus/smoke.js';
import { ROOT, TMP } from '../tools/corpus/spec.js';

const SPEC = new URL('./fixtures/bodies/dispatch-forms.yaml', import.meta.url).pathname;

let echo: EchoServer;
let generated: Generated;
let n = 0;

beforeAll(async () => {
  echo = await startEcho();
  generated = await generateFile(SPEC);
});
afterAll(async () => {
  await echo.close();
});

async function run(files: Map<string, string>): Promise<SmokeResult> {
  const dir = join(TMP, `intent-bodies-${process.pid}-${++n}`);
  mkdirSync(dir, { recursive: true });
  try {
    await writeOutput(dir, files);
    return await smoke(generated.model, {
      dir,
      echo,
      tag: `b${n}`,
      root: ROOT,
      spec: generated.spec,
      // A hang guard only: the calls themselves are quick, but a busy machine can be slow.
      callTimeoutMs: 600_000,
      allowMismatches: false,
    });
  } finally {
    echo.reset();
    rmSync(dir, { recursive: true, force: true });
  }
}

function mutate(from: RegExp, to: string): Map<string, string> {
  const text = generated.files.get('client.ts')!;
  expect(text, 'the defect cannot be injected').toMatch(from);
  return new Map([...generated.files, ['client.ts', text.replace(from, to)]]);
}

const found = (r: SmokeResult) =>
  r.failures.flatMap((f) =>
    (f.mismatches ?? []).map((m) => `${f.kind} ${f.target}: ${m.problem} at ${m.where.replace(/^.*\//, '')}`),
  );

describe('the intent oracle on request body types', () => {
  it('finds nothing wrong with the generated client', async () => {
    const clean = await run(generated.files);
    expect(found(clean)).toEqual([]);
    expect(clean.failed).toBe(0);
    expect(clean.passed).toBe(12);
  });

  it('reports a form sent as JSON, located at the body type', async () => {
    const broken = await run(
      mutate(
        /\.\.\.formBody\(\[([^]*?)\]\),/,
        "body: Object.fromEntries([$1]), contentType: 'application/json',",
      ),
    );
    expect(found(broken)).toEqual([
      'rest POST /token: form fields differ at dispatch-forms.yaml:18:17',
      'rest POST /token: content type differs at dispatch-forms.yaml:18:17',
      'mcp request-token: form fields differ at dispatch-forms.yaml:18:17',
      'mcp request-token: content type differs at dispatch-forms.yaml:18:17',
    ]);
  });

  it('reports a multipart file part with another file name', async () => {
    const broken = await run(mutate(/filename: 'manifest\.csv'/, "filename: 'other.csv'"));
    expect(found(broken)).toEqual([
      'rest POST /manifests: form fields differ at dispatch-forms.yaml:39:17',
      'mcp upload-manifest: form fields differ at dispatch-forms.yaml:39:17',
    ]);
  });

  it('reports an XML body sent as text/plain', async () => {
    const broken = await run(mutate(/contentType: 'application\/xml'/, "contentType: 'text/plain'"));
    expect(found(broken)).toEqual([
      'rest POST /orders: content type differs at dispatch-forms.yaml:63:17',
      'mcp submit-order: content type differs at dispatch-forms.yaml:63:17',
    ]);
  });
});
