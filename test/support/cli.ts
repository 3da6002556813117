// The command line run in the test's own process (one warm type-checker per test file), and
// scratch folders inside the repo (git-ignored) so generated code resolves capgen's node_modules.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { main } from '../../generator/cli.js';

const SCRATCH = fileURLToPath(new URL('../../.tmp', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run gen -- ...args` in this process, with its output captured. */
export async function runCli(
  args: string[],
  io: { env?: Record<string, string | undefined>; tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stderrIsTTY: io.tty ?? false,
    env: io.env,
  });
  return { code, stdout, stderr };
}

/** A maker of fresh scratch folders, all removed after the calling test file. */
export function scratchFolders(): (prefix: string) => string {
  mkdirSync(SCRATCH, { recursive: true });
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return (prefix) => {
    const d = mkdtempSync(join(SCRATCH, `${prefix}-`));
    dirs.push(d);
    return d;
  };
}
