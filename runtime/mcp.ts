// MCP adapters on the official SDK: the tool table's types, one server per request, tool results
// and errors, and Streamable HTTP with host, origin and credential checks.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  type CallToolResult,
  createMcpHandler,
  fromJsonSchema,
  type JsonSchemaType,
  McpServer,
  type StandardSchemaWithJSON,
  type ToolAnnotations,
} from '@modelcontextprotocol/server';
import { authorized, challenge, type InboundAuth } from './auth.js';
import { FormatError } from './formats/error.js';
import { hostRefusal, nestsDeeperThan } from './guard.js';
import { type Health, healthAnswer, type RequestRecorder } from './health.js';
import { type ApiResponse, RequestError, StepError, UpstreamError } from './http.js';
import { log } from './log.js';
import { mapOutput, type OutputShape } from './output.js';

export interface ToolLimits {
  /** Longest text content, in characters (default 25,000); longer text is cut with a visible marker. */
  maxTextLength?: number;
  /**
   * Longest structured content, in characters of JSON (default 1,000,000). A longer result is
   * a tool error carrying the cut text with the marker: the answer is bounded as a whole.
   */
  maxResultLength?: number;
}

/**
 * A tool's JSON Schema as the SDK's validator. It takes a plain object and is not generic, which
 * keeps type-checking a table of hundreds of tools cheap; each tool's `call` names its argument type.
 */
export function jsonSchema(schema: Record<string, unknown>): StandardSchemaWithJSON {
  return fromJsonSchema(schema as JsonSchemaType);
}

/** The result of a pass-through tool: the upstream's JSON object (non-objects come as {result}). */
const passthroughOutput = jsonSchema({ type: 'object', additionalProperties: true });

const NO_HINTS = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

/** One MCP tool, as the generated mcp.ts declares it. */
export interface ToolDef {
  name: string;
  title?: string;
  description: string;
  inputSchema: StandardSchemaWithJSON;
  /** Absent: the pass-through result, the upstream's JSON object. */
  outputSchema?: StandardSchemaWithJSON;
  /** The hints that hold; clients are told every one of the four, the others as false. */
  annotations: Partial<ToolAnnotations>;
  /** The output mapping; absent means the upstream body passes through unchanged. */
  output?: OutputShape;
  // The argument type is each tool's own; the table holds them all.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any tool's own type fits the table
  call(args: any, signal: AbortSignal): Promise<ApiResponse>;
}

/** What one HTTP request's log line says beyond the request itself: its id and the tools it called. */
interface RequestContext {
  reqId: string;
  tools?: string[];
  toolErrors?: number;
  /** Where each tool call is counted and timed, when a control adapter is declared. */
  recordTool?: (tool: string, isError: boolean, seconds: number) => void;
}

/** Carries the request's context to the tool handlers the SDK calls for it. */
const requests = new AsyncLocalStorage<RequestContext>();
let requestCount = 0;

/** X-Request-Id from a proxy when it is a short plain token, else our own. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given)) return given;
  return `mcp-${++requestCount}`;
}

/** Declares one tool of a table; an identity function for the same reason as `route`. */
export function tool(def: ToolDef): ToolDef {
  return def;
}

interface ToolConfig {
  title?: string;
  description: string;
  inputSchema: StandardSchemaWithJSON;
  outputSchema: StandardSchemaWithJSON;
  annotations: ToolAnnotations;
}

const configs = new WeakMap<ToolDef, ToolConfig>();

/** The tool's configuration as clients see it, made once per tool: every hint, an output schema. */
function registered(tool: ToolDef): ToolConfig {
  let config = configs.get(tool);
  if (!config) {
    const { title, description, inputSchema, outputSchema, annotations } = tool;
    config = {
      ...(title === undefined ? {} : { title }),
      description,
      inputSchema,
      outputSchema: outputSchema ?? passthroughOutput,
      annotations: {
        ...(annotations.title === undefined ? {} : { title: annotations.title }),
        ...NO_HINTS,
        ...annotations,
      },
    };
    configs.set(tool, config);
  }
  return config;
}

