// Emits mcp.ts: one MCP server factory per MCP adapter, one tool per spec tool. Tool schemas are
// module-level constants so they are compiled once, not per request.
import { basename } from 'node:path';
import { callsOf } from '../model/actions.js';
import type {
  Capability,
  ExposedInput,
  McpAdapter,
  McpResource,
  McpTool,
  OutputShape,
} from '../model/types.js';
import {
  argsObject,
  clientsCalled,
  clientsType,
  methodOf,
  mockAnswer,
  outputLiteral,
  stepsBody,
} from './call.js';
import { Code, code, doc, ident, join, lit, member, prop, runtimeSymbol, symbolsUsed } from './escape.js';
import { tsType } from './expr.js';
import { render } from './render.js';
import { typeImports } from './rest.js';
import { runtimeImports } from './runtime.js';
import { schemaType } from './schema-types.js';

export function emitMcp(model: Capability, runtime: Set<string>): string {
  const adapters = model.mcp.map((adapter) => adapterView(model, adapter));
  const clients = [...new Set(model.mcp.flatMap((a) => clientsOf(model, a)).map((c) => c.className))].sort();
  const tools = model.mcp.flatMap((a) => a.tools);
  const clientImports = [
    ...clients,
    ...new Set(tools.flatMap((t) => (t.call?.direct ? [t.call.operation.paramsType] : []))),
    ...typeImports(tools.filter((t) => !t.call?.direct).flatMap((t) => t.inputs)),
  ].sort();
  const schemas = [...new Set(tools.map((t) => t.inputSchemaName!))].sort();
  return render('mcp.ts.hbs', {
    source: basename(model.specFile),
    adapters,
    hasClientImports: clientImports.length > 0,
    clientImports: new Code(clientImports.join(', ')),
    hasSchemaImports: schemas.length > 0,
    schemaImports: join(
      schemas.map((n) => ident(n)),
      ', ',
    ),
    runtimeImports: runtimeImports(
      [
        ...symbolsUsed(adapters.flatMap((a) => [...a.tools, ...a.resources])),
        'createToolServer',
        'jsonSchema',
        'tool',
        'type ToolDef',
        'type ToolLimits',
        ...(model.mcp.some((a) => a.resources.length > 0) ? ['registerResources', 'type ResourceDef'] : []),
        ...(model.mcp.some((a) => a.prompts.length > 0) ? ['registerPrompts', 'type PromptDef'] : []),
      ],
      runtime,
    ),
  });
}

const clientsOf = (model: Capability, adapter: McpAdapter) =>
  clientsCalled(model, [
    ...adapter.tools.flatMap(callsOf),
    ...adapter.resources.flatMap((r) => (r.kind === 'dynamic' ? [r.call] : [])),
  ]);

