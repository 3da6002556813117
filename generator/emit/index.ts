// Stage 4: emit. One emitter (and one template in templates/) per emitted file. Emitters read
// only the model.
import type { Capability } from '../model/types.js';
import { emitClient } from './client.js';
import { render } from './render.js';

export function emitAll(model: Capability): [string, string][] {
  const files: [string, string][] = [
    ['runtime.ts', render('runtime.ts.hbs', {})],
    ['client.ts', emitClient(model)],
  ];
  return files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
