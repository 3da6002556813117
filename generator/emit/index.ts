// Stage 4: emit. One emitter (and one template in templates/) per emitted file, plus the
// runtime modules those files import, copied from runtime/. Emitters read only the model.
import type { Capability } from '../model/types.js';
import { emitClient } from './client.js';
import { emitMcp } from './mcp.js';
import { emitOpenApi } from './openapi.js';
import {
  DOCKERIGNORE,
  emitDockerfile,
  emitKubernetes,
  emitPackageJson,
  emitPackageLock,
  emitReadme,
  emitTsconfig,
  GITIGNORE,
} from './package.js';
import { emitRest } from './rest.js';
import { runtimeClosure, runtimeFiles, runtimePackages } from './runtime.js';
import { emitSchemas } from './schemas.js';
import { emitServer } from './server.js';
import { emitSkillOpenApi } from './skill-openapi.js';
import { emitSkills } from './skills.js';

export function emitAll(model: Capability): [string, string][] {
  // The runtime modules the emitted files import, filled in by each emitter.
  const used = new Set<string>();
  // A capability of mocks only consumes nothing, so it has no client.
  const files: [string, string][] = model.apis.length > 0 ? [['client.ts', emitClient(model, used)]] : [];
  // Routes and tools validate with schemas.ts; a REST adapter of forwards only has none.
  if (model.schemaModule.objects.length > 0) files.push(['schemas.ts', emitSchemas(model, used)]);
  if (model.rest.length > 0) {
    files.push(['rest.ts', emitRest(model, used)]);
    for (const adapter of model.rest) files.push([adapter.openapiFile, emitOpenApi(model, adapter)]);
  }
  if (model.mcp.length > 0) files.push(['mcp.ts', emitMcp(model, used)]);
  if (model.skill.length > 0) {
    files.push(['skills.ts', emitSkills(model, used)]);
    for (const adapter of model.skill) files.push([adapter.openapiFile, emitSkillOpenApi(model, adapter)]);
  }
  if (model.rest.length > 0 || model.mcp.length > 0 || model.skill.length > 0 || model.control)
    files.push(['server.ts', emitServer(model, used)]);
  const runtime = runtimeClosure(used);
  const packages = runtimePackages(runtime);
  if (model.rest.length > 0 || model.mcp.length > 0)
    files.push(
      ['Dockerfile', emitDockerfile(model)],
      ['.dockerignore', DOCKERIGNORE],
      ['kubernetes.yaml', emitKubernetes(model)],
    );
  files.push(
    ...runtimeFiles(runtime),
    ['.gitignore', GITIGNORE],
    ['package.json', emitPackageJson(model, packages)],
    ['package-lock.json', emitPackageLock(model, packages)],
    ['tsconfig.json', emitTsconfig()],
    ['README.md', emitReadme(model)],
  );
  return files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
