// Single-port mode (PORT set): the REST adapter and the MCP adapter behind one listener, MCP at
// /mcp and everything else, /healthz and /readyz included, to REST. That is what a PaaS (one
// PORT) or a Kubernetes Service with one container port expects. No framework is imported here:
// the REST app is anything with Fastify's ready() and routing(), so an MCP-only server does not
// load Fastify.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ConfigError } from './env.js';

export interface RoutedApp {
  ready(): PromiseLike<unknown>;
  routing(req: IncomingMessage, res: ServerResponse): void;
}

export interface OnePortOptions {
  host: string;
  port: number;
  rest?: RoutedApp;
  mcp?: { handle(req: IncomingMessage, res: ServerResponse): void };
}

/** Listens once and dispatches by path; close() stops accepting and lets in-flight requests finish. */
export async function serveOnePort(
  options: OnePortOptions,
): Promise<{ server: Server; close(): Promise<void> }> {
  const { rest, mcp } = options;
  await rest?.ready();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (mcp && (path === '/mcp' || !rest)) return mcp.handle(req, res);
    rest!.routing(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    server,
    close: async () => {
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearInterval(idle);
    },
  };
}

/** What the server entry gathers in single-port mode before listening once. */
export class OnePort {
  rest?: RoutedApp;
  mcp?: { handle(req: IncomingMessage, res: ServerResponse): void; close(): Promise<void> };
  readonly #adapters: { name: string; path: string; listening(port: number | undefined): void }[] = [];

  /** `others`: the adapters PORT cannot serve (a second REST or MCP adapter, a skill catalog). */
  constructor(
    readonly port: number,
    others: string[] = [],
  ) {
    if (others.length > 0)
      throw new ConfigError(
        `PORT serves one REST and one MCP adapter on one port; this server also has ${others.join(', ')}: set each adapter's own port variable instead`,
      );
  }

  /** An adapter served here; `listening` is called with the port once the listener is up. */
  add(name: string, state: { listening(port: number | undefined): void }, path = ''): void {
    this.#adapters.push({ name, path, listening: (port) => state.listening(port) });
  }

  /** Listens; each adapter's URL, and a close that stops the listener and then the MCP handler. */
  async listen(host: string): Promise<{ urls: Record<string, string>; close(): Promise<void> }> {
    const served = await serveOnePort({ host, port: this.port, rest: this.rest, mcp: this.mcp });
    const address = served.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : undefined;
    const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const urls: Record<string, string> = {};
    for (const adapter of this.#adapters) {
      urls[adapter.name] = `${base}${adapter.path}`;
      adapter.listening(port);
    }
    return {
      urls,
      close: async () => {
        await served.close();
        await this.mcp?.close();
      },
    };
  }
}
