// Emits the generated server's own package.json, tsconfig.json and README.md, so that
// out/<name>/ copied elsewhere runs with `npm install && npm start`.
import { actionSummary } from '../model/actions.js';
import type { Capability } from '../model/types.js';
import { mcpClientConfigs } from './clients.js';
import { Code, jsonDocument } from './escape.js';
import { emitLockfile } from './lockfile.js';
import { render } from './render.js';

/** The generated tsconfig.json's compiler options; verify.ts type-checks the output under the same. */
export const COMPILER_OPTIONS_JSON = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
  lib: ['ES2023'],
};

/** Exact versions the generated code is type-checked and tested against (see package.json). */
const RUNTIME_DEPENDENCIES = {
  '@modelcontextprotocol/node': '2.1.2',
  '@modelcontextprotocol/server': '2.4.0',
  avsc: '5.7.9',
  'csv-parse': '7.0.3',
  'fast-xml-parser': '5.12.1',
  fastify: '5.12.8',
  fflate: '0.8.3',
  marked: '18.2.1',
  'node-html-parser': '9.0.7',
  pino: '9.14.0',
  'prom-client': '15.1.3',
  protobufjs: '8.8.1',
  'swagger-ui-dist': '5.35.0',
  undici: '7.30.2',
  yaml: '2.9.1',
};
/** Build tools: `npm run build` compiles to dist/ with tsc; `npm run dev` runs the sources with tsx. */
const DEV_DEPENDENCIES = { '@types/node': '20.19.43', tsx: '4.23.15', typescript: '5.9.3' };

/** Settings every generated server reads, besides the capability's own. */
const COMMON_ENV = [
  {
    name: 'HOST',
    purpose: "address every adapter binds to (default: the adapter's `address`, else 127.0.0.1)",
  },
  {
    name: 'PORT',
    purpose:
      "single-port mode: the REST adapter and the MCP adapter (at `/mcp`) on this one port, as a PaaS or a Kubernetes Service expects; the adapters' own port variables are then not used",
  },
  {
    name: 'LOG_LEVEL',
    purpose:
      "pino's levels: `trace`, `debug`, `info` (default), `warn`, `error`, `fatal` or `silent`; any other value stops the server at start-up. Logs are pino JSON lines on stdout (stderr under `--stdio`), one per request with `reqId`, `adapter`, `route` or `tool`, `status` and `responseTime` (ms); credentials are redacted",
  },
  { name: 'BODY_LIMIT_BYTES', purpose: 'largest accepted request body (default 1048576)' },
  {
    name: 'ALLOWED_HOSTS',
    purpose:
      'Host/Origin names every adapter accepts, comma-separated, `*` for any (DNS-rebinding protection). Default when bound to a loopback address: `localhost,127.0.0.1,[::1]`; required when bound to any other address. `MCP_ALLOWED_HOSTS` is read when it is unset',
  },
  {
    name: 'MAX_JSON_DEPTH',
    purpose: 'deepest nesting of a JSON request body or MCP message (default 64); deeper is a 400',
  },
  {
    name: 'MCP_MAX_TEXT_LENGTH',
    purpose: 'longest MCP text result before it is cut with a marker (default 25000)',
  },
  {
    name: 'MCP_MAX_RESULT_LENGTH',
    purpose: 'longest MCP structured result, in characters of JSON (default 1000000); longer is a tool error',
  },
  {
    name: 'SHUTDOWN_GRACE_MS',
    purpose: 'on SIGTERM/SIGINT, how long in-flight requests may finish before a forced exit (default 10000)',
  },
];

/**
 * The package.json of the generated server. `packages` are the npm packages its runtime modules
 * import: Fastify only with a REST adapter, the MCP SDK only with an MCP adapter.
 */
function dependenciesOf(packages: Set<string>): Record<string, string> {
  const missing = [...packages].filter((p) => !(p in RUNTIME_DEPENDENCIES));
  if (missing.length > 0) throw new Error(`generator bug: no pinned version for ${missing.join(', ')}`);
  return Object.fromEntries(Object.entries(RUNTIME_DEPENDENCIES).filter(([name]) => packages.has(name)));
}

