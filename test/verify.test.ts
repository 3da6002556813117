// The verify stage skips files that no spec shapes (the runtime/ copies) on each run; this suite
// is where they are type-checked as emitted, with ts-morph and with the real compiler on the
// committed output.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runtimeFiles, runtimeModules } from '../generator/emit/runtime.js';
import { generateFile } from '../generator/pipeline.js';
import { isStaticFile, verify } from '../generator/verify.js';

const ROOT = new URL('..', import.meta.url).pathname;

describe('type-checking the emitted code', () => {
  it('the static runtime type-checks together with the seed output', async () => {
    const { files } = await generateFile(`${ROOT}specs/instance-images.yaml`, { skipVerify: true });
    expect([...files.keys()].filter(isStaticFile)).toEqual([
      'runtime/auth.ts',
      'runtime/env.ts',
      'runtime/formats/error.ts',
      'runtime/guard.ts',
      'runtime/health.ts',
      'runtime/http.ts',
      'runtime/links.ts',
      'runtime/log.ts',
      'runtime/mcp.ts',
      'runtime/output.ts',
      'runtime/port.ts',
      'runtime/rest.ts',
      'runtime/scrub.ts',
    ]);
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
