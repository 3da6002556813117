// The control adapter: the management plane the reference engine serves on its control port.
// /health/live and /health/ready (503 DEGRADED naming the adapters that are down), /status when
// `info` is on, /metrics in Prometheus text format, and /traces from the bounded ring.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { type AdapterState, readiness } from './health.js';
import type { Telemetry, TraceSummary } from './telemetry.js';

export interface ControlAppOptions {
  telemetry: Telemetry;
  adapters: AdapterState[];
  health: boolean;
  info: boolean;
  metrics: boolean;
  traces: boolean;
  capability: { label?: string; specVersion: string; generatorVersion: string };
  authorize?: (request: FastifyRequest) => boolean;
}

const START = Date.now();

/** ISO-8601 duration, as the engine reports uptime (PT1H2M3.5S). */
function isoDuration(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!h && !m) ? `${s}S` : ''}`;
}

const summary = (t: TraceSummary) => ({
  traceId: t.traceId,
  operation: t.operation,
  durationMs: t.durationMs,
  status: t.status,
  spanCount: t.spans.length,
  timestamp: t.timestamp,
});

export function createControlApp(options: ControlAppOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const authorize = options.authorize;
  if (authorize)
    app.addHook('onRequest', async (request, reply) => {
      if (!authorize(request))
        return reply.code(401).send({ error: 'unauthorized', message: 'missing or invalid credentials' });
    });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'no such route' }),
  );

  // The same report as every HTTP adapter's /readyz (health.ts).
  const adapterList = () => readiness(options.adapters).adapters;

  if (options.health) {
    app.get('/health/live', async () => ({ status: 'UP' }));
    app.get('/health/ready', async (_request, reply) => {
      const report = readiness(options.adapters);
      return reply.code(report.status === 'UP' ? 200 : 503).send(report);
    });
  }
  if (options.info)
    app.get('/status', async () => ({
      capability: { label: options.capability.label ?? null, specVersion: options.capability.specVersion },
      engine: { name: 'capgen', version: options.capability.generatorVersion, node: process.version },
      uptime: isoDuration(Date.now() - START),
      adapters: adapterList(),
    }));
  if (options.metrics)
    app.get('/metrics', async (_request, reply) =>
      reply.type(options.telemetry.registry.contentType).send(await options.telemetry.registry.metrics()),
    );
  if (options.traces) {
    const ring = options.telemetry.traces;
    app.get<{ Querystring: { operation?: string; status?: string } }>('/traces', async (request) => {
      const { operation, status } = request.query;
      const traces = ring
        .all()
        .filter((t) => operation === undefined || t.operation.includes(operation))
        .filter((t) => status === undefined || t.status.toLowerCase() === status.toLowerCase());
      return { traces: traces.map(summary), bufferSize: ring.capacity, bufferUsed: ring.size };
    });
    app.get<{ Params: { id: string } }>('/traces/:id', async (request, reply) => {
      const trace = ring.find(request.params.id);
      if (!trace) return reply.code(404).send({ error: 'not_found', message: 'no trace with that id' });
      const { spans, ...rest } = trace;
      return { ...rest, spans };
    });
  }
  return app;
}