const packageName = (model: Capability) => `${model.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-server`;
const PACKAGE_VERSION = '1.0.0';

/**
 * `npm run build`: tsc with the checked options, emitting JavaScript to dist/, then the OpenAPI
 * documents the REST and skill adapters read beside their module. One `node -e` line, so it needs no shell.
 */
function buildScript(model: Capability): string {
  const copies = [...model.rest, ...model.skill].map((a) => a.openapiFile);
  const copy =
    copies.length === 0
      ? ''
      : ` && node -e "for (const f of ${JSON.stringify(copies).replace(/"/g, "'")}) require('node:fs').copyFileSync(f, 'dist/' + f)"`;
  return `tsc -p . --noEmit false --outDir dist${copy}`;
}

/**
 * The package.json of the generated server. `packages` are the npm packages its runtime modules
 * import: Fastify only with a REST adapter, the MCP SDK only with an MCP adapter.
 */
export function emitPackageJson(model: Capability, packages: Set<string>): string {
  const hasServer = model.rest.length + model.mcp.length > 0;
  const pkg = {
    name: packageName(model),
    version: PACKAGE_VERSION,
    private: true,
    description: `${model.title}: REST and MCP server generated by capgen`,
    type: 'module',
    engines: { node: '>=20.19' },
    scripts: {
      build: buildScript(model),
      ...(hasServer
        ? {
            // node itself, not a wrapper process: signals reach the server and nothing else.
            start: 'node dist/server.js',
            ...(model.mcp.length > 0 ? { 'start:stdio': 'node dist/server.js --stdio' } : {}),
            dev: 'node --import tsx server.ts',
          }
        : {}),
      typecheck: 'tsc --noEmit -p .',
    },
    dependencies: dependenciesOf(packages),
    devDependencies: DEV_DEPENDENCIES,
    // swagger-ui-dist (the docs page) depends on @scarf/scarf, whose install script reports the
    // install to a third party unless the root package turns it off.
    ...(packages.has('swagger-ui-dist') ? { scarfSettings: { enabled: false } } : {}),
  };
  return render('package.json.hbs', { document: jsonDocument(pkg) });
}

/** The package-lock.json that pins the whole tree (see lockfile.ts). */
export function emitPackageLock(model: Capability, packages: Set<string>): string {
  return emitLockfile(packageName(model), PACKAGE_VERSION, dependenciesOf(packages), DEV_DEPENDENCIES);
}

/**
 * A multi-stage Dockerfile: the build stage installs everything from the lockfile and compiles;
 * the final stage has only dist/, the OpenAPI documents and the production dependencies, and
 * runs as the image's unprivileged `node` user with node itself as PID 1's child of nothing.
 */
export function emitDockerfile(model: Capability): string {
  const port = model.rest[0]?.port ?? model.mcp[0]?.port ?? 8080;
  return `# Generated by capgen. Build: docker build -t ${packageName(model)} .
# Run: docker run -p ${port}:${port} -e PORT=${port} … ${packageName(model)}
# Bound to 0.0.0.0 in the container, the server accepts only the Host names in ALLOWED_HOSTS:
# loopback names here; add the name clients use (-e ALLOWED_HOSTS=api.example.com,localhost).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=${port} ALLOWED_HOSTS=localhost,127.0.0.1,[::1]
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE ${port}
CMD ["node", "dist/server.js"]
`;
}

/**
 * kubernetes.yaml: a Deployment of stateless replicas in single-port mode (PORT), with liveness
 * and readiness probes on /healthz and /readyz, resource requests and limits, and a Service in
 * front. Secrets come from a Secret the operator creates (named in the file), never from it.
 */
