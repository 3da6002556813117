// Generates a spec into a temporary folder inside the repository (so the generated imports
// resolve capgen's node_modules) and starts its server in-process, every adapter on a free port
// of 127.0.0.1.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Generated, generateFile } from '../../generator/pipeline.js';
import { writeOutput } from '../../generator/write.js';

export interface RunningServer {
  urls: Record<string, string>;
  close(): Promise<void>;
}

const TMP = join(import.meta.dirname, '..', '..', '.tmp');

/** Generates `spec` and writes it under .tmp; returns the output folder too. */
export async function generateInto(spec: string): Promise<{ generated: Generated; out: string }> {
  mkdirSync(TMP, { recursive: true });
  const generated = await generateFile(spec);
  const out = join(mkdtempSync(join(TMP, `${generated.name}-`)), generated.name);
  await writeOutput(out, generated.files);
  return { generated, out };
}

/**
 * Starts the generated server with `env` on top of HOST=127.0.0.1 and port 0 for every adapter.
 * Logs are silenced.
 */
export async function startGenerated(
  generated: Generated,
  out: string,
  env: Record<string, string> = {},
  cwd?: string,
): Promise<RunningServer> {
  const model = generated.model;
  const all: Record<string, string> = { HOST: '127.0.0.1' };
  for (const adapter of [...model.rest, ...model.mcp, ...model.skill]) all[adapter.portEnv] = '0';
  const log = (await import(pathToFileURL(join(out, 'runtime', 'log.ts')).href)) as {
    setLogLevel(l: string): void;
  };
  log.setLogLevel('silent');
  const server = (await import(pathToFileURL(join(out, 'server.ts')).href)) as {
    start(o: { env: Record<string, string>; cwd?: string }): Promise<RunningServer>;
  };
  return server.start({ env: { ...all, ...env }, ...(cwd === undefined ? {} : { cwd }) });
}
