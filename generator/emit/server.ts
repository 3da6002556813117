// Emits server.ts: creates the clients from the environment and starts every adapter on its
// own port (or MCP on stdio), with graceful shutdown.
import { basename } from 'node:path';
import { callsOf } from '../model/actions.js';
import type { Auth, CallBinding, Capability, ConsumedApi } from '../model/types.js';
import { Code, code, ident, join, lit } from './escape.js';
import { type PartResolver, templateExpr } from './expr.js';
import { render } from './render.js';
import { CAPGEN_VERSION, runtimeImports } from './runtime.js';

/**
 * The adapter's inbound credentials as an expression reading the environment; `reads` learns
 * whether it calls server.ts's `secret`, which is declared only then.
 */
function authExpr(auth: Auth | undefined, adapter: string, reads: { secret: boolean }): Code {
  if (!auth) return new Code('undefined');
  const resolve: PartResolver = {
    input: () => {
      throw new Error('generator bug: adapter credentials read an input');
    },
    secret: (variable) => {
      reads.secret = true;
      return code`secret(${lit(variable)}, ${lit(`credential callers of "${adapter}" must present`)})`;
    },
  };
  if (auth.kind === 'bearer') return code`{ kind: 'bearer', token: ${templateExpr(auth.token, resolve)} }`;
  if (auth.kind === 'basic')
    return code`{ kind: 'basic', username: ${templateExpr(auth.username, resolve)}, password: ${templateExpr(auth.password, resolve)} }`;
  return code`{ kind: 'apikey', name: ${lit(auth.name)}, placement: ${lit(auth.placement)}, value: ${templateExpr(auth.value, resolve)} }`;
}

