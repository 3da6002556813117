// `--openapi NS=FILE` on the command line (main() in this process): bad arguments are exit 2 with nothing
// written, a bad document is a located refusal, and --check notices when the document changes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliRun, runCli, scratchFolders } from './support/cli.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SEED = join(ROOT, 'specs/instance-images.yaml');
const scratch = scratchFolders();

/** The command line in this process (one warm type-checker for the whole file). */
const gen = (...args: string[]): Promise<CliRun> => runCli(args);

/** A small document for the seed's create operation; `arch` takes the given values. */
const doc = (arch: string[]) => `openapi: 3.1.0
info: {title: Images excerpt, version: '1'}
paths:
  /instance/v1/zones/{zone}/images:
    post:
      parameters:
        - {in: path, name: zone, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [root_volume, arch]
              properties:
                root_volume: {type: string}
                arch: {type: string, enum: [${arch.join(', ')}]}
      responses:
        '201': {description: created}
`;

describe('--openapi', () => {
  it('refuses a malformed, duplicate, unreadable or unknown pairing with exit 2 and writes nothing', async () => {
    const out = join(scratch('bad-args'), 'out');
    const file = join(scratch('doc'), 'images.yaml');
    writeFileSync(file, doc(['x86_64']));
    const cases: [string[], RegExp][] = [
      [['--openapi', 'instance-images'], /--openapi takes NAMESPACE=FILE, not "instance-images"/],
      [['--openapi', `=${file}`], /--openapi takes NAMESPACE=FILE/],
      [
        ['--openapi', `instance-images=${file}`, '--openapi', `instance-images=${file}`],
        /names namespace "instance-images" twice/,
      ],
      [
        ['--openapi', 'instance-images=no/such.yaml'],
        /--openapi instance-images=no\/such.yaml: no such file/,
      ],
      [['--openapi', `instance-images=${ROOT}`], /not a file/],
      [
        ['--openapi', `images=${file}`],
        /no spec on the command line consumes namespace "images" \(consumed: instance-images\); nothing was written/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await gen('--out', out, ...args, SEED);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(out)).toBe(false);
    }
  }, 240_000);

  it('refuses a document that is not valid YAML with a located error in that document', async () => {
    const out = join(scratch('bad-doc'), 'out');
    const file = join(scratch('doc'), 'broken.yaml');
    writeFileSync(file, 'openapi: 3.1.0\npaths:\n  /a: [unclosed\n');
    const run = await gen('--out', out, '--openapi', `instance-images=${file}`, SEED);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}:`);
    expect(run.stderr).toMatch(/error\[openapi\]: not valid YAML or JSON/);
    expect(run.stderr).toMatch(/nothing was written/);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('--check is current after generating with the document and notices when the document changes', async () => {
    const out = join(scratch('check'), 'out');
    const file = join(scratch('doc'), 'images.yaml');
    writeFileSync(file, doc(['x86_64', 'arm64']));
    const first = await gen('--out', out, '--openapi', `instance-images=${file}`, SEED);
    expect(first.code, first.stderr).toBe(0);
    const check = await gen('--out', out, '--check', '--openapi', `instance-images=${file}`, SEED);
    expect(check.code, check.stderr).toBe(0);
    writeFileSync(file, doc(['x86_64', 'arm64', 'riscv64']));
    const stale = await gen('--out', out, '--check', '--openapi', `instance-images=${file}`, SEED);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/^\+.*riscv64/m);
    // And without the document, the typed output is stale too.
    const plain = await gen('--out', out, '--check', SEED);
    expect(plain.code).toBe(1);
    expect(readFileSync(join(out, 'instance-images/mcp.ts'), 'utf8')).not.toContain('riscv64');
  }, 240_000);
});
