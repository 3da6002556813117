// REST adapters on Fastify: the route table's types, the app that serves it, the relay of the
// upstream's answer, and the proxy's own errors as JSON.
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchema,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { authorized, challenge, type InboundAuth } from './auth.js';
import { DOCS_PATHS, docsPage } from './docs.js';
import { FormatError } from './formats/error.js';
import { hostRefusal, LOOPBACK_NAMES, nestsDeeperThan } from './guard.js';
import { type Health, HEALTH_PATHS, healthAnswer, type RequestRecorder } from './health.js';
import { type ApiResponse, RequestError, StepError, UpstreamError, type UpstreamRequest } from './http.js';
import { LinkRewriter, type RouteUpstream } from './links.js';
import { logger } from './log.js';
import { mapOutput, type OutputShape } from './output.js';

/**
 * Upstream response headers relayed to REST callers. Hop-by-hop headers, cookies and the
 * upstream's transport details stay behind.
 */
const RELAYED_HEADERS = [
  'content-type',
  'location',
  'link',
  'x-total-count',
  'retry-after',
  'etag',
  'last-modified',
  'cache-control',
  'x-request-id',
];

/** What a route's call sees of the REST request, already validated and coerced by its schema. */
export interface RestRequest<
  P = Record<string, string>,
  Q = Record<string, unknown>,
  H = Record<string, unknown>,
  B = unknown,
> {
  params: P;
  query: Q;
  headers: H;
  body: B;
  /** Aborted when the caller goes away before the answer. */
  signal: AbortSignal;
}

