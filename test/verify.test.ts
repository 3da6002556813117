// The verify stage skips files that no spec shapes (runtime.ts) on each run; this suite is
// where they are type-checked, with ts-morph and with the real compiler on the committed output.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';
import { STATIC_FILES, verify } from '../generator/verify.js';

const ROOT = new URL('..', import.meta.url).pathname;

describe('type-checking the emitted code', () => {
  it('the static runtime type-checks together with the seed output', async () => {
    const { files } = await generateFile(`${ROOT}specs/instance-images.yaml`, { skipVerify: true });
    expect([...STATIC_FILES].every((f) => files.has(f))).toBe(true);
    expect(() => verify('instance-images-all', files, { all: true })).not.toThrow();
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
