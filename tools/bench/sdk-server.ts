/**
 * Contender (d): the smallest MCP server the generated one is compared with, written by hand on
 * the same SDK v2 packages the generated server uses (@modelcontextprotocol/server 2.4.0 and
 * @modelcontextprotocol/node 2.1.2), stateless Streamable HTTP as the generated server serves it:
 * a fresh McpServer per request from `createMcpHandler`, behind node:http. Its one tool,
 * get-instance-image, makes the same upstream call over an undici 7 Pool and answers what the
 * generated server answers for a 2xx: the JSON as text and as structuredContent. No limits, no
 * logging, no Host check: what the SDK itself costs per call. UPSTREAM is the fake upstream's
 * origin; prints `{"bench":"listening","port":N}` when ready.
 */
import { createServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, fromJsonSchema, McpServer } from '@modelcontextprotocol/server';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM;
if (!upstream) throw new Error('UPSTREAM is not set');
const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });

const inputSchema = fromJsonSchema({
  type: 'object',
  properties: { zone: { type: 'string' }, image_id: { type: 'string' } },
  required: ['zone', 'image_id'],
});
const outputSchema = fromJsonSchema({ type: 'object', additionalProperties: true });

function server(): McpServer {
  const mcp = new McpServer({ name: 'bench-sdk-minimal', version: '1.0.0' });
  mcp.registerTool(
    'get-instance-image',
    { description: 'Get an Instance image', inputSchema, outputSchema },
    async (args: unknown) => {
      const { zone, image_id } = args as { zone: string; image_id: string };
      const answer = await pool.request({
        method: 'GET',
        path: `/instance/v1/zones/${encodeURIComponent(zone)}/images/${encodeURIComponent(image_id)}`,
      });
      const text = await answer.body.text();
      if (answer.statusCode >= 400)
        return { isError: true, content: [{ type: 'text', text: `upstream answered ${answer.statusCode}` }] };
      return {
        content: [{ type: 'text', text }],
        structuredContent: JSON.parse(text) as Record<string, unknown>,
      };
    },
  );
  return mcp;
}

const handler = createMcpHandler(() => server(), { legacy: 'stateless' });
const handle = toNodeHandler(handler);
const http = createServer((req, res) => {
  void handle(req, res).catch(() => {
    if (!res.headersSent) res.writeHead(500).end();
  });
});
http.keepAliveTimeout = 65_000;
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ bench: 'listening', port })}\n`);
});
process.once('SIGTERM', () => {
  http.close();
  void Promise.all([handler.close(), pool.close()]).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
