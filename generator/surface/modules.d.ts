// The surface check's packages and Node modules (generator/verify.ts): only the names the
// emitted files and the runtime's declarations import, no looser than the real declarations
// (see globals.d.ts for the rules; test/surface.test.ts compares them).

declare module 'node:buffer' {
  const Buffer: BufferConstructor;
  type Buffer = globalThis.Buffer;
  export { Buffer };
}

declare module 'node:fs' {
  export function readFileSync(path: string | URL): Buffer;
  export function readFileSync(path: string | URL, encoding: 'utf8' | 'utf-8'): string;
}

declare module 'node:url' {
  export function pathToFileURL(path: string): URL;
  export function fileURLToPath(url: string | URL): string;
}

declare module 'node:http' {
  export interface IncomingMessage {
    readonly [surfaceBrand]: 'IncomingMessage';
  }
  export interface ServerResponse {
    readonly [surfaceBrand]: 'ServerResponse';
  }
  export interface Server {
    readonly [surfaceBrand]: 'Server';
  }
  export interface IncomingHttpHeaders {
    readonly [surfaceBrand]: 'IncomingHttpHeaders';
  }
}

declare module 'fastify' {
  import type { IncomingMessage, Server, ServerResponse } from 'node:http';
  export interface FastifySchema {
    body?: unknown;
    querystring?: unknown;
    params?: unknown;
    headers?: unknown;
    response?: unknown;
  }
  export interface FastifyRequest {
    readonly [surfaceBrand]: 'FastifyRequest';
  }
  export interface FastifyReply {
    readonly [surfaceBrand]: 'FastifyReply';
  }
  export interface FastifyListenOptions {
    port?: number;
    host?: string;
  }
  export interface FastifyInstance {
    readonly [surfaceBrand]: 'FastifyInstance';
    server: Server;
    close(): Promise<undefined>;
    listen(opts?: FastifyListenOptions): Promise<string>;
    ready(): PromiseLike<undefined>;
    routing(req: IncomingMessage, res: ServerResponse): void;
  }
}

declare module '@modelcontextprotocol/server' {
  export interface McpServer {
    readonly [surfaceBrand]: 'McpServer';
  }
  export interface CallToolResult {
    readonly [surfaceBrand]: 'CallToolResult';
  }
  export interface StandardSchemaWithJSON {
    readonly [surfaceBrand]: 'StandardSchemaWithJSON';
  }
  export interface ToolAnnotations {
    title?: string | undefined;
    readOnlyHint?: boolean | undefined;
    destructiveHint?: boolean | undefined;
    idempotentHint?: boolean | undefined;
    openWorldHint?: boolean | undefined;
  }
}

declare module '@modelcontextprotocol/server/stdio' {
  import type { McpServer } from '@modelcontextprotocol/server';
  export interface StdioServerHandle {
    close(): Promise<void>;
  }
  export function serveStdio(factory: () => McpServer): StdioServerHandle;
}

declare module 'pino' {
  export interface Logger {
    readonly [surfaceBrand]: 'Logger';
  }
}

declare module 'prom-client' {
  export interface Registry {
    readonly [surfaceBrand]: 'Registry';
  }
}
