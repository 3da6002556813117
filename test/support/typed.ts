// A capability generated with providers' OpenAPI documents (`--openapi`), written under .tmp/ so
// its imports resolve capgen's node_modules. Tests import its server from there. The seed's is
// Scaleway's own document, read in place from ../shared.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Generated, generateFile } from '../../generator/pipeline.js';
import { writeOutput } from '../../generator/write.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEED = join(ROOT, 'specs/instance-images.yaml');
const SCALEWAY_OPENAPI = join(ROOT, '../shared/scaleway/instance-v1.openapi.yaml');

interface StartOptions {
  env: Record<string, string>;
}
export interface Started {
  urls: Record<string, string>;
  close(): Promise<void>;
}

export interface TypedSeed {
  dir: string;
  generated: Generated;
  start(options: StartOptions): Promise<Started>;
  setLogLevel(level: string): void;
  remove(): void;
}

export function typedSeed(): Promise<TypedSeed> {
  return typedCapability(SEED, { 'instance-images': SCALEWAY_OPENAPI });
}

/** Generates `spec` with each namespace paired with its document, and loads the server. */
export async function typedCapability(spec: string, openapi: Record<string, string>): Promise<TypedSeed> {
  const generated = await generateFile(spec, { openapi: new Map(Object.entries(openapi)) });
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tmp', 'typed-'));
  await writeOutput(dir, generated.files);
  const server = (await import(join(dir, 'server.ts'))) as { start: TypedSeed['start'] };
  const runtime = (await import(join(dir, 'runtime/log.ts'))) as { setLogLevel: TypedSeed['setLogLevel'] };
  return {
    dir,
    generated,
    start: server.start,
    setLogLevel: runtime.setLogLevel,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