/** One exposed REST operation, as the generated rest.ts declares it. */
export interface RestRoute {
  method: UpstreamRequest['method'];
  /** The Fastify route, with identifier-safe parameter names. */
  url: string;
  schema: FastifySchema;
  /** Names to show in errors where they differ from the internal ones: `image_id` → `image-id`. */
  names?: Record<string, string>;
  /** Segments that hold several parameters: `names` are extracted from the segment with `pattern`. */
  segments?: { routerName: string; pattern: string; names: string[] }[];
  /** The output mapping; absent means the upstream body passes through unchanged. */
  output?: OutputShape;
  /** The route reads a JSON request body. */
  body?: boolean;
  /** The API the route calls, and, for a GET, how Location and Link headers map onto it. */
  upstream?: RouteUpstream;
  // The request and input types are each route's own; the table holds them all.
  /** Maps the validated request onto the call; a route has this or `send`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any route's own type fits the table
  call?(request: RestRequest<any, any, any, any>): Promise<ApiResponse>;
  /**
   * For a route whose inputs are the operation's own parameters: the path parameters, the query
   * and (when the route reads a body) `body`, in one object, handed to the client as they are.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any route's own type fits the table
  send?(input: any, signal: AbortSignal): Promise<ApiResponse>;
}

/**
 * Declares one route of a table. An identity function on purpose: every entry gets the type
 * RestRoute, which keeps type-checking a table of hundreds of routes linear (a bare array literal
 * of distinct object types is reduced pairwise, which is quadratic).
 */
export function route(def: RestRoute): RestRoute {
  return def;
}

export interface RestAppOptions {
  /** The adapter's namespace, for logs. */
  name: string;
  /** Largest accepted request body, in bytes (default 1 MiB); larger ones get a 413. */
  bodyLimit?: number;
  /** The OpenAPI document served at GET /openapi.json. */
  openapi: Buffer;
  /** Credentials every caller must present; absent means the adapter is open. */
  auth?: InboundAuth;
  /** Host names accepted in Host and Origin headers (DNS-rebinding protection), or '*' for any; default loopback names. */
  allowedHosts?: readonly string[] | '*';
  /** Deepest nesting of arrays and objects accepted in a JSON request body (default 64). */
  maxJsonDepth?: number;
  /** Serves GET /healthz and /readyz from it, open to every caller (no inbound credentials). */
  health?: Health;
  /** Counts and times every request, and keeps its trace, for the control adapter. */
  telemetry?: RequestRecorder;
  /** Routes served beside the table (forward resources, runtime/forward.ts). */
  extensions?: RestExtension[];
}

/**
 * The options of a generated REST adapter's factory: the clients its routes call, and the
 * settings server.ts passes on to createRestApp.
 */
export interface RestAdapterOptions<Clients> extends Omit<RestAppOptions, 'name' | 'openapi' | 'extensions'> {
  clients: Clients;
}

/** How an extension's routes answer: as the table's routes do. */
export interface RestAnswers {
  /** The upstream's status, relayed headers and body bytes, unchanged. */
  relay(reply: FastifyReply, res: ApiResponse): FastifyReply;
  /** A 400 of the proxy's own. */
  refuse(reply: FastifyReply, message: string): FastifyReply;
  /** Aborted when the caller goes away before the answer. */
  signal(reply: FastifyReply): AbortSignal;
}

/** Routes a module adds to the app beside the table, and the URL prefixes it serves whole. */
export interface RestExtension {
  /** No 405 is answered on a table route under these prefixes: other methods are the extension's. */
  prefixes: readonly string[];
  register(app: FastifyInstance, answers: RestAnswers): void;
}

/** An error of the proxy's own, answered with its status and message. */
class ClientError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Stands for a request body in a media type other than JSON. */
const NOT_JSON = Object.freeze({ notJson: true });

const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Builds the Fastify app for a table of routes: validation that names the parameter and refuses
 * unknown query parameters, 404 and 405 (with Allow) as JSON, one log line per request.
 */
export function createRestApp(routes: RestRoute[], options: RestAppOptions): FastifyInstance {
  const app = Fastify({
    // The server's one pino logger; each request's lines carry its id (reqId), from X-Request-Id
    // when a proxy sent one. Fastify's own two lines per request are replaced by one, below.
    loggerInstance: logger() as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    bodyLimit: options.bodyLimit ?? 1_048_576,
    // Fastify's defaults would silently remove unknown query parameters; refuse them instead.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  app.setErrorHandler(restErrorHandler);
  // On close, in-flight requests finish; their keep-alive connections go as soon as the last
  // answer is out rather than after the keep-alive timeout.
  app.addHook('preClose', (done) => {
    const idle = setInterval(() => app.server.closeIdleConnections(), 100);
    app.server.once('close', () => clearInterval(idle));
    done();
  });
  app.setNotFoundHandler(notFound);
  // A body that is not JSON is never parsed or forwarded: routes with body inputs answer 415, and
  // routes without any ignore it.
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, NOT_JSON));
  // JSON bodies are checked for depth before they are parsed: a deeply nested body would
  // overflow the stack of the validator or of JSON.stringify on its way upstream.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const maxJsonDepth = options.maxJsonDepth ?? 64;
  const allowedHosts = options.allowedHosts ?? LOOPBACK_NAMES;
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(body as string, maxJsonDepth)) {
      const message = `the request body nests deeper than ${maxJsonDepth} levels (MAX_JSON_DEPTH)`;
      return done(new ClientError(400, 'CAPGEN_JSON_TOO_DEEP', message), undefined);
    }
    void parseJson(request, body as string, done);
  });
  const auth = options.auth;
  const health = options.health;
  const healthPaths = health ? HEALTH_PATHS.filter((path) => !routes.some((r) => r.url === path)) : [];
  // DNS-rebinding protection: a web page that rebinds its own name to this address must not
  // reach a server that calls upstreams with credentials. Probes are exempt: a kubelet or a load
  // balancer sends the address as Host, and their answer holds no data.
  app.addHook('onRequest', (request, reply, done) => {
    if (isProbe(healthPaths, request.url)) return done();
    const origin = request.headers.origin;
    const refusal = hostRefusal(allowedHosts, request.headers.host, origin);
    if (refusal !== undefined)
      return void fail(reply, 403, { error: 'forbidden', message: `${refusal} (ALLOWED_HOSTS)` });
    done();
  });
  if (auth) {
    app.addHook('onRequest', (request, reply, done) => {
      // Probes (a kubelet, a load balancer) carry no credentials, and the answer holds no data.
      if (isProbe(healthPaths, request.url)) return done();
      if (!authorized(auth, request.headers, request.url)) {
        reply.header('www-authenticate', challenge(auth));
        fail(reply, 401, { error: 'unauthorized', message: 'missing or invalid credentials' });
        return;
      }
      // A key sent in the query string is ours, not an input of the operation.
      if (auth.kind === 'apikey' && auth.placement === 'query')
        delete (request.query as Record<string, unknown>)[auth.name];
      done();
    });
  }
  const telemetry = options.telemetry;
  const traces = new WeakMap<FastifyRequest, { end(status: number): void }>();
  if (telemetry)
    app.addHook('onRequest', (request, _reply, done) => {
      const traceparent = request.headers.traceparent;
      const operation = `${request.method} ${request.routeOptions.url ?? '(no route)'}`;
      traces.set(
        request,
        telemetry.trace(options.name, operation, typeof traceparent === 'string' ? traceparent : undefined),
      );
      done();
    });
  // One line per request: never the query string or a header, where credentials travel.
  app.addHook('onResponse', (request, reply, done) => {
    traces.get(request)?.end(reply.statusCode);
    // The fields are built only when the line is written.
    if ((request.log as Logger).isLevelEnabled('info'))
      request.log.info(
        {
          adapter: options.name,
          method: request.method,
          route: request.routeOptions.url,
          path: request.url.split('?')[0],
          status: reply.statusCode,
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    done();
  });
  if (health)
    for (const path of healthPaths)
      app.get(path, (_request, reply) => {
        const answer = healthAnswer(health, path)!;
        return reply.code(answer.status).type('application/json').send(answer.body);
      });
  const served = servedOpenApi(app, options.openapi);
  app.get('/openapi.json', (request, reply) => reply.type('application/json').send(served(request)));
  // The docs page, unless the spec exposes something under /docs itself.
  if (!routes.some((r) => r.url === '/docs' || r.url.startsWith('/docs/'))) {
    const docs = docsPage(served.title);
    for (const path of DOCS_PATHS)
      app.get(path, async (request, reply) => {
        const answer = (await docs(request.routeOptions.url ?? path))!;
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      });
  }
  // Location and Link headers that point at a consumed path some GET route exposes are
  // rewritten to that route (runtime/links.ts says when and how).
  const links = new LinkRewriter(routes.map((r) => r.upstream));
  const methodsByUrl = new Map<string, string[]>();
  // A GET route answers HEAD too (Fastify's exposeHeadRoute), unless the spec declares HEAD itself.
  const explicitHead = new Set(routes.filter((r) => r.method === 'HEAD').map((r) => r.url));
  for (const route of routes) {
    const api = route.upstream?.api;
    const rewrite = api !== undefined && links.has(api) ? { links, api } : undefined;
    methodsByUrl.set(route.url, [...(methodsByUrl.get(route.url) ?? []), route.method]);
    const segments = (route.segments ?? []).map((s) => ({ ...s, regex: new RegExp(s.pattern) }));
    app.route({
      method: route.method,
      url: route.url,
      ...(route.method === 'GET' && explicitHead.has(route.url) ? { exposeHeadRoute: false } : {}),
      schema: route.schema,
      config: { names: route.names },
      preValidation: (request, reply, done) => {
        if (request.body !== NOT_JSON) return done();
        if (route.body)
          return void fail(reply, 415, {
            error: 'unsupported_media_type',
            message: 'the request body must be application/json',
          });
        request.body = undefined;
        done();
      },
      handler: async (request, reply) => {
        const params = request.params as Record<string, string>;
        for (const segment of segments) {
          const match = segment.regex.exec(params[segment.routerName] ?? '');
          segment.names.forEach((name, i) => (params[name] = match?.[i + 1] ?? ''));
        }
        const signal = callerSignal(reply);
        const query = request.query as Record<string, unknown>;
        const res = route.send
          ? await route.send(
              route.body ? { ...params, ...query, body: request.body } : { ...params, ...query },
              signal,
            )
          : await route.call!({ params, query, headers: request.headers, body: request.body, signal });
        if ((request.log as Logger).isLevelEnabled('debug'))
          request.log.debug({ upstreamStatus: res.status, bytes: res.raw.length }, 'upstream answered');
        return relay(reply, res, route.output, rewrite);
      },
    });
  }
  const extensions = options.extensions ?? [];
  const answers: RestAnswers = {
    relay: (reply, res) => relay(reply, res),
    refuse: (reply, message) => fail(reply, 400, { error: 'bad_request', message }),
    signal: callerSignal,
  };
  for (const extension of extensions) extension.register(app, answers);
  const taken = extensions.flatMap((e) => e.prefixes);
  for (const [url, methods] of methodsByUrl) {
    // Other methods under a forward resource are forwarded, not refused.
    if (taken.some((prefix) => url.startsWith(prefix))) continue;
    const allowed = [...new Set(methods.includes('GET') ? [...methods, 'HEAD'] : methods)];
    const others = ROUTE_METHODS.filter((m) => !allowed.includes(m));
    app.route({ method: others, url, handler: methodNotAllowed(allowed.join(', ')) });
  }
  return app;
}

/**
 * Whether a request is for one of the health routes: its path, before any query, is one of them.
 * Read from the URL, as the router matched it, rather than from `routeOptions`, which Fastify
 * builds as a new object on every read.
 */
function isProbe(healthPaths: readonly string[], url: string): boolean {
  if (healthPaths.length === 0) return false;
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return healthPaths.includes(path);
}

/**
 * The OpenAPI document with `servers` naming where this server really listens: its bound address
 * and port, or, when bound to every interface (0.0.0.0, ::), the Host the caller used. The text
 * is kept for the last address asked for.
 */
function servedOpenApi(
  app: FastifyInstance,
  openapi: Buffer,
): ((request: FastifyRequest) => string) & { title: string } {
  const document = JSON.parse(openapi.toString('utf8')) as Record<string, unknown>;
  let last: [url: string, text: string] | undefined;
  const serve = (request: FastifyRequest) => {
    const url = serverUrl(app, request);
    if (last?.[0] !== url)
      last = [url, JSON.stringify({ ...document, servers: [{ url, description: 'This server' }] })];
    return last[1];
  };
  const title = (document.info as { title?: unknown } | undefined)?.title;
  return Object.assign(serve, { title: typeof title === 'string' ? title : 'REST API' });
}

function serverUrl(app: FastifyInstance, request: FastifyRequest): string {
  const address = app.server.address();
  if (address !== null && typeof address === 'object') {
    const wildcard = address.address === '0.0.0.0' || address.address === '::';
    if (!wildcard || request.headers.host === undefined) {
      const host = wildcard ? '127.0.0.1' : address.address;
      return `http://${address.family === 'IPv6' && !wildcard ? `[${host}]` : host}:${address.port}`;
    }
  }
  return `http://${request.headers.host ?? 'localhost'}`;
}

/** Answers with the upstream's status, headers and body: the body unchanged, or mapped on success. */
function relay(
  reply: FastifyReply,
  res: ApiResponse,
  output?: OutputShape,
  rewrite?: { links: LinkRewriter; api: string },
): FastifyReply {
  reply.code(res.status);
  for (const name of RELAYED_HEADERS) {
    let value = res.headers[name];
    if (value === undefined) continue;
    const origin = res.origin;
    if (rewrite && origin && (name === 'location' || name === 'link')) {
      const one = (v: string) =>
        name === 'location'
          ? rewrite.links.location(rewrite.api, origin, v)
          : rewrite.links.link(rewrite.api, origin, v);
      value = Array.isArray(value) ? value.map(one) : one(value);
    }
    reply.header(name, value);
  }
  if (output && res.ok)
    return reply.type('application/json').send(JSON.stringify(mapOutput(output, res.body) ?? null));
  if (res.raw.length === 0) return reply.send();
  return reply.send(res.raw);
}

/** Cancels the upstream call when the REST caller goes away before the answer. */
function callerSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

export interface ErrorBody {
  error: string;
  message: string;
  parameter?: string;
}

function fail(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).type('application/json').send(body);
}

