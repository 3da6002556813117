// MCP client configurations for a generated server, one per client, in each client's own file
// shape. Used by the emitted README and by `npm run demo`.
//
// - Claude Desktop (claude_desktop_config.json): `mcpServers`, local servers only, started as a
//   command over stdio, with `env`.
// - Claude Code (.mcp.json in the project): `mcpServers`, remote servers with `type: "http"`.
// - VS Code (.vscode/mcp.json): `servers` (not `mcpServers`), each with a `type`.
// - Cursor (.cursor/mcp.json or ~/.cursor/mcp.json): `mcpServers`, a remote server by `url`.

export interface McpClientTarget {
  /** The server's name in the client (the MCP adapter namespace). */
  name: string;
  /** The Streamable HTTP endpoint, e.g. http://127.0.0.1:9090/mcp. */
  url: string;
  /** How a client starts the server on stdio: command and arguments (`--stdio` included). */
  command: string;
  args: string[];
  /** Environment the stdio server needs (credentials as placeholders, never real values). */
  env: Record<string, string>;
}

export interface McpClientConfig {
  client: string;
  /** Where the client reads it. */
  file: string;
  config: object;
}

export function mcpClientConfigs(t: McpClientTarget): McpClientConfig[] {
  return [
    {
      client: 'Claude Desktop',
      file: 'claude_desktop_config.json',
      config: { mcpServers: { [t.name]: { command: t.command, args: t.args, env: t.env } } },
    },
    {
      client: 'Claude Code',
      file: '.mcp.json',
      config: { mcpServers: { [t.name]: { type: 'http', url: t.url } } },
    },
    {
      client: 'VS Code',
      file: '.vscode/mcp.json',
      config: { servers: { [t.name]: { type: 'http', url: t.url } } },
    },
    {
      client: 'Cursor',
      file: '.cursor/mcp.json',
      config: { mcpServers: { [t.name]: { url: t.url } } },
    },
  ];
}
