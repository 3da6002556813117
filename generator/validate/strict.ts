// --strict: the official alpha2 rules, as capgen understands them. Filled in by strict-schema.json.
import type { Reporter } from '../diagnostics.js';
import type { LoadedSpec } from '../load.js';

export function checkStrict(_spec: LoadedSpec, _report: Reporter): void {}