/**
 * A fresh MCP server with the given tools. The SDK needs one server per request (a shared one
 * fails under concurrency); the tool table and its compiled schemas are shared.
 */
export function createToolServer(
  info: { name: string; version: string; instructions?: string },
  tools: ToolDef[],
  limits: ToolLimits,
): McpServer {
  const server = new McpServer(
    { name: info.name, version: info.version },
    info.instructions === undefined ? {} : { instructions: info.instructions },
  );
  for (const tool of tools) {
    server.registerTool(tool.name, registered(tool), async (args: unknown, ctx) => {
      const context = requests.getStore();
      if (context) context.tools = [...(context.tools ?? []), tool.name];
      const started = performance.now();
      const result = await toolResult(() => tool.call(args, ctx.mcpReq.signal), limits, tool.output);
      if (context && result.isError) context.toolErrors = (context.toolErrors ?? 0) + 1;
      context?.recordTool?.(tool.name, result.isError === true, (performance.now() - started) / 1000);
      // Over HTTP the request's own line names the tools it called. Over stdio there is no HTTP
      // request, so each call gets its line (on stderr: stdout is the protocol's), with the
      // JSON-RPC id as its request id.
      if (!context) logToolCall(info.name, tool.name, ctx.mcpReq.id, result, started);
      return result;
    });
  }
  return server;
}

/** One line per tool call outside HTTP (stdio): id, adapter, tool, upstream status or error, time. */
function logToolCall(
  adapter: string,
  tool: string,
  id: string | number,
  result: CallToolResult,
  started: number,
): void {
  const upstream = (result._meta?.['capgen/upstream'] as { status?: number } | undefined)?.status;
  log('info', {
    msg: 'tool call completed',
    reqId: `stdio-${id}`,
    adapter,
    tool,
    ...(upstream === undefined ? {} : { upstreamStatus: upstream }),
    ...(result.isError ? { isError: true } : {}),
    responseTime: Math.round((performance.now() - started) * 10) / 10,
  });
}

/**
 * Runs a tool's upstream call and shapes the result: the value's JSON as text, and as
 * structured content (non-objects wrapped as `{result}`). The upstream status and pagination headers travel
 * in `_meta`. Every failure is a tool error with a short, useful message, never a protocol error.
 */
export async function toolResult(
  call: () => Promise<ApiResponse>,
  limits: ToolLimits,
  output?: OutputShape,
): Promise<CallToolResult> {
  let res: ApiResponse;
  try {
    res = await call();
  } catch (err) {
    if (err instanceof RequestError) return toolError(`invalid argument: ${err.message}`);
    if (err instanceof UpstreamError) return toolError(err.message);
    if (err instanceof StepError) {
      const failure = err.failure;
      if ('response' in failure) return toolError(`${err.message}: ${upstreamMessage(failure.response)}`);
      return toolError(
        failure.cause instanceof RequestError ? `invalid argument: ${err.message}` : err.message,
      );
    }
    return toolError('internal error');
  }
  if (res.status >= 400) {
    const retryAfter = res.headers['retry-after'];
    const when =
      (res.status === 429 || res.status === 503) && typeof retryAfter === 'string'
        ? ` (Retry-After: ${retryAfter})`
        : '';
    return toolError(`upstream answered ${res.status}${when}: ${upstreamMessage(res)}`);
  }
  let value: unknown;
  try {
    if (res.invalidJson)
      return toolError(
        `upstream answered ${res.status} with a body that is not valid JSON: ${truncate(res.raw.toString('utf8').trim(), 300)}`,
      );
    value = output ? mapOutput(output, res.body) : res.body;
  } catch (err) {
    if (err instanceof FormatError) return toolError(err.message);
    throw err;
  }
  const structured =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { result: value };
  const headers: Record<string, string> = {};
  for (const name of META_HEADERS) {
    const h = res.headers[name];
    if (typeof h === 'string') headers[name] = h;
  }
  // The whole result is bounded, structuredContent included: it is about as long as the text.
  const text = JSON.stringify(value ?? null);
  const maxText = limits.maxTextLength ?? 25_000;
  const maxResult = limits.maxResultLength ?? 1_000_000;
  if (text.length > maxResult)
    return toolError(
      `the result is longer than the limit of ${maxResult} characters (MCP_MAX_RESULT_LENGTH); ask for less, e.g. a smaller page:\n${truncate(text, maxText)}`,
    );
  return {
    // The text is the value itself (an array stays an array); only structuredContent must be an object.
    content: [{ type: 'text', text: truncate(text, maxText) }],
    structuredContent: structured,
    _meta: { 'capgen/upstream': { status: res.status, headers } },
  };
}

