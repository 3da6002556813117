// Logging: one JSON line per event on stdout. Nothing that could hold a credential (headers,
// query strings, bodies) is ever logged.

const LEVELS = { error: 0, info: 1 } as const;
let threshold: number = LEVELS.info;
let sink: NodeJS.WritableStream = process.stdout;

/** Under stdio MCP, stdout carries the protocol, so logs go to stderr. */
export function logToStderr(): void {
  sink = process.stderr;
}

export function setLogLevel(level: string | undefined): void {
  threshold = level === 'silent' ? -1 : level === 'error' ? LEVELS.error : LEVELS.info;
}

export function log(level: keyof typeof LEVELS, fields: Record<string, unknown>): void {
  if (LEVELS[level] > threshold) return;
  sink.write(`${JSON.stringify({ time: new Date().toISOString(), level, ...fields })}\n`);
}
