// Questions every emitter asks of an exposed operation or tool, answered once from the IR.
import type { Action, CallBinding } from './types.js';

/** Every consumed call the unit makes: its one call, or each call step in order; none for a mock. */
export function callsOf(unit: Action): CallBinding[] {
  if (unit.call) return [unit.call];
  return (unit.steps?.steps ?? []).flatMap((s) => (s.kind === 'call' ? [s.call] : []));
}

/** One line saying what the unit does, for docs: `registry.get-ship`, `mock`, `3 steps`. */
export function actionSummary(unit: Action): string {
  if (unit.call) return `${unit.call.api}.${unit.call.operation}`;
  if (unit.mock) return 'mock (answers without calling upstream)';
  const calls = callsOf(unit).map((c) => `${c.api}.${c.operation}`);
  return `steps: ${calls.join(', ')}`;
}
