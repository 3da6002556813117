/**
 * The HTTP gate in front of the seed's MCP handler, with raw requests: Host and Origin validation
 * (nothing reaches the upstream when refused), the methods and paths the endpoint answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../out/instance-images/runtime/log.js';
import { type RunningServer, start } from '../out/instance-images/server.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import { INITIALIZE, MCP_POST_HEADERS, mcpUrl, rawRequest, serverEnv } from './support/seed-mcp.js';

let recorder: Recorder;
let main: RunningServer;

beforeAll(async () => {
  // The generated server logs one JSON line per request on stdout; keep the test output readable.
  setLogLevel('silent');
  recorder = await startRecorder();
  main = await start({ env: serverEnv(recorder) });
});

afterAll(async () => {
  await main?.close();
  await recorder?.close();
});

// ---------------------------------------------------------------------------------------------
// The HTTP gate in front of the SDK handler.

describe('MCP HTTP endpoint: Host/Origin validation and routing', () => {
  let url: URL;
  beforeAll(() => {
    url = new URL(mcpUrl(main));
  });

  it('control: a local POST /mcp initialize is answered 200', async () => {
    const res = await rawRequest(url.href, 'POST', { ...MCP_POST_HEADERS, host: url.host }, INITIALIZE);
    expect(res.status).toBe(200);
    expect(res.body).toContain('"protocolVersion"');
  });

  it('POST /mcp with Host: evil.example → 403', async () => {
    const before = recorder.requests.length;
    const res = await rawRequest(url.href, 'POST', { ...MCP_POST_HEADERS, host: 'evil.example' }, INITIALIZE);
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('"protocolVersion"');
    expect(recorder.requests.length).toBe(before);
  });

  it('POST /mcp with Host: evil.example:<port> → 403', async () => {
    const res = await rawRequest(
      url.href,
      'POST',
      { ...MCP_POST_HEADERS, host: `evil.example:${url.port}` },
      INITIALIZE,
    );
    expect(res.status).toBe(403);
  });

  it('POST /mcp with Origin: http://evil.example → 403', async () => {
    const res = await rawRequest(
      url.href,
      'POST',
      { ...MCP_POST_HEADERS, host: url.host, origin: 'http://evil.example' },
      INITIALIZE,
    );
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('"protocolVersion"');
  });

  it('control: POST /mcp with a local Origin → 200', async () => {
    const res = await rawRequest(
      url.href,
      'POST',
      { ...MCP_POST_HEADERS, host: url.host, origin: `http://${url.host}` },
      INITIALIZE,
    );
    expect(res.status).toBe(200);
  });

  it('GET /mcp → 405', async () => {
    const res = await rawRequest(url.href, 'GET', { accept: 'text/event-stream', host: url.host });
    expect(res.status).toBe(405);
  });

  it.each(['/', '/other', '/mcp/extra'])('POST %s → 404 with a JSON body', async (path) => {
    const res = await rawRequest(
      new URL(path, url).href,
      'POST',
      { ...MCP_POST_HEADERS, host: url.host },
      INITIALIZE,
    );
    expect(res.status).toBe(404);
    expect(String(res.headers['content-type'])).toMatch(/^application\/json\b/);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'not_found' });
  });

  it('GET /other → 404 with a JSON body', async () => {
    const res = await rawRequest(new URL('/other', url).href, 'GET', { host: url.host });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'not_found', message: expect.any(String) });
  });
});
