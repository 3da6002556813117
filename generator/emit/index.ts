// Stage 4: emit. One emitter (and one template in templates/) per emitted file. Emitters read
// only the model.
import type { Capability } from '../model/types.js';
import { emitClient } from './client.js';
import { emitMcp } from './mcp.js';
import { emitOpenApi } from './openapi.js';
import { emitPackageJson, emitReadme, emitTsconfig } from './package.js';
import { render } from './render.js';
import { emitRest } from './rest.js';
import { emitServer } from './server.js';

export function emitAll(model: Capability): [string, string][] {
  const files: [string, string][] = [
    ['runtime.ts', render('runtime.ts.hbs', {})],
    ['client.ts', emitClient(model)],
    ['package.json', emitPackageJson(model)],
    ['tsconfig.json', emitTsconfig()],
    ['README.md', emitReadme(model)],
  ];
  if (model.rest.length > 0) {
    files.push(['rest.ts', emitRest(model)]);
    for (const adapter of model.rest) files.push([adapter.openapiFile, emitOpenApi(model, adapter)]);
  }
  if (model.mcp.length > 0) files.push(['mcp.ts', emitMcp(model)]);
  if (model.rest.length > 0 || model.mcp.length > 0) files.push(['server.ts', emitServer(model)]);
  return files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
