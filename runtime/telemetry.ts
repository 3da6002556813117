// What the control adapter reports: request counts and latency per adapter and operation, the
// same per MCP tool and per upstream API, and a bounded ring of recent traces. Adapters record into it only when
// the spec declares a control adapter; otherwise there is no Telemetry and nothing is measured.
import { randomBytes } from 'node:crypto';
import { Counter, Histogram, Registry } from 'prom-client';

export interface SpanSummary {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'server' | 'client';
  durationMs: number;
  status: 'OK' | 'ERROR';
}

export interface TraceSummary {
  traceId: string;
  operation: string;
  durationMs: number;
  status: 'OK' | 'ERROR';
  timestamp: string;
  spans: SpanSummary[];
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const TRACE_ID = /^[0-9a-f]{32}$/;

/** A trace id from a W3C `traceparent` header, or a new one. */
function traceIdFrom(traceparent: string | undefined): string {
  const id = traceparent?.split('-')[1];
  return id && TRACE_ID.test(id) && !/^0+$/.test(id) ? id : randomBytes(16).toString('hex');
}

const spanId = () => randomBytes(8).toString('hex');
const elapsedMs = (start: bigint) => Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;

/** One request being served: its upstream calls become child spans. */
export class RequestTrace {
  readonly #telemetry: Telemetry;
  readonly #start = process.hrtime.bigint();
  readonly #root = spanId();
  readonly #spans: SpanSummary[] = [];
  readonly traceId: string;

  constructor(
    telemetry: Telemetry,
    readonly adapter: string,
    readonly operation: string,
    traceparent?: string,
  ) {
    this.#telemetry = telemetry;
    this.traceId = traceIdFrom(traceparent);
  }

  /** Times one upstream call; call the returned function with its status (0: no answer). */
  upstream(api: string, name: string): (status: number) => void {
    const start = process.hrtime.bigint();
    return (status) => {
      const durationMs = elapsedMs(start);
      this.#spans.push({
        spanId: spanId(),
        parentSpanId: this.#root,
        name,
        kind: 'client',
        durationMs,
        status: status >= 200 && status < 400 ? 'OK' : 'ERROR',
      });
      this.#telemetry.recordUpstream(api, status, durationMs / 1000);
    };
  }

  end(status: number): void {
    const durationMs = elapsedMs(this.#start);
    const outcome = status >= 500 || status === 0 ? 'ERROR' : 'OK';
    const name = `${this.adapter} ${this.operation}`;
    this.#telemetry.recordRequest(this.adapter, this.operation, status, durationMs / 1000);
    this.#telemetry.traces.push({
      traceId: this.traceId,
      operation: name,
      durationMs,
      status: outcome,
      timestamp: new Date().toISOString(),
      spans: [{ spanId: this.#root, name, kind: 'server', durationMs, status: outcome }, ...this.#spans],
    });
  }
}

/** The most recent traces, oldest dropped first. */
export class TraceRing {
  readonly #items: TraceSummary[] = [];
  constructor(readonly capacity: number) {}

  push(trace: TraceSummary): void {
    this.#items.push(trace);
    if (this.#items.length > this.capacity) this.#items.shift();
  }

  get size(): number {
    return this.#items.length;
  }

  /** Newest first. */
  all(): TraceSummary[] {
    return [...this.#items].reverse();
  }

  find(traceId: string): TraceSummary | undefined {
    return this.#items.find((t) => t.traceId === traceId);
  }
}

export class Telemetry {
  readonly registry: Registry = new Registry();
  readonly traces: TraceRing;
  readonly #requests: Counter<'adapter' | 'operation' | 'status'>;
  readonly #requestSeconds: Histogram<'adapter' | 'operation'>;
  readonly #tools: Counter<'adapter' | 'tool' | 'outcome'>;
  readonly #toolSeconds: Histogram<'adapter' | 'tool'>;
  readonly #upstream: Counter<'api' | 'status'>;
  readonly #upstreamSeconds: Histogram<'api'>;

  constructor(options: { traceBuffer?: number } = {}) {
    this.traces = new TraceRing(options.traceBuffer ?? 100);
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'capgen_requests_total',
      help: 'Requests served, by adapter, operation and status.',
      labelNames: ['adapter', 'operation', 'status'],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: 'capgen_request_duration_seconds',
      help: 'Time to answer a request, by adapter and operation.',
      labelNames: ['adapter', 'operation'],
      buckets: BUCKETS,
      registers,
    });
    // An MCP request's status says little (a failed tool is still a 200): tools get their own.
    this.#tools = new Counter({
      name: 'capgen_mcp_tool_calls_total',
      help: 'MCP tool calls, by adapter, tool and outcome (ok, or error for an isError result).',
      labelNames: ['adapter', 'tool', 'outcome'],
      registers,
    });
    this.#toolSeconds = new Histogram({
      name: 'capgen_mcp_tool_duration_seconds',
      help: 'Time an MCP tool call took, by adapter and tool.',
      labelNames: ['adapter', 'tool'],
      buckets: BUCKETS,
      registers,
    });
    this.#upstream = new Counter({
      name: 'capgen_upstream_requests_total',
      help: 'Calls to upstream APIs, by API and status (0: no answer).',
      labelNames: ['api', 'status'],
      registers,
    });
    this.#upstreamSeconds = new Histogram({
      name: 'capgen_upstream_duration_seconds',
      help: 'Time an upstream API took to answer, by API.',
      labelNames: ['api'],
      buckets: BUCKETS,
      registers,
    });
  }

  trace(adapter: string, operation: string, traceparent?: string): RequestTrace {
    return new RequestTrace(this, adapter, operation, traceparent);
  }

  recordRequest(adapter: string, operation: string, status: number, seconds: number): void {
    this.#requests.inc({ adapter, operation, status: String(status) });
    this.#requestSeconds.observe({ adapter, operation }, seconds);
  }

  recordTool(adapter: string, tool: string, isError: boolean, seconds: number): void {
    this.#tools.inc({ adapter, tool, outcome: isError ? 'error' : 'ok' });
    this.#toolSeconds.observe({ adapter, tool }, seconds);
  }

  /** What a client of `api` reports each call to (HttpApiOptions.observe). */
  upstreamObserver(api: string): (status: number, seconds: number) => void {
    return (status, seconds) => this.recordUpstream(api, status, seconds);
  }

  recordUpstream(api: string, status: number, seconds: number): void {
    this.#upstream.inc({ api, status: String(status) });
    this.#upstreamSeconds.observe({ api }, seconds);
  }
}
