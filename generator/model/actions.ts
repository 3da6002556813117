// Questions every emitter asks of an exposed operation or tool, answered once from the IR.
import type { Action, CallBinding, ExposedInput } from './types.js';

/** Every consumed call the unit makes: its one call, or each call step in order; none for a mock. */
export function callsOf(unit: Action): CallBinding[] {
  if (unit.call) return [unit.call];
  return (unit.steps?.steps ?? []).flatMap((s) => (s.kind === 'call' ? [s.call] : []));
}

/**
 * One line saying what the unit does, for docs: `registry.get-ship`, `mock …`, `steps: …`, after
 * the aggregate function it runs (`fleet.find-ship → registry.get-ship`).
 */
export function actionSummary(unit: Action): string {
  const via = unit.ref === undefined ? '' : `${unit.ref} → `;
  if (unit.call) return `${via}${label(unit.call)}`;
  if (unit.mock) return `${via}mock (answers without calling upstream)`;
  return `${via}steps: ${callsOf(unit).map(label).join(', ')}`;
}

/** `namespace.operation`, as the spec's `call` names it. */
export const label = (call: CallBinding): string => `${call.api.namespace}.${call.operation.name}`;

/**
 * True when the inputs are exactly the called operation's own parameters: each arrives under the
 * parameter's name (`keyOf`: where the adapter delivers it; undefined when it cannot be handed
 * over as it is) with the parameter's type and required flag.
 */
export function passesThrough(
  call: CallBinding,
  inputs: ExposedInput[],
  keyOf: (input: ExposedInput) => string | undefined,
): boolean {
  const params = call.operation.params.filter((p) => p.value === undefined);
  if (call.args.length !== params.length || inputs.length !== params.length) return false;
  return call.args.every((arg) => {
    const param = params.find((p) => p.name === arg.param);
    const input = inputs.find((i) => arg.value.kind === 'input' && i.name === arg.value.name);
    return (
      param !== undefined &&
      input !== undefined &&
      keyOf(input) === param.name &&
      input.type === param.type &&
      input.required === param.required
    );
  });
}
