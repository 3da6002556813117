// The MCP client configurations `npm run demo` prints: the HTTP ones point at the running demo;
// Claude Desktop's starts `tools/demo.ts --stdio`, its own fake plus the generated server on stdio,
// which opens no port (so it runs beside the demo) and needs no key.
import { join } from 'node:path';
import { type McpClientConfig, mcpClientConfigs } from '../generator/emit/clients.js';

export function demoClientConfigs(root: string, mcpUrl: string): McpClientConfig[] {
  return mcpClientConfigs({
    name: 'instance-images',
    url: mcpUrl,
    command: join(root, 'node_modules/.bin/tsx'),
    args: [join(root, 'tools/demo.ts'), '--stdio'],
    env: {},
  });
}