export function emitServer(model: Capability, runtime: Set<string>): string {
  const reads = { secret: false };
  const authOf = (auth: Auth | undefined, adapter: string) => authExpr(auth, adapter, reads);
  // With a control adapter, every client reports its calls to the upstream metrics.
  const observe = (api: { namespace: string }) =>
    model.control ? code`, observe: telemetry.upstreamObserver(${lit(api.namespace)})` : new Code('');
  const clients = model.apis.map(
    (api) =>
      code`const ${ident(api.ident)} = ${ident(api.factoryName)}({ env${observe(api)} });\nserver.client(() => ${ident(api.ident)}.close());`,
  );
  const clientsOf = (calls: CallBinding[], forwarded: ConsumedApi[] = []) =>
    code`{ ${join(
      model.apis
        .filter((a) => calls.some((c) => c.api === a) || forwarded.includes(a))
        .map((a) => ident(a.ident)),
      ', ',
    )} }`;
  const control = model.control;
  const telemetry = new Code(control ? ', telemetry' : '');
  const rest = model.rest.map((a, restIndex) => {
    const app = ident(a.appIdent);
    const calls = a.paths.flatMap((p) => p.operations.flatMap(callsOf));
    // --stdio serves MCP on stdin/stdout and opens no port at all.
    const listen = code`await ${app}.listen({ host: host ?? ${lit(a.address)}, port: portFrom(env, ${lit(a.portEnv)}, ${lit(a.port)}) });
  server.urls[${lit(a.namespace)}] = urlOf(${app}.server, host ?? ${lit(a.address)});
  state.listening(portOf(${app}.server));`;
    return code`if (listenHttp) {
  const ${app} = ${ident(a.factoryName)}({ clients: ${clientsOf(
    calls,
    a.forwards.map((f) => f.api),
  )}, bodyLimit, auth: ${authOf(a.auth, a.namespace)}, allowedHosts: allowedHostsFor(env, host ?? ${lit(a.address)}), maxJsonDepth, health: server.health${telemetry} });
  server.adapter(() => ${app}.close());
  const state = server.health.adapter('rest', ${lit(a.namespace)});
  ${
    restIndex === 0
      ? code`if (onePort) {
    onePort.rest = ${app};
    onePort.add(${lit(a.namespace)}, state);
  } else {
    ${listen}
  }`
      : listen
  }
}`;
  });
  // The MCP adapter that PORT serves at /mcp: the first one over HTTP.
  const firstHttpMcp = model.mcp.findIndex((a) => a.transport !== 'stdio');
  const mcp = model.mcp.map((a, index) => {
    const calls = [
      ...a.tools.flatMap(callsOf),
      ...a.resources.flatMap((r) => (r.kind === 'dynamic' ? [r.call] : [])),
    ];
    const tools = ident(a.toolsIdent);
    const resources = ident(a.resourcesIdent);
    const catalog = a.resources.length > 0 || a.prompts.length > 0;
    const extra = catalog
      ? code`${a.resources.length > 0 ? code`, resources: ${resources}` : new Code('')}, cwd: options.cwd`
      : new Code('');
    const factory = code`() => ${ident(a.factoryName)}(${tools}, { maxTextLength, maxResultLength${extra} })`;
    const stdioCondition =
      a.transport === 'stdio'
        ? new Code('true')
        : index === 0
          ? new Code('options.stdio === true')
          : new Code('false');
    return code`const ${tools} = ${ident(a.toolsName)}(${clientsOf(calls)});${a.resources.length > 0 ? code`\nconst ${resources} = ${ident(a.resourcesName)}(${clientsOf(calls)});` : new Code('')}
if (${stdioCondition}) {
  logToStderr();
  server.stdio = true;
  serveStdio(${factory});
  server.urls[${lit(a.namespace)}] = 'stdio';
} else if (listenHttp) {
  const state = server.health.adapter('mcp', ${lit(a.namespace)});
  ${
    index === firstHttpMcp
      ? code`if (onePort) {
    onePort.mcp = mcpHttpHandler(${factory}, { name: ${lit(a.namespace)}, auth: ${authOf(a.auth, a.namespace)}, allowedHosts: allowedHostsFor(env, host ?? ${lit(a.address)}), maxBodyBytes: bodyLimit, maxJsonDepth, health: server.health${telemetry} });
    onePort.add(${lit(a.namespace)}, state, '/mcp');
  } else {`
      : new Code('{')
  }
  const served = await serveMcpHttp(${factory}, { name: ${lit(a.namespace)}, auth: ${authOf(a.auth, a.namespace)}, host: host ?? ${lit(a.address)}, port: portFrom(env, ${lit(a.portEnv)}, ${lit(a.port)}), allowedHosts: allowedHostsFor(env, host ?? ${lit(a.address)}), maxBodyBytes: bodyLimit, maxJsonDepth, health: server.health${telemetry} });
  server.adapter(() => served.close());
  server.urls[${lit(a.namespace)}] = urlOf(served.server, host ?? ${lit(a.address)}, '/mcp');
  state.listening(portOf(served.server));
  }
}`;
  });
  const skill = model.skill.map((a) => {
    const app = ident(a.appIdent);
    const catalog = ident(a.catalogName);
    return code`if (listenHttp) {
  const ${app} = createSkillApp({ name: ${lit(a.namespace)}, skills: ${catalog}.skills, modes: ${catalog}.modes, openapi: ${catalog}.openapi, auth: ${authOf(a.auth, a.namespace)}, allowedHosts: allowedHostsFor(env, host ?? ${lit(a.address)}), cwd: options.cwd, health: server.health });
  server.adapter(() => ${app}.close());
  const state = server.health.adapter('skill', ${lit(a.namespace)});
  await ${app}.listen({ host: host ?? ${lit(a.address)}, port: portFrom(env, ${lit(a.portEnv)}, ${lit(a.port)}) });
  server.urls[${lit(a.namespace)}] = urlOf(${app}.server, host ?? ${lit(a.address)});
  state.listening(portOf(${app}.server));
}`;
  });
  const controlCode = control
    ? [
        code`const telemetry = new Telemetry({ traceBuffer: ${lit(control.traceBuffer)} });`,
        code`if (listenHttp) {
  const controlApp = createControlApp({ telemetry, adapters: server.health.adapters, health: ${lit(control.health)}, info: ${lit(control.info)}, metrics: ${lit(control.metrics)}, traces: ${lit(control.traces)}, capability: ${lit({ label: model.title, specVersion: '1.0.0-alpha2', generatorVersion: CAPGEN_VERSION })}, auth: ${authOf(control.auth, 'control')}, allowedHosts: allowedHostsFor(env, host ?? ${lit(control.address)}) });
  server.adapter(() => controlApp.close());
  const state = server.health.adapter('control', 'control');
  await controlApp.listen({ host: host ?? ${lit(control.address)}, port: portFrom(env, ${lit(control.portEnv)}, ${lit(control.port)}) });
  server.urls.control = urlOf(controlApp.server, host ?? ${lit(control.address)});
  state.listening(portOf(controlApp.server));
}`,
      ]
    : [];
  const listens = model.rest.length + model.mcp.length + model.skill.length > 0 || control !== undefined;
  // PORT: one listener for the first REST and the first HTTP MCP adapter.
  const httpMcp = model.mcp.filter((a) => a.transport !== 'stdio');
  const onePort = model.rest.length > 0 || httpMcp.length > 0;
  const extra = [
    ...model.rest.slice(1).map((a) => a.namespace),
    ...httpMcp.slice(1).map((a) => a.namespace),
    ...model.skill.map((a) => a.namespace),
  ];
  const address = model.rest[0]?.address ?? httpMcp[0]?.address ?? '127.0.0.1';
  const onePortSetup = onePort
    ? [
        code`// PORT: the REST and MCP adapters behind one listener (MCP at /mcp), as a PaaS or a Kubernetes Service expects.
const onePort = listenHttp && env.PORT ? new OnePort(portFrom(env, 'PORT', 0)${extra.length > 0 ? code`, ${lit(extra)}` : new Code('')}) : undefined;`,
      ]
    : [];
  const onePortListen = onePort
    ? [
        code`if (onePort) {
  const served = await onePort.listen(host ?? ${lit(address)});
  server.adapter(() => served.close());
  Object.assign(server.urls, served.urls);
}`,
      ]
    : [];
  // The shared settings this server reads; serverSettings also applies LOG_LEVEL and redaction.
  const settings = [
    ...(listens ? ['host'] : []),
    ...(model.rest.length + model.mcp.length > 0 ? ['bodyLimit'] : []),
    ...(model.mcp.length > 0 ? ['maxTextLength', 'maxResultLength'] : []),
    ...(model.rest.length + model.mcp.length > 0 ? ['maxJsonDepth'] : []),
  ];
  const symbols = [
    'Startup',
    'runAsProgram',
    'serverSettings',
    'type RunningServer',
    'type StartOptions',
    ...(model.bindFiles.length > 0 ? ['withBindFiles'] : []),
    ...(reads.secret ? ['requireEnv'] : []),
    ...(listens ? ['allowedHostsFor', 'portFrom', 'portOf', 'urlOf'] : []),
    ...(model.mcp.length > 0 ? ['logToStderr', 'serveMcpHttp'] : []),
    ...(httpMcp.length > 0 ? ['mcpHttpHandler'] : []),
    ...(onePort ? ['OnePort'] : []),
    ...(model.skill.length > 0 ? ['createSkillApp'] : []),
    ...(control ? ['Telemetry', 'createControlApp'] : []),
  ].sort();
  const imports: Code[] = [
    // A capability of mocks only consumes nothing: it has no client.
    ...(model.apis.length > 0
      ? [
          code`import { ${join(
            model.apis.map((a) => ident(a.factoryName)),
            ', ',
          )} } from './client.js';`,
        ]
      : []),
    ...(model.rest.length > 0
      ? [
          code`import { ${join(
            model.rest.map((a) => ident(a.factoryName)),
            ', ',
          )} } from './rest.js';`,
        ]
      : []),
    ...(model.mcp.length > 0
      ? [
          code`import { ${join(
            model.mcp.flatMap((a) => [
              ident(a.factoryName),
              ident(a.toolsName),
              ...(a.resources.length > 0 ? [ident(a.resourcesName)] : []),
            ]),
            ', ',
          )} } from './mcp.js';`,
        ]
      : []),
  ];
  if (model.skill.length > 0)
    imports.push(
      code`import { ${join(
        model.skill.map((a) => ident(a.catalogName)),
        ', ',
      )} } from './skills.js';`,
    );
  return render('server.ts.hbs', {
    source: basename(model.specFile),
    stdio: model.mcp.length > 0,
    imports,
    runtimeImports: runtimeImports(symbols, runtime),
    // The telemetry comes first: the clients record into it.
    clients: [...controlCode.slice(0, 1), ...clients],
    bindFiles: model.bindFiles.length > 0 ? lit(model.bindFiles) : undefined,
    bindings: lit(Object.fromEntries(model.secrets.map((s) => [s.variable, s.env]))),
    settings:
      settings.length > 0
        ? code`const { ${join(settings.map(ident), ', ')} } = serverSettings(env, bindings);`
        : new Code('serverSettings(env, bindings);'),
    listens,
    secrets: reads.secret,
    adapters: [...onePortSetup, ...rest, ...mcp, ...skill, ...controlCode.slice(1), ...onePortListen],
  });
}