function adapterView(model: Capability, adapter: McpAdapter) {
  const clients = clientsOf(model, adapter);
  const schemas: Code[] = [];
  const tools = adapter.tools.map((tool) => {
    // A tool whose arguments are exactly the operation's parameters passes them straight through,
    // typed by the client; others get an interface of their own and an explicit mapping.
    if (tool.argsType)
      schemas.push(
        code`${doc(`Arguments of the \`${tool.name}\` tool.`)}\nexport interface ${ident(tool.argsType)} ${argsInterface(tool.inputs)}`,
      );
    if (tool.outputSchemaName) {
      const schema = tool.outputSchema ?? outputSchema((tool.output as { shape: OutputShape }).shape);
      schemas.push(code`const ${ident(tool.outputSchemaName)} = jsonSchema(${lit(schema)});`);
    }
    return toolCode(tool);
  });
  const resources = adapter.resources.map(resourceCode);
  const info: Record<string, string> = { name: adapter.namespace, version: '1.0.0' };
  if (adapter.description !== undefined) info.instructions = adapter.description;
  return {
    doc: doc(adapter.description ?? `MCP adapter "${adapter.namespace}".`),
    toolsDoc: doc(`The tools of "${adapter.namespace}". Build the table once and share it across requests.`),
    factoryName: ident(adapter.factoryName),
    toolsName: ident(adapter.toolsName),
    optionsName: ident(adapter.optionsName),
    clientsName: ident(adapter.clientsName),
    clientsType: clientsType(clients),
    hasClients: clients.length > 0,
    clientNames: new Code(clients.map((c) => c.ident).join(', ')),
    serverInfo: lit(info),
    schemas,
    tools,
    resources,
    resourcesName: resources.length > 0 ? ident(adapter.resourcesName) : undefined,
    resourcesDoc: doc(
      `The resources of "${adapter.namespace}": read through the clients, or files of a folder. Build the list once.`,
    ),
    prompts: adapter.prompts.length > 0 ? lit(adapter.prompts) : undefined,
    promptsName: ident(adapter.promptsName),
    catalog: resources.length > 0 || adapter.prompts.length > 0,
  };
}

function resourceCode(resource: McpResource): Code {
  const meta = {
    name: resource.name,
    ...(resource.title === undefined ? {} : { title: resource.title }),
    uri: resource.uri,
    ...(resource.description === undefined ? {} : { description: resource.description }),
    ...(resource.mimeType === undefined ? {} : { mimeType: resource.mimeType }),
  };
  const fields = Object.entries(meta).map(([k, v]) => code`${prop(k)}: ${lit(v)}`);
  if (resource.kind === 'static')
    return code`{ ${join([...fields, code`location: ${lit(resource.location)}`], ', ')} }`;
  const vars = new Code('vars');
  const args = argsObject(resource.call, resource.inputs, (i) => code`(${member(vars, i.name)} ?? '')`);
  const output = outputLiteral(resource.output);
  const varsName = resource.inputs.length === 0 ? '_vars' : 'vars';
  return code`{ ${join(fields, ', ')}, read: (${new Code(varsName)}: Record<string, string>) => ${runtimeSymbol('readThrough')}(() => ${methodOf(resource.call)}(${args})${output ? code`, ${output}` : new Code('')}) }`;
}
function argsInterface(inputs: ExposedInput[]): Code {
  if (inputs.length === 0) return new Code('{}');
  return code`{\n${join(
    inputs.map(
      (i) =>
        code`${i.description ? code`${doc(i.description)}\n` : new Code('')}${prop(i.name)}${new Code(i.required ? '' : '?')}: ${i.typed ? schemaType(i.typed) : tsType(i.type)};`,
    ),
    '\n',
  )}\n}`;
}

function outputSchema(shape: OutputShape): object {
  // Mapped outputs that are not objects are wrapped as {result}, like every other result.
  const describe = (s: OutputShape): object =>
    // A JSONPath that finds nothing gives null, as in the reference engine, so every mapped value
    // may be null; anything stricter would turn a sparse upstream answer into a tool error.
    s.kind === 'object'
      ? {
          type: ['object', 'null'],
          properties: Object.fromEntries(s.properties.map((p) => [p.name, describe(p.shape)])),
          additionalProperties: true,
        }
      : s.kind === 'array'
        ? { type: ['array', 'null'], ...(s.items ? { items: describe(s.items) } : {}) }
        : s.kind === 'const'
          ? { type: 'string' }
          : s.type === 'object'
            ? { type: ['object', 'null'], additionalProperties: true }
            : s.type === 'array'
              ? { type: ['array', 'null'] }
              : { type: [s.type, 'null'] };
  return shape.kind === 'object'
    ? { ...describe(shape), type: 'object' }
    : { type: 'object', properties: { result: describe(shape) }, additionalProperties: true };
}

function toolCode(tool: McpTool): Code {
  const direct = tool.call?.direct === true;
  const argsType = direct ? tool.call!.operation.paramsType : tool.argsType!;
  const args = new Code('args');
  const input = (i: ExposedInput) => member(args, i.name);
  const argName = tool.inputs.length === 0 && !direct ? '_args' : 'args';
  const params = code`${new Code(argName)}: ${ident(argsType)}, signal`;
  let call: Code;
  if (tool.call) {
    const argsValue = direct ? args : argsObject(tool.call, tool.inputs, input);
    call = code`(${params}) => ${methodOf(tool.call)}(${argsValue}, { signal })`;
  } else if (tool.mock) {
    const resolve = {
      input: (name: string) => input(tool.inputs.find((i) => i.name === name)!),
      secret: () => {
        throw new Error('generator bug: a mock reads a secret');
      },
    };
    const answer = mockAnswer(tool.mock, resolve, new Code('{}'));
    call = tool.inputs.length === 0 ? code`() => ${answer}` : code`(args: ${ident(argsType)}) => ${answer}`;
  } else {
    call = code`async (${params}) => {\n${stepsBody(tool.steps!, tool.inputs, input, new Code('signal'))}\n}`;
  }
  const output = outputLiteral(tool.output);
  // Only the hints that hold: the runtime tells clients the others as false.
  const hints = Object.fromEntries(Object.entries(tool.annotations).filter(([, on]) => on));
  const config = [
    ...(tool.title !== undefined ? [code`title: ${lit(tool.title)}`] : []),
    code`description: ${lit(tool.description)}`,
    code`inputSchema: jsonSchema(${ident(tool.inputSchemaName!)})`,
    ...(tool.outputSchemaName ? [code`outputSchema: ${ident(tool.outputSchemaName)}`] : []),
    code`annotations: ${lit(tool.title !== undefined ? { title: tool.title, ...hints } : hints)}`,
  ];
  return code`tool({
  name: ${lit(tool.name)},
  ${join(config, ',\n')},${output ? code`\noutput: ${output},` : new Code('')}
  call: ${call},
})`;
}