/** Upstream headers worth showing to an MCP client: where a created resource is, and paging. */
const META_HEADERS = ['location', 'link', 'x-total-count'];

export function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

/** The upstream's own error message when it sends one (`message`, `error`, `detail`), else a body excerpt. */
function upstreamMessage(res: ApiResponse): string {
  const body = res.body;
  if (body !== null && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const message = [b.message, b.error, b.detail, b.title].find((v) => typeof v === 'string') as
      string | undefined;
    if (message !== undefined) {
      // Field-level details, as in `{"details":[{"argument_name":"image_id","help_message":"…"}]}`.
      const details = Array.isArray(b.details)
        ? b.details
            .map((d: Record<string, unknown>) =>
              [d.argument_name ?? d.field ?? d.name, d.help_message ?? d.message]
                .filter((v) => typeof v === 'string')
                .join(': '),
            )
            .filter((d: string) => d !== '')
        : [];
      const kind = typeof b.type === 'string' ? ` (${b.type})` : '';
      return `${message}${kind}${details.length > 0 ? `: ${details.join('; ')}` : ''}`;
    }
  }
  const text = res.raw.toString('utf8').trim();
  return text === '' ? 'no body' : truncate(text, 300);
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[truncated: ${text.length - max} of ${text.length} characters not shown]`;
}

export interface McpHttpOptions {
  port: number;
  host: string;
  /** Host names accepted in Host and Origin headers (DNS-rebinding protection), or '*' for any. */
  allowedHosts: readonly string[] | '*';
  /** Deepest nesting of arrays and objects accepted in a JSON-RPC message (default 64). */
  maxJsonDepth?: number;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  name: string;
  /** Credentials every caller must present; absent means the adapter is open. */
  auth?: InboundAuth;
  /** Serves GET /healthz and /readyz from it, before the Host check and without credentials. */
  health?: Health;
  /** Counts and times every request, and keeps its trace, for the control adapter. */
  telemetry?: RequestRecorder;
}

/**
 * Serves MCP over Streamable HTTP at /mcp, stateless, for 2025-11-25 and 2026-07-28 clients. The
 * SDK needs a fresh server per request (a shared one fails under concurrency), so `factory`
 * runs per request; tool schemas are compiled once, at module load.
 */
export async function serveMcpHttp(
  factory: () => McpServer,
  options: McpHttpOptions,
): Promise<{ server: Server; close(): Promise<void> }> {
  const mcp = mcpHttpHandler(factory, options);
  const server = createServer(mcp.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    server,
    // Stops accepting first and lets in-flight requests finish; the SDK handler closes after.
    close: async () => {
      // Keep-alive connections go as soon as their last answer is out.
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearInterval(idle);
      await mcp.close();
    },
  };
}

/** The MCP adapter as a request handler, for a server of its own or one shared with REST (PORT). */
export interface McpHttpHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Closes the SDK handler, once the server in front has stopped. */
  close(): Promise<void>;
}

/** What serveMcpHttp serves, without the listening: health, Host, credentials, /mcp. */
export function mcpHttpHandler(
  factory: () => McpServer,
  options: Omit<McpHttpOptions, 'port' | 'host'>,
): McpHttpHandler {
  const handler = createMcpHandler(() => factory(), {
    legacy: 'stateless',
    maxRequestBodySize: options.maxBodyBytes,
  });
  const handle = toNodeHandler(handler, { maxRequestBodySize: options.maxBodyBytes });
  const maxJsonDepth = options.maxJsonDepth ?? 64;
  const rpcError = (res: ServerResponse, status: number, code: number, message: string) =>
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
  const health = options.health;
  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const traceparent = req.headers.traceparent;
    const trace = options.telemetry?.trace(
      options.name,
      `${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]}`,
      typeof traceparent === 'string' ? traceparent : undefined,
    );
    if (trace) res.once('finish', () => trace.end(res.statusCode));
    const telemetry = options.telemetry;
    const context: RequestContext = {
      reqId: requestId(req),
      ...(telemetry
        ? {
            recordTool: (tool, isError, seconds) =>
              telemetry.recordTool(options.name, tool, isError, seconds),
          }
        : {}),
    };
    // One line per request, as the REST adapter logs: with the tools it called.
    res.once('finish', () =>
      log('info', {
        msg: 'request completed',
        reqId: context.reqId,
        adapter: options.name,
        method: req.method,
        path: (req.url ?? '/').split('?')[0],
        ...(context.tools ? { tool: context.tools.join(',') } : {}),
        ...(context.toolErrors ? { toolErrors: context.toolErrors } : {}),
        status: res.statusCode,
        responseTime: Math.round((performance.now() - started) * 10) / 10,
      }),
    );
    // Probes come from a kubelet or a load balancer by IP, without credentials: answered first.
    const probe =
      health && req.method === 'GET' ? healthAnswer(health, (req.url ?? '/').split('?')[0]!) : undefined;
    if (probe) {
      res.writeHead(probe.status, { 'content-type': 'application/json' }).end(JSON.stringify(probe.body));
      return;
    }
    const refusal = hostRefusal(options.allowedHosts, req.headers.host, req.headers.origin);
    if (refusal !== undefined) {
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'forbidden', message: `${refusal} (ALLOWED_HOSTS)` }));
      return;
    }
    if (options.auth && !authorized(options.auth, req.headers, req.url ?? '/')) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': challenge(options.auth) });
      res.end(JSON.stringify({ error: 'unauthorized', message: 'missing or invalid credentials' }));
      return;
    }
    if ((req.url ?? '/').split('?')[0] !== '/mcp') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'not_found', message: 'the MCP endpoint is /mcp' }));
      return;
    }
    const internal = () => {
      if (!res.headersSent)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"error":"internal","message":"internal error"}');
    };
    if (req.method !== 'POST') return void requests.run(context, () => handle(req, res)).catch(internal);
    // POST bodies are read here, so that nothing deep or batched reaches the SDK.
    readBody(req, options.maxBodyBytes).then(
      (body) => {
        if (body === undefined)
          return rpcError(res, 413, -32600, `the request body is larger than ${options.maxBodyBytes} bytes`);
        if (nestsDeeperThan(body, maxJsonDepth))
          return rpcError(
            res,
            400,
            -32600,
            `the message nests deeper than ${maxJsonDepth} levels (MAX_JSON_DEPTH)`,
          );
        let message: unknown;
        try {
          message = JSON.parse(body.toString('utf8'));
        } catch {
          return rpcError(res, 400, -32700, 'parse error: the request body is not valid JSON');
        }
        // Batching was removed in protocol 2025-06-18; only 2025-03-26 clients may send arrays.
        if (Array.isArray(message) && req.headers['mcp-protocol-version'] !== '2025-03-26')
          return rpcError(res, 400, -32600, 'JSON-RPC batches are not supported by this protocol version');
        requests.run(context, () => handle(req, res, message)).catch(internal);
      },
      () => res.destroy(),
    );
  };
  return { handle: handleRequest, close: () => handler.close() };
}

/** The whole request body, or undefined past `max` bytes (the rest is not read). */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
