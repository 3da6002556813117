// What a REST route tells the runtime's link rewriter (runtime/links.ts): the API it calls, and,
// for a GET route whose consumed operation is a GET fed by its own path and query inputs, how to
// turn that operation's URL back into the route's path.
import type { RestOperation, RestPath } from '../model/types.js';

export function routeUpstream(path: RestPath, op: RestOperation): object | undefined {
  const call = op.call;
  if (!call) return undefined;
  const { api, operation } = call;
  const upstream = { api: api.namespace };
  if (op.method !== 'GET' || operation.method !== 'GET') return upstream;
  const inputOf = (param: string) => {
    const value = call.args.find((a) => a.param === param)?.value;
    return value?.kind === 'input' ? op.inputs.find((i) => i.name === value.name) : undefined;
  };
  const params: Record<string, string> = {};
  for (const part of operation.path) {
    if (part.kind !== 'param') continue;
    const input = inputOf(part.name);
    // A path segment the route does not take from its own path cannot be read back into it.
    if (input?.in !== 'path') return upstream;
    params[part.name] = input.name;
  }
  const query: Record<string, string> = {};
  const own = new Set<string>();
  for (const param of [...operation.params, ...api.fixedParams]) {
    if (param.in !== 'query') continue;
    const input = inputOf(param.name);
    if (input?.in === 'query' || input?.in === 'path') query[param.name] = input.name;
    else if (
      input === undefined &&
      (param.value !== undefined || call.args.some((a) => a.param === param.name))
    )
      own.add(param.name);
  }
  if (api.auth?.kind === 'apikey' && api.auth.placement === 'query') own.add(api.auth.name);
  const template = operation.path.map((p) => (p.kind === 'text' ? p.text : `{${p.name}}`)).join('');
  return {
    ...upstream,
    link: {
      path: template,
      route: path.template,
      params,
      query,
      ...(own.size > 0 ? { own: [...own].sort() } : {}),
    },
  };
}