export function emitKubernetes(model: Capability): string {
  const name = packageName(model);
  const port = 8080;
  const secrets = model.env.filter((e) => e.secret).map((e) => e.name);
  const env = [
    `            - name: PORT\n              value: "${port}"`,
    '            - name: HOST\n              value: "0.0.0.0"',
    // The Service, probes and other pods reach the pod by name or IP; the Host check needs them listed.
    '            - name: ALLOWED_HOSTS\n              value: "*"',
    ...secrets.map(
      (s) =>
        `            - name: ${s}\n              valueFrom:\n                secretKeyRef:\n                  name: ${name}\n                  key: ${s}`,
    ),
  ].join('\n');
  return `# Generated by capgen. Build and push the image (see Dockerfile), set its name below, then:
#   kubectl create secret generic ${name}${secrets.map((s) => ` --from-literal=${s}=…`).join('')}
#   kubectl apply -f kubernetes.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: server
          image: ${name}:1.0.0
          ports:
            - name: http
              containerPort: ${port}
          env:
${env}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
spec:
  selector:
    app.kubernetes.io/name: ${name}
  ports:
    - name: http
      port: 80
      targetPort: http
`;
}

/** What `docker build` leaves out of the context: installs and builds made on the host. */
export const DOCKERIGNORE = 'node_modules\ndist\n.capgen-manifest.json\n';

/** What git leaves out of a generated package: the install and the build. */
export const GITIGNORE = 'node_modules/\ndist/\n';

export function emitTsconfig(): string {
  return render('tsconfig.json.hbs', { document: jsonDocument({ compilerOptions: COMPILER_OPTIONS_JSON }) });
}

export function emitReadme(model: Capability): string {
  const routes = model.rest.flatMap((a) =>
    a.paths.flatMap((p) =>
      p.operations.map((o) => ({
        adapter: a.namespace,
        method: o.method,
        path: p.template,
        call: actionSummary(o),
        description: o.description,
      })),
    ),
  );
  const tools = model.mcp.flatMap((a) =>
    a.tools.map((t) => ({
      adapter: a.namespace,
      name: t.name,
      description: t.description,
      readOnly: t.annotations.readOnlyHint,
      destructive: t.annotations.destructiveHint,
    })),
  );
  const env = [
    ...model.env.map((e) => ({ name: e.name, purpose: e.purpose, required: e.secret })),
    ...COMMON_ENV.map((e) => ({ ...e, required: false })),
  ];
  // The first MCP adapter is the one `--stdio` serves; clients reach it over HTTP unless the spec
  // makes it stdio-only.
  const first = model.mcp[0];
  const clients = first
    ? mcpClientConfigs({
        name: first.namespace,
        url: `http://127.0.0.1:${first.port}/mcp`,
        command: `/ABSOLUTE/PATH/TO/${model.name}/node_modules/.bin/tsx`,
        args: [`/ABSOLUTE/PATH/TO/${model.name}/server.ts`, '--stdio'],
        env: Object.fromEntries(model.env.filter((e) => e.secret).map((e) => [e.name, `<your ${e.name}>`])),
      }).filter((c) => first.transport !== 'stdio' || c.client === 'Claude Desktop')
    : [];
  return render('README.md.hbs', {
    title: model.title,
    packageName: packageName(model),
    http: model.rest.length > 0 || model.mcp.some((a) => a.transport !== 'stdio'),
    description: model.description,
    source: model.specFile.split('/').pop(),
    rest: model.rest.map((a) => ({
      namespace: a.namespace,
      port: String(a.port),
      portEnv: a.portEnv,
      openapi: a.openapiFile,
    })),
    mcp: model.mcp.map((a) => ({
      namespace: a.namespace,
      port: String(a.port),
      portEnv: a.portEnv,
      stdio: a.transport === 'stdio',
    })),
    skill: model.skill.map((a) => ({ namespace: a.namespace, port: String(a.port), portEnv: a.portEnv })),
    routes: routes.map((r) => ({ method: r.method, path: r.path, call: r.call, description: r.description })),
    tools: tools.map((t) => ({
      name: t.name,
      description: t.description,
      kind: t.readOnly ? 'read-only' : t.destructive ? 'destructive' : 'writes',
    })),
    env: env.map((e) => ({ name: e.name, purpose: e.purpose, required: e.required ? 'yes' : 'no' })),
    clients: clients.map((c) => ({
      client: c.client,
      file: c.file,
      config: new Code(JSON.stringify(c.config, null, 2)),
    })),
  });
}
