// Runs the real Spectral CLI over an OpenAPI document and returns its JSON findings.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SPECTRAL = join(ROOT, 'node_modules/.bin/spectral');
/** Spectral's recommended OpenAPI rules (spectral:oas). */
const RULESET = join(ROOT, 'test/support/spectral.yaml');

export interface Finding {
  code: string | number;
  severity: number;
  message: string;
  path: (string | number)[];
}

export function spectral(
  file: string,
  ruleset = RULESET,
): Promise<{ code: number | null; findings: Finding[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SPECTRAL, ['lint', file, '--ruleset', ruleset, '-f', 'json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        resolve({ code, findings: JSON.parse(stdout) as Finding[], stderr });
      } catch {
        reject(new Error(`spectral printed no JSON (exit ${code}): ${stdout}\n${stderr}`));
      }
    });
  });
}