const WHERE: Record<string, string> = {
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
  body: 'request body',
};

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Errors of the proxy's own: a JSON body that names the problem, never a stack or a secret. */
function restErrorHandler(
  error: FastifyError & { validation?: ValidationIssue[]; validationContext?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const names = (request.routeOptions.config as { names?: Record<string, string> } | undefined)?.names ?? {};
  const shown = (name: string) => names[name] ?? name;
  if (error.validation && error.validation.length > 0) {
    const issue = error.validation[0]!;
    const where = WHERE[error.validationContext ?? ''] ?? 'input';
    const field = shown(issue.instancePath.replace(/^\//, '').replace(/\//g, '.'));
    if (issue.keyword === 'additionalProperties') {
      const name = String(issue.params.additionalProperty);
      const what =
        where === 'request body'
          ? `unknown property "${name}" in the request body`
          : `unknown ${where} "${name}"`;
      return fail(reply, 400, { error: 'bad_request', message: what, parameter: name });
    }
    if (issue.keyword === 'required') {
      const name = shown(String(issue.params.missingProperty));
      return fail(reply, 400, {
        error: 'bad_request',
        message: `missing required ${where} "${name}"`,
        parameter: name,
      });
    }
    if (where === 'request body' && field === '') {
      return fail(reply, 400, {
        error: 'bad_request',
        message: `the request body ${issue.message ?? 'is invalid'}`,
      });
    }
    return fail(reply, 400, {
      error: 'bad_request',
      message: `${where} "${field}" ${issue.message ?? 'is invalid'}`,
      parameter: field,
    });
  }
  const thrown: unknown = error;
  if (thrown instanceof RequestError) {
    const name = thrown.parameter === undefined ? undefined : shown(thrown.parameter);
    const message =
      name === undefined || name === thrown.parameter
        ? thrown.message
        : thrown.message.replace(`"${thrown.parameter}"`, `"${name}"`);
    return fail(reply, 400, { error: 'bad_request', message, parameter: name });
  }
  if (thrown instanceof StepError) {
    // A failing step answers as a failing simple call would, and says which step it was.
    reply.header('x-capgen-step', thrown.step);
    const failure = thrown.failure;
    if ('response' in failure) return relay(reply, failure.response);
    const cause = failure.cause;
    if (cause instanceof RequestError)
      return fail(reply, 400, { error: 'bad_request', message: thrown.message });
    if (cause.kind === 'timeout')
      return fail(reply, 504, { error: 'upstream_timeout', message: thrown.message });
    if (cause.kind === 'aborted') return fail(reply, 499, { error: 'cancelled', message: thrown.message });
    return fail(reply, 502, { error: 'upstream_unreachable', message: thrown.message });
  }
  if (thrown instanceof FormatError)
    return fail(reply, 502, { error: 'bad_upstream_answer', message: thrown.message });
  if (thrown instanceof UpstreamError) {
    if (thrown.kind === 'timeout')
      return fail(reply, 504, { error: 'upstream_timeout', message: thrown.message });
    if (thrown.kind === 'aborted') return fail(reply, 499, { error: 'cancelled', message: thrown.message });
    if (thrown.kind === 'too_large')
      return fail(reply, 502, { error: 'upstream_too_large', message: thrown.message });
    return fail(reply, 502, { error: 'upstream_unreachable', message: thrown.message });
  }
  if (thrown instanceof ClientError)
    return fail(reply, thrown.statusCode, { error: 'bad_request', message: thrown.message });
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return fail(reply, 413, {
        error: 'payload_too_large',
        message: 'the request body is larger than the limit',
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return fail(reply, 400, { error: 'bad_request', message: 'the request body is not valid JSON' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return fail(reply, 415, {
        error: 'unsupported_media_type',
        message: 'the request body must be application/json',
      });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return fail(reply, error.statusCode, { error: 'bad_request', message: error.message });
  }
  request.log.error(
    { type: error.name, code: error.code, path: request.url.split('?')[0] },
    'internal error',
  );
  return fail(reply, 500, { error: 'internal', message: 'internal error' });
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return fail(reply, 404, {
    error: 'not_found',
    message: `no route for ${request.method} ${request.url.split('?')[0]}`,
  });
}

function methodNotAllowed(allow: string): (request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (request, reply) => {
    reply.header('allow', allow);
    return fail(reply, 405, {
      error: 'method_not_allowed',
      message: `${request.method} is not allowed here; use ${allow}`,
    });
  };
}
