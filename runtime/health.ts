// Health and readiness: what /healthz and /readyz answer on every HTTP adapter, and what the
// control adapter's /health/live and /health/ready answer, from one record of the adapters.
// Live means the process answers. Ready means every adapter is listening and the server is not
// shutting down: a load balancer or a Kubernetes Service stops sending it requests as soon as
// SIGTERM arrives, while in-flight requests finish. The upstream base URLs are read when the
// clients are created, before any adapter listens, so a server that listens has them all.

export interface AdapterState {
  type: string;
  namespace?: string;
  port?: number;
  /** Whether the adapter is accepting requests now. */
  started(): boolean;
}

export interface AdapterReport {
  type: string;
  namespace?: string;
  port?: number;
  state: 'started' | 'stopped';
}

export interface ReadyReport {
  status: 'UP' | 'DEGRADED';
  adapters: AdapterReport[];
}

/** The adapters' states; ready when every one but the control adapter is started. */
export function readiness(adapters: readonly AdapterState[], stopping = false): ReadyReport {
  const reports = adapters.map((a): AdapterReport => ({
    type: a.type,
    ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
    ...(a.port ? { port: a.port } : {}),
    state: a.started() && !stopping ? 'started' : 'stopped',
  }));
  const ready = !stopping && reports.every((a) => a.type === 'control' || a.state === 'started');
  return { status: ready ? 'UP' : 'DEGRADED', adapters: reports };
}

/** The server's adapters as they start, and whether it is shutting down. */
export class Health {
  readonly adapters: AdapterState[] = [];
  #stopping = false;

  /** Records an adapter, stopped until `listening` is called with the port it got. */
  adapter(type: string, namespace: string): { listening(port: number | undefined): void } {
    let up = false;
    const state: AdapterState = { type, namespace, started: () => up };
    this.adapters.push(state);
    return {
      listening: (port) => {
        up = true;
        if (port) state.port = port;
      },
    };
  }

  /** From now on, not ready (shutdown has begun); live until the process exits. */
  stop(): void {
    this.#stopping = true;
  }

  ready(): ReadyReport {
    return readiness(this.adapters, this.#stopping);
  }
}

export const HEALTH_PATHS = ['/healthz', '/readyz'] as const;

/** The answer to GET /healthz or /readyz, or undefined for any other path. */
export function healthAnswer(
  health: Health,
  path: string,
): { status: number; body: { status: string } | ReadyReport } | undefined {
  if (path === '/healthz') return { status: 200, body: { status: 'UP' } };
  if (path === '/readyz') {
    const report = health.ready();
    return { status: report.status === 'UP' ? 200 : 503, body: report };
  }
  return undefined;
}

/**
 * What an adapter records each request into, for the control adapter: telemetry.ts's Telemetry
 * fits it. Declared here so that adapters need not load the metrics library unless asked.
 */
export interface RequestRecorder {
  trace(adapter: string, operation: string, traceparent?: string): { end(status: number): void };
  /** One MCP tool call: several can share one HTTP request, so they are counted on their own. */
  recordTool(adapter: string, tool: string, isError: boolean, seconds: number): void;
}
